namespace Crm.Mcp.Common;

/// <summary>Ids of new rows.</summary>
public static class Ids
{
    /// <summary>A UUID version 7 (RFC 9562) as text: its leading 48 bits are the time in milliseconds, so new ids sort
    /// after older ones and every index keyed by an id (primary keys, links, the journal's record index, search
    /// documents) takes new rows on its last page instead of a random one. A create_deal_draft dirtied ≈ 20 fewer
    /// pages per call with it, and at 1M rows those random pages were mostly cold reads (BENCHMARKS.md, issue 15,
    /// sixth session).</summary>
    public static string New() => Guid.CreateVersion7().ToString();
}
