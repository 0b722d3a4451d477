namespace Crm.Mcp.Data;

/// <summary>
/// The tool finds or creates records from names (through the Resolver). Its inputSchema gains `dry_run` and
/// `create_if_missing`; the call filter takes them out before binding and the Resolver and CrmDb.WriteAsync honour them.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ResolvesAttribute : Attribute;

/// <summary>
/// The tool creates records. Its inputSchema gains `dry_run` and `idempotency_key`: a retry with the same key and
/// arguments returns the first result without writing again.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CreatesAttribute : Attribute;

/// <summary>The tool writes and can preview: its inputSchema gains `dry_run` (implied by [Resolves] and [Creates]).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DryRunAttribute : Attribute;
