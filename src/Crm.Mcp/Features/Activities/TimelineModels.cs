using System.Text.Json.Serialization;

namespace Crm.Mcp.Features.Activities;

/// <summary>One event in a record's history: what happened (kind), when, a one-line title and, for activities and
/// notes, a shortened text. Ids point at what get_activities, get_tasks or get_change return in full.</summary>
public sealed record TimelineItem
{
    public required string At { get; init; }
    /// <summary>activity, note, task, stage, change or created.</summary>
    public required string Kind { get; init; }
    public required string Title { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Detail { get; init; }
    /// <summary>An activity's or task's UUID, or a journal change id ("change:42") for stage moves, field changes and notes.</summary>
    public required string Ref { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? By { get; init; }
}

public sealed record Timeline(string Entity, string Id, string Name, IReadOnlyList<TimelineItem> Items, string? NextCursor, bool HasMore);

public sealed record TimelineResponse(Timeline Data, bool Success);
