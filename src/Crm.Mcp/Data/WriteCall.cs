namespace Crm.Mcp.Data;

/// <summary>When a name matches nothing exactly: create (auto: only if no close candidate exists), always create
/// (even beside similar records), or never create (report not_found with candidates).</summary>
public enum CreateIfMissing { Auto, Always, Never }

/// <summary>
/// The cross-cutting options of the tool call in progress (dry_run, idempotency_key, create_if_missing and the
/// user's picks from elicitation). Set by the call filter in Hosting/WriteCalls and read by <see cref="CrmDb.WriteAsync{T}"/>
/// and the Resolver, so a tool gets all of it without passing anything along. It flows with the async call, so
/// concurrent calls never see each other's.
/// </summary>
public sealed class WriteCall
{
    private static readonly AsyncLocal<WriteCall?> Ambient = new();

    public static WriteCall? Current => Ambient.Value;

    public required string Tool { get; init; }
    public bool DryRun { get; init; }
    public string? IdempotencyKey { get; init; }
    /// <summary>SHA-256 of the call's arguments (canonical JSON, without dry_run and idempotency_key).</summary>
    public string? ArgumentsHash { get; init; }
    public CreateIfMissing CreateIfMissing { get; init; }
    /// <summary>The tool's response type: a write returning it is the one whose transaction stores the key.</summary>
    public Type? ResponseType { get; init; }
    /// <summary>Set when the key was stored with the write itself; otherwise the filter stores it after the call.</summary>
    public bool KeyStored { get; set; }
    /// <summary>What the user picked when asked, by field ("company_name" -> a company id, or <see cref="CreateNew"/>).</summary>
    public Dictionary<string, string> Choices { get; } = new(StringComparer.Ordinal);

    public const string CreateNew = "new";

    /// <summary>Makes <paramref name="call"/> current for the rest of the calling async flow.</summary>
    public static void Enter(WriteCall? call) => Ambient.Value = call;
}

/// <summary>Thrown inside a write when its idempotency key was already used with the same arguments: nothing is
/// written and the stored result of the first call is the answer.</summary>
public sealed class IdempotentReplay(string resultJson, string firstCalledAt) : Exception("idempotent replay")
{
    public string ResultJson { get; } = resultJson;
    public string FirstCalledAt { get; } = firstCalledAt;
}
