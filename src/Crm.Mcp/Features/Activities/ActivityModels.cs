using System.ComponentModel;
using System.Text.Json.Nodes;
using Crm.Mcp.Lists;

namespace Crm.Mcp.Features.Activities;

/// <summary>A linked or participating record: id and display name (a deal's name is prefixed by its identifier,
/// a person's followed by the email when there is one).</summary>
public sealed record ActivityLink(string Id, string Name);

public sealed record ActivityView
{
    public required string Id { get; init; }
    [Description("call, meeting, email or other.")]
    public required string Type { get; init; }
    public required string Subject { get; init; }
    [Description("Markdown.")]
    public string? Body { get; init; }
    public required string OccurredAt { get; init; }
    public long? DurationMinutes { get; init; }
    [Description("inbound or outbound; null when not said.")]
    public string? Direction { get; init; }
    public string? Outcome { get; init; }
    // The id under the column's name, as webhook records carry it; the name beside it.
    public string? LoggedBy { get; init; }
    public string? LoggedByName { get; init; }
    public required IReadOnlyList<ActivityLink> Contacts { get; init; }
    public required IReadOnlyList<ActivityLink> Users { get; init; }
    public required IReadOnlyList<ActivityLink> Deals { get; init; }
    public required IReadOnlyList<ActivityLink> Companies { get; init; }
    public required string CreatedAt { get; init; }
    public required string UpdatedAt { get; init; }
}

public sealed record ActivityResponse(ActivityView Data, bool Success);

/// <summary>get_activities' items: what happened, when, and with whom, by the names a tool takes back.</summary>
public static class ActivityItems
{
    public static ListKind<ActivityView> Kind { get; } = new(ActivityFields.Entity, "id", ActivitySql.FindManyAsync, a => a.Id, Compact);

    public static JsonObject Compact(ActivityView activity) => ListTool.Item(
        ("id", activity.Id), ("type", activity.Type), ("subject", activity.Subject), ("occurred_at", activity.OccurredAt),
        ("duration_minutes", activity.DurationMinutes), ("outcome", activity.Outcome), ("contacts", activity.Contacts.Select(c => c.Name)),
        ("deals", activity.Deals.Select(d => d.Name)), ("companies", activity.Companies.Select(c => c.Name)));
}
