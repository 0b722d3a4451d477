namespace Crm.Mcp.Tests.Infrastructure;

/// <summary>A clock the test moves by hand, so backoff and lease expiry are tested without waiting.</summary>
public sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; private set; } = start;

    public static ManualTime StartingNow() => new(DateTimeOffset.UtcNow);

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;

    public void Set(DateTimeOffset to) => Now = to;
}
