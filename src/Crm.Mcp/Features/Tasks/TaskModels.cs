using System.ComponentModel;
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Crm.Mcp.Lists;

namespace Crm.Mcp.Features.Tasks;

public sealed record TaskDeal(string Id, string Identifier, string Name);

public sealed record TaskCompany(string Id, string Name);

public sealed record TaskContact(string Id, string FullName, string? Email);

public sealed record TaskAssignee(string Id, string Name, string? Email);

public sealed record TaskView
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    [Description("call, email, meeting, todo, deadline or follow_up.")]
    public required string Type { get; init; }
    [Description("open, in_progress, done or canceled.")]
    public required string Status { get; init; }
    [Description("Due date (2026-12-31) or date-time in UTC (2026-12-31T17:00:00.000Z); null when none.")]
    public string? Due { get; init; }
    public TaskAssignee? Assignee { get; init; }
    public string? AssigneeId { get; init; }
    [Description("Markdown notes.")]
    public string? Notes { get; init; }
    [Description("When the status became done; null otherwise.")]
    public string? CompletedAt { get; init; }
    public required IReadOnlyList<TaskDeal> Deals { get; init; }
    public required IReadOnlyList<TaskCompany> Companies { get; init; }
    public required IReadOnlyList<TaskContact> Contacts { get; init; }
    public required string CreatedAt { get; init; }
    public required string UpdatedAt { get; init; }
    [Description("Custom field values by field name; see get_entity_configuration.")]
    public System.Text.Json.Nodes.JsonObject CustomFields { get; init; } = [];
}

/// <summary>A task as create_tasks takes it.</summary>
public sealed record TaskInput
{
    [Description("What to do. Required.")]
    public string? Title { get; init; }

    [Description("call, email, meeting, todo (default), deadline or follow_up.")]
    public string? Type { get; init; }

    [Description("open (default), in_progress, done or canceled.")]
    public string? Status { get; init; }

    [Description("ISO date or date-time, e.g. \"2026-12-31\" or \"2026-12-31T17:00:00Z\".")]
    public string? Due { get; init; }

    [Description("User UUID. Default: the current user.")]
    public string? AssigneeId { get; init; }

    [Description("Markdown notes.")]
    public string? Notes { get; init; }

    [Description("Deal identifiers, UUIDs or names.")]
    public string[]? Deals { get; init; }

    [Description("Company names or UUIDs.")]
    public string[]? Companies { get; init; }

    [Description("Contact emails, names or UUIDs.")]
    public string[]? Contacts { get; init; }
}

/// <summary>A change to one task, as update_task and update_tasks take it.</summary>
public sealed record TaskUpdateInput
{
    [Description("The task's UUID.")]
    public string? Task { get; init; }
    public string? Title { get; init; }
    [Description("call, email, meeting, todo, deadline or follow_up.")]
    public string? Type { get; init; }
    [Description("open, in_progress, done or canceled.")]
    public string? Status { get; init; }
    [Description("ISO 8601 date or date-time.")]
    public string? Due { get; init; }
    public string? AssigneeId { get; init; }
    public string? Notes { get; init; }
    [Description("Fields to empty: due, assignee_id, notes.")]
    public string[]? Clear { get; init; }
}

public sealed record TaskResponse(TaskView Data, bool Success);

/// <summary>get_tasks' items: linked records by the name a tool takes back (a deal's identifier).</summary>
public static class TaskItems
{
    public static ListKind<TaskView> Kind { get; } = new(TaskFields.Entity, "id", TaskSql.FindManyAsync, t => t.Id, Compact);

    public static JsonObject Compact(TaskView task) => ListTool.Item(
        ("id", task.Id), ("title", task.Title), ("type", task.Type), ("status", task.Status), ("due", task.Due),
        ("assignee", task.Assignee?.Name), ("deals", task.Deals.Select(d => d.Identifier)),
        ("companies", task.Companies.Select(c => c.Name)), ("contacts", task.Contacts.Select(c => c.FullName)));
}
