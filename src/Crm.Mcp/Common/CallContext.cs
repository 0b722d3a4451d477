namespace Crm.Mcp.Common;

/// <summary>
/// Who is writing and through what, for the change journal: set once per call where the call enters (the MCP call
/// filter, a CLI command, an HTTP request) and read by CrmDb when it seals a write transaction. Ambient (AsyncLocal)
/// so that no tool has to pass it along.
/// </summary>
/// <param name="UserId">The user the caller acts as (an API key's user); null: the default local user.</param>
public sealed record CallContext(string Actor, string? Tool = null, string? Arguments = null, string? UserId = null)
{
    private static readonly AsyncLocal<CallContext?> Ambient = new();

    /// <summary>Writes made outside any call (a CLI command that set nothing, a script): the OS account.</summary>
    public static CallContext Local { get; } = new($"local:{(string.IsNullOrWhiteSpace(Environment.UserName) ? "user" : Environment.UserName)}");

    public static CallContext Current => Ambient.Value ?? Local;

    /// <summary>Makes <paramref name="context"/> current until the returned scope is disposed.</summary>
    public static IDisposable Use(CallContext context)
    {
        var previous = Ambient.Value;
        Ambient.Value = context;
        return new Scope(() => Ambient.Value = previous);
    }

    private sealed class Scope(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
