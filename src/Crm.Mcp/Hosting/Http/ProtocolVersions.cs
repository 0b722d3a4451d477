namespace Crm.Mcp.Hosting.Http;

/// <summary>The MCP revisions the SDK (2.3.1) speaks; its own list is internal.</summary>
public static class ProtocolVersions
{
    public const string PerRequestMetadata = "2026-07-28";

    public static IReadOnlyList<string> Supported { get; } = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", PerRequestMetadata];

    public static bool IsSupported(string version) => Supported.Contains(version);

    /// <summary>2026-07-28 and later have no initialize handshake and no sessions: every request stands alone.</summary>
    public static bool IsSessionless(string version) =>
        IsSupported(version) && string.CompareOrdinal(version, PerRequestMetadata) >= 0;
}
