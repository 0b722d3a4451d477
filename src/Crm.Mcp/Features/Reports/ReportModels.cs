using System.Text.Json.Serialization;

namespace Crm.Mcp.Features.Reports;

/// <summary>One currency's amounts within a group; amounts of different currencies are never added. Amounts are
/// exact decimal strings in major units ("1250.50"); only the metrics asked for are present.</summary>
public sealed record CurrencyAmounts
{
    public required string Currency { get; init; }
    /// <summary>Deals in this currency with an amount (avg, min and max are over these).</summary>
    public required long Count { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Sum { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Avg { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Min { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Max { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Weighted { get; init; }
}

/// <summary>One group (or the total). Key holds one label per group_by key, in order; null where the deal has none
/// (no company, no expected close date).</summary>
public sealed record ReportRow
{
    // A JsonArray: a list of nullable strings would be listed in outputSchema as strings only.
    public required System.Text.Json.Nodes.JsonArray Key { get; init; }
    public required long Count { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? Won { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? Lost { get; init; }
    /// <summary>won / (won + lost), 0..1 rounded to 4 places; null when none closed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? WinRate { get; init; }
    /// <summary>Average days from created_at to closed_at of the won deals, 1 decimal.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? DaysToClose { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<CurrencyAmounts>? Amounts { get; init; }
}

public sealed record DealReport(
    IReadOnlyList<string> GroupBy,
    IReadOnlyList<string> Metrics,
    IReadOnlyList<ReportRow> Rows,
    ReportRow Total,
    long GroupCount,
    bool Truncated);

public sealed record DealReportResponse(DealReport Data, bool Success);
