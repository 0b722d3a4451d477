using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Crm.Mcp.Resolution;
using Microsoft.Data.Sqlite;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Tasks;

/// <summary>Tasks: calls, emails, meetings and to-dos with a due date, a status and an assignee, linked to deals,
/// companies and contacts named the way the user names them.</summary>
[McpServerToolType]
public sealed class TaskTools(CrmDb db, Resolver resolver)
{
    private static readonly string TypeForm = $"one of: {string.Join(", ", TaskSql.Types)}";
    private static readonly string StatusForm = $"one of: {string.Join(", ", TaskSql.Statuses)}";
    private static readonly string[] Clearable = ["due", "assignee_id", "notes"];

    [McpServerTool(Name = "create_tasks", Title = "Create tasks", ReadOnly = false, Destructive = false,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Creates]
    [Description("""
        Create 1 to 100 tasks, all or nothing (one bad item writes none and is named, e.g. tasks[1].due). Deals,
        companies and contacts to link are found by id or name, never created. Assigned to the current user unless
        assignee_id says otherwise.
        Example: {"tasks": [{"title": "Call Jane about pricing", "type": "call", "due": "2026-12-01", "deals": ["DEAL-001"], "contacts": ["jane@acme.com"]}]}
        """)]
    public async Task<TaskListResponse> CreateTasks(
        [Description("1 to 100 tasks, e.g. [{\"title\": \"Send proposal\", \"type\": \"email\", \"due\": \"2026-12-01\"}].")] TaskInput[] tasks,
        CancellationToken cancellationToken = default)
    {
        if (tasks is null || tasks.Length is 0 or > 100)
            throw CrmError.Invalid("tasks", $"has {tasks?.Length ?? 0} items.", "1 to 100 tasks such as {\"title\": \"Send proposal\"}");
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var currentUser = await Users.UserSql.CurrentIdAsync(connection, transaction);
            var now = Clock.NowIso();
            var ids = new List<string>();
            for (var i = 0; i < tasks.Length; i++)
            {
                var field = $"tasks[{i}]";
                var item = tasks[i] ?? throw CrmError.Invalid(field, "is null.", "a task such as {\"title\": \"Send proposal\"}");
                var title = Validate.Text($"{field}.title", item.Title, 300, "\"Send proposal\"")
                            ?? throw CrmError.Invalid($"{field}.title", "is required.", "what to do, e.g. \"Send proposal\"");
                var type = OneOf($"{field}.type", item.Type, TaskSql.Types, TypeForm) ?? "todo";
                var status = OneOf($"{field}.status", item.Status, TaskSql.Statuses, StatusForm) ?? "open";
                var due = Validate.Date($"{field}.due", item.Due);
                var notes = Validate.Text($"{field}.notes", item.Notes, 100_000);
                var assignee = item.AssigneeId is null ? currentUser : await resolver.RequireUserAsync(connection, transaction, item.AssigneeId, $"{field}.assignee_id");
                var targets = await TargetsAsync(connection, transaction, item, field);

                var id = Guid.NewGuid().ToString();
                await TaskSql.InsertAsync(connection, transaction, new TaskSql.NewTask(id, title, type, status, due, assignee, notes, status == "done" ? now : null, now));
                foreach (var target in targets) await TaskSql.LinkAsync(connection, transaction, id, target, now);
                ids.Add(id);
            }
            return new TaskListResponse(new TaskList(await TaskSql.FindManyAsync(connection, transaction, ids)), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "get_tasks", Title = "List tasks", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("""
        List tasks, soonest due first (no due date last), filtered by status, type, assignee, linked deal/company/contact,
        due range or overdue; paged with an opaque cursor. Default: open and in_progress tasks.
        Example: {"deal": "DEAL-001", "status": ["open"], "due_before": "2026-12-31"}
        """)]
    public async Task<TaskPageResponse> GetTasks(
        [Description("Statuses to include, e.g. [\"open\", \"done\"]; [\"any\"] for all. Default [\"open\", \"in_progress\"].")] string[]? status = null,
        [Description("Only this type, e.g. \"call\".")] string? type = null,
        [Description("Assignee user UUID, \"me\" for the current user, or \"none\" for unassigned tasks.")] string? assignee = null,
        [Description("Linked deal: UUID, identifier such as \"DEAL-001\", or exact name.")] string? deal = null,
        [Description("Linked company: UUID or name, e.g. \"Acme\".")] string? company = null,
        [Description("Linked contact: UUID, email or full name, e.g. \"jane@acme.com\".")] string? contact = null,
        [Description("Due on or after, ISO 8601, e.g. \"2026-12-01\".")] string? due_after = null,
        [Description("Due before (exclusive), ISO 8601, e.g. \"2027-01-01\".")] string? due_before = null,
        [Description("true: only open or in_progress tasks due before now.")] bool? overdue = null,
        [Description("Text the title or notes contain, case-insensitive, e.g. \"pricing\".")] string? search = null,
        [Description("Page size, 1 to 100. Default 25.")] int? limit = null,
        [Description("next_cursor from the previous page.")] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        var take = Validate.Limit(limit);
        var statuses = Statuses(status);
        var taskType = OneOf("type", type, TaskSql.Types, TypeForm);
        var after = Validate.Date("due_after", due_after);
        var before = Validate.Date("due_before", due_before);
        var text = Validate.Text("search", search, 200, "\"pricing\"");
        var page = PageCursor.Decode(cursor, 2);
        var assigneeText = assignee?.Trim().ToLowerInvariant();
        var result = await db.ReadAsync(async (connection, transaction) =>
        {
            var assigneeId = assigneeText switch
            {
                null or "none" => null,
                "me" => await Users.UserSql.CurrentIdAsync(connection, transaction),
                _ => await resolver.RequireUserAsync(connection, transaction, assignee, "assignee"),
            };
            var dealId = deal is null ? null : (await EntityLookup.DealAsync(connection, transaction, deal, "deal")).Id;
            var companyId = company is null ? null : (await EntityLookup.CompanyAsync(connection, transaction, company, "company")).Id;
            var contactId = contact is null ? null : (await EntityLookup.ContactAsync(connection, transaction, contact, "contact")).Id;
            return await TaskSql.ListAsync(connection, transaction, new TaskSql.ListFilter(
                statuses, taskType, assigneeId, assigneeText == "none", dealId, companyId, contactId, after, before,
                overdue == true ? Clock.NowIso() : null, text, take, page?[0], page?[1]));
        }, cancellationToken);
        var last = result.Items.LastOrDefault();
        var next = result.HasMore && last is not null ? PageCursor.Encode(last.Due ?? TaskSql.NoDueSortKey, last.Id) : null;
        return new TaskPageResponse(new TaskPage(result.Items, result.Total, next, result.HasMore), true);
    }

    [McpServerTool(Name = "update_task", Title = "Update task", ReadOnly = false, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Change a task's title, type, status, due date, assignee or notes; status done stamps completed_at. Clear a field
        with clear. Links change with link_entities/unlink_entities.
        Example: {"task": "0f8e2c1a-3b4d-4e5f-8a6b-7c8d9e0f1a2b", "status": "done"}
        """)]
    public async Task<TaskResponse> UpdateTask(
        [Description("The task's UUID, e.g. \"0f8e2c1a-3b4d-4e5f-8a6b-7c8d9e0f1a2b\".")] string task,
        [Description("New title, e.g. \"Call Jane back\".")] string? title = null,
        [Description("New type: call, email, meeting, todo, deadline or follow_up.")] string? type = null,
        [Description("New status: open, in_progress, done or canceled.")] string? status = null,
        [Description("New due date or date-time, ISO 8601, e.g. \"2026-12-15\".")] string? due = null,
        [Description("New assignee user UUID (see get_users).")] string? assignee_id = null,
        [Description("Replacement Markdown notes, e.g. \"Prefers mornings\".")] string? notes = null,
        [Description("Fields to empty: any of \"due\", \"assignee_id\", \"notes\", e.g. [\"due\"].")] string[]? clear = null,
        CancellationToken cancellationToken = default)
    {
        var id = Validate.Uuid("task", task) ?? throw CrmError.Invalid("task", "is required.", Validate.UuidForm);
        var newTitle = Validate.Text("title", title, 300, "\"Call Jane back\"");
        var newType = OneOf("type", type, TaskSql.Types, TypeForm);
        var newStatus = OneOf("status", status, TaskSql.Statuses, StatusForm);
        var newDue = Validate.Date("due", due);
        var newNotes = Validate.Text("notes", notes, 100_000);
        var cleared = new HashSet<string>();
        for (var i = 0; i < (clear?.Length ?? 0); i++)
        {
            var name = clear![i]?.Trim().ToLowerInvariant() ?? "";
            if (!Clearable.Contains(name))
                throw CrmError.Invalid($"clear[{i}]", $"'{Validate.Shorten(clear[i] ?? "")}' cannot be cleared.", $"any of: {string.Join(", ", Clearable)}");
            cleared.Add(name);
        }
        foreach (var (name, given) in new[] { ("due", newDue is not null), ("assignee_id", assignee_id is not null), ("notes", newNotes is not null) })
            if (given && cleared.Contains(name))
                throw CrmError.Invalid("clear", $"{name} is both set and cleared.", $"either a new {name} or \"{name}\" in clear, not both");
        if (newTitle is null && newType is null && newStatus is null && newDue is null && assignee_id is null && newNotes is null && cleared.Count == 0)
            throw CrmError.Invalid("task", "update_task needs something to change.", "at least one of title, type, status, due, assignee_id, notes or clear");

        return await db.WriteAsync(async (connection, transaction) =>
        {
            await EntityLookup.TaskAsync(connection, transaction, id, "task");
            var assignee = await resolver.RequireUserAsync(connection, transaction, assignee_id, "assignee_id");
            await TaskSql.UpdateAsync(connection, transaction, new TaskSql.Change(id, newTitle, newType, newStatus, newDue, assignee, newNotes,
                cleared.Contains("due"), cleared.Contains("assignee_id"), cleared.Contains("notes"), Clock.NowIso()));
            return new TaskResponse((await TaskSql.FindManyAsync(connection, transaction, [id])).Single(), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "delete_tasks", Title = "Delete tasks", ReadOnly = false, Destructive = true,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("Delete 1 to 100 tasks by UUID with their links; irreversible. All or nothing: an unknown id deletes none. To close a task instead, update_task with status done. Example: {\"tasks\": [\"0f8e2c1a-3b4d-4e5f-8a6b-7c8d9e0f1a2b\"]}")]
    public async Task<TasksDeletedResponse> DeleteTasks(
        [Description("1 to 100 task UUIDs, e.g. [\"0f8e2c1a-3b4d-4e5f-8a6b-7c8d9e0f1a2b\"].")] string[] tasks,
        CancellationToken cancellationToken = default)
    {
        if (tasks is null || tasks.Length is 0 or > 100)
            throw CrmError.Invalid("tasks", $"has {tasks?.Length ?? 0} ids.", "1 to 100 task UUIDs");
        var ids = Validate.Uuids("tasks", tasks);
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var missing = await TaskSql.MissingAsync(connection, transaction, ids);
            if (missing.Count > 0)
                throw new CrmError(ErrorCodes.NotFound, "tasks", $"tasks: no task has id {string.Join(", ", missing.Select(m => $"'{m}'"))}; nothing was deleted.",
                    "UUIDs from get_tasks");
            await TaskSql.DeleteAsync(connection, transaction, ids);
            return new TasksDeletedResponse(new TasksDeleted(ids), true);
        }, cancellationToken);
    }

    private static async Task<List<EntityRef>> TargetsAsync(SqliteConnection connection, SqliteTransaction transaction, TaskInput item, string field)
    {
        var targets = new List<EntityRef>();
        for (var i = 0; i < (item.Deals?.Length ?? 0); i++)
            targets.Add(await EntityLookup.DealAsync(connection, transaction, item.Deals![i], $"{field}.deals[{i}]"));
        for (var i = 0; i < (item.Companies?.Length ?? 0); i++)
            targets.Add(await EntityLookup.CompanyAsync(connection, transaction, item.Companies![i], $"{field}.companies[{i}]"));
        for (var i = 0; i < (item.Contacts?.Length ?? 0); i++)
            targets.Add(await EntityLookup.ContactAsync(connection, transaction, item.Contacts![i], $"{field}.contacts[{i}]"));
        return targets;
    }

    private static IReadOnlyList<string>? Statuses(string[]? values)
    {
        if (values is null) return ["open", "in_progress"];
        if (values.Length == 0) throw CrmError.Invalid("status", "is an empty list.", $"{StatusForm}, or [\"any\"]");
        if (values.Length == 1 && values[0]?.Trim().ToLowerInvariant() == "any") return null;
        return values.Select((v, i) => OneOf($"status[{i}]", v ?? "", TaskSql.Statuses, $"{StatusForm}, or [\"any\"] alone")!).Distinct().ToList();
    }

    private static string? OneOf(string field, string? value, string[] allowed, string form)
    {
        if (value is null) return null;
        var normalized = value.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_');
        return allowed.Contains(normalized) ? normalized : throw CrmError.Invalid(field, $"'{Validate.Shorten(value)}' is not allowed.", form);
    }
}
