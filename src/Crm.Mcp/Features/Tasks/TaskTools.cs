using System.ComponentModel;
using System.Data.Common;
using Crm.Mcp.Bulk;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Users;
using Crm.Mcp.Hosting;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Tasks;

/// <summary>Tasks: calls, emails, meetings and to-dos with a due date, a status and an assignee, linked to deals,
/// companies and contacts named the way the user names them.</summary>
[McpServerToolType]
public sealed class TaskTools(CrmDb db, Resolver resolver, FieldRegistry fieldRegistry)
{
    private static readonly string TypeForm = $"one of: {string.Join(", ", TaskSql.Types)}";
    private static readonly string StatusForm = $"one of: {string.Join(", ", TaskSql.Statuses)}";
    private static readonly string[] Clearable = ["due", "assignee_id", "notes"];
    private static readonly string[] OpenStatuses = ["open", "in_progress"];

    [McpServerTool(Name = "create_tasks", Title = "Create tasks", ReadOnly = false, Destructive = false,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Creates]
    [Description("""
        Create 1 to 100 tasks linked to deals, companies and contacts by id or name (never created); assigned to the
        current user by default.
        Example: {"items": [{"title": "Call Jane about pricing", "type": "call", "due": "2026-12-01", "deals": ["DEAL-001"]}]}
        """)]
    public Task<BulkResponse<BulkRecord>> CreateTasks(
        [Description("Tasks to create.")] TaskInput[] items,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.RunAsync(db, items, atomic, progress, async (connection, transaction, item, path) =>
        {
            item ??= new TaskInput();
            var title = Validate.Text($"{path}.title", item.Title, 300, "\"Send proposal\"")
                        ?? throw CrmError.Invalid($"{path}.title", "is required.", "what to do, e.g. \"Send proposal\"");
            var type = OneOf($"{path}.type", item.Type, TaskSql.Types, TypeForm) ?? "todo";
            var status = OneOf($"{path}.status", item.Status, TaskSql.Statuses, StatusForm) ?? "open";
            var due = Validate.Date($"{path}.due", item.Due);
            var notes = Validate.Text($"{path}.notes", item.Notes, 100_000);
            var assignee = item.AssigneeId is null
                ? await UserSql.CurrentIdAsync(connection, transaction)
                : await resolver.RequireUserAsync(connection, transaction, item.AssigneeId, $"{path}.assignee_id");
            var targets = await TargetsAsync(connection, transaction, item, path);

            var id = Ids.New();
            var now = Clock.NowIso();
            await TaskSql.InsertAsync(connection, transaction, new TaskSql.NewTask(id, title, type, status, due, assignee, notes, status == "done" ? now : null, now));
            foreach (var target in targets) await TaskSql.LinkAsync(connection, transaction, id, target, now);
            return new BulkRecord(id, title);
        }, cancellationToken);

    [McpServerTool(Name = "get_tasks", Title = "List tasks", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("""
        List tasks, soonest due first; only open and in_progress ones unless status says otherwise.
        Example: {"deal": "DEAL-001", "overdue": true}
        """)]
    public async Task<ListReply> GetTasks(
        [Description("E.g. [\"done\"]; [\"any\"] for all.")] string[]? status = null,
        [Description("User UUID, \"me\" or \"none\".")] string? assignee = null,
        [Description(ListShortcuts.DealDoc)] string? deal = null,
        [Description(ListShortcuts.CompanyDoc)] string? company = null,
        [Description(ListShortcuts.ContactDoc)] string? contact = null,
        [Description("true: open tasks due before now.")] bool? overdue = null,
        [Description(ListDocs.Filters)] Filter[]? filters = null,
        [Description(ListDocs.Search)] string? search = null,
        [Description(ListDocs.Sort)] SortInput[]? sort = null,
        [Description(ListDocs.Limit)] int? limit = null,
        [Description(ListDocs.Cursor)] string? cursor = null,
        [Description(ListDocs.Fields)] string[]? fields = null,
        [Description(ListDocs.View)] string? view = null,
        CancellationToken cancellationToken = default)
    {
        var statuses = Statuses(status, MentionsStatus(filters));
        return await ListTool.RunAsync(db, fieldRegistry, TaskItems.Kind, new ListRequest(filters, search, sort, limit, cursor), fields, view,
            async (connection, transaction) =>
            {
                var shortcuts = await ListShortcuts.LinkedAsync(connection, transaction, deal, company, contact);
                if (statuses is not null) shortcuts.Add(Filter.Rule("status", FilterOps.In, statuses));
                switch (assignee?.Trim().ToLowerInvariant())
                {
                    case null: break;
                    case "none": shortcuts.Add(Filter.Rule("assignee_id", FilterOps.IsNull, null)); break;
                    case "me": shortcuts.Add(Filter.Rule("assignee_id", FilterOps.EqualsOp, await UserSql.CurrentIdAsync(connection, transaction))); break;
                    default: shortcuts.Add(Filter.Rule("assignee_id", FilterOps.EqualsOp, await resolver.RequireUserAsync(connection, transaction, assignee, "assignee"))); break;
                }
                if (overdue == true)
                {
                    shortcuts.Add(Filter.Rule("due", FilterOps.Lt, Clock.NowIso()));
                    shortcuts.Add(Filter.Rule("status", FilterOps.In, OpenStatuses));
                }
                return shortcuts;
            }, cancellationToken);
    }

    [McpServerTool(Name = "update_task", Title = "Update task", ReadOnly = false, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Change a task; omitted arguments stay, `clear` empties fields. Status done stamps completed_at.
        Example: {"task": "0f8e2c1a-...", "status": "done"}
        """)]
    public async Task<TaskResponse> UpdateTask(
        [Description("Task UUID.")] string task,
        [Description("New title.")] string? title = null,
        [Description("call, email, meeting, todo, deadline or follow_up.")] string? type = null,
        [Description("open, in_progress, done or canceled.")] string? status = null,
        [Description("ISO date or date-time, e.g. \"2026-12-15\".")] string? due = null,
        [Description("Assignee user UUID.")] string? assignee_id = null,
        [Description("Markdown.")] string? notes = null,
        [Description("Fields to empty: due, assignee_id, notes.")] string[]? clear = null,
        CancellationToken cancellationToken = default)
    {
        var input = new TaskUpdateInput { Task = task, Title = title, Type = type, Status = status, Due = due, AssigneeId = assignee_id, Notes = notes, Clear = clear };
        return new TaskResponse(await db.WriteAsync((connection, transaction) => UpdateAsync(connection, transaction, input, ""), cancellationToken), true);
    }

    [Toolset("bulk")]
    [ItemsLike("update_task")]
    [McpServerTool(Name = "update_tasks", Title = "Update tasks", ReadOnly = false, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Change 1 to 100 tasks, e.g. to close several at once.
        Example: {"items": [{"task": "0f8e2c1a-...", "status": "done"}]}
        """)]
    public Task<BulkResponse<BulkRecord>> UpdateTasks(
        [Description("Changes, one per task.")] TaskUpdateInput[] items,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.UpdateAsync(db, items, atomic, progress, async (connection, transaction, item, prefix) =>
        {
            var written = await UpdateAsync(connection, transaction, item, prefix);
            return new BulkRecord(written.Id, written.Title);
        }, cancellationToken);

    [Toolset("records")] // get_tasks answers the assistant's questions; one task by id is for REST and links
    [McpServerTool(Name = "get_task", Title = "Get task", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("""
        Get one task by UUID, with its assignee and linked deals, companies and contacts. Example: {"task": "0f8e2c1a-..."}
        """)]
    public async Task<TaskResponse> GetTask(
        [Description("Task UUID.")] string task,
        CancellationToken cancellationToken = default)
    {
        var id = Validate.Uuid("task", task) ?? throw CrmError.Invalid("task", "is required.", Validate.UuidForm);
        var view = await db.ReadAsync(async (connection, transaction) => (await TaskSql.FindManyAsync(connection, transaction, [id])).SingleOrDefault(), cancellationToken);
        return new TaskResponse(view ?? throw new CrmError(ErrorCodes.NotFound, "task", $"task: no task has id '{id}'.", "a task UUID from get_tasks"), true);
    }

    /// <summary>update_task and update_tasks alike; field names in errors carry <paramref name="prefix"/>.</summary>
    private async Task<TaskView> UpdateAsync(DbConnection connection, DbTransaction transaction, TaskUpdateInput input, string prefix)
    {
        string F(string name) => prefix + name;
        var id = Validate.Uuid(F("task"), input.Task) ?? throw CrmError.Invalid(F("task"), "is required.", Validate.UuidForm);
        var cleared = ClearFields.Read(input.Clear, Clearable, F("clear"));
        foreach (var (field, value) in new (string, object?)[] { ("due", input.Due), ("assignee_id", input.AssigneeId), ("notes", input.Notes) })
            ClearFields.NotBoth(cleared, field, value, prefix);
        var newTitle = Validate.Text(F("title"), input.Title, 300, "\"Call Jane back\"");
        var newType = OneOf(F("type"), input.Type, TaskSql.Types, TypeForm);
        var newStatus = OneOf(F("status"), input.Status, TaskSql.Statuses, StatusForm);
        var newDue = Validate.Date(F("due"), input.Due);
        var newNotes = Validate.Text(F("notes"), input.Notes, 100_000);
        if (newTitle is null && newType is null && newStatus is null && newDue is null && input.AssigneeId is null && newNotes is null && cleared.Count == 0)
            throw CrmError.Invalid(F("task"), "nothing to change.", "at least one of title, type, status, due, assignee_id, notes or clear");

        await EntityLookup.TaskAsync(connection, transaction, id, F("task"));
        var assignee = await resolver.RequireUserAsync(connection, transaction, input.AssigneeId, F("assignee_id"));
        await TaskSql.UpdateAsync(connection, transaction, new TaskSql.Change(id, newTitle, newType, newStatus, newDue, assignee, newNotes,
            cleared.Contains("due"), cleared.Contains("assignee_id"), cleared.Contains("notes"), Clock.NowIso()));
        return (await TaskSql.FindManyAsync(connection, transaction, [id])).Single();
    }

    [Toolset("destructive")]
    [McpServerTool(Name = "delete_tasks", Title = "Delete tasks", ReadOnly = false, Destructive = true,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Permanently delete 1 to 100 tasks by UUID with their links: irreversible. To close a task instead: update_task with status done.
        Example: {"tasks": ["0f8e2c1a-..."]}
        """)]
    public Task<BulkResponse<BulkRecord>> DeleteTasks(
        [Description("Task UUIDs.")] string[] tasks,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.DeleteByIdAsync(db, "tasks", "task", tasks, "[\"0f8e2c1a-3b4d-4e5f-8a6b-7c8d9e0f1a2b\"]", atomic, progress,
            TaskSql.DeleteAsync, cancellationToken);

    private static async Task<List<EntityRef>> TargetsAsync(DbConnection connection, DbTransaction transaction, TaskInput item, string path)
    {
        var targets = new List<EntityRef>();
        for (var i = 0; i < (item.Deals?.Length ?? 0); i++)
            targets.Add(await EntityLookup.DealAsync(connection, transaction, item.Deals![i], $"{path}.deals[{i}]"));
        for (var i = 0; i < (item.Companies?.Length ?? 0); i++)
            targets.Add(await EntityLookup.CompanyAsync(connection, transaction, item.Companies![i], $"{path}.companies[{i}]"));
        for (var i = 0; i < (item.Contacts?.Length ?? 0); i++)
            targets.Add(await EntityLookup.ContactAsync(connection, transaction, item.Contacts![i], $"{path}.contacts[{i}]"));
        return targets;
    }

    /// <summary>The statuses to list; null for all. The open-work default steps aside when a filter names status,
    /// so {"field": "status", "op": "equals", "value": "done"} is not silently ANDed with it into an empty list.</summary>
    private static IReadOnlyList<string>? Statuses(string[]? values, bool filteredByStatus)
    {
        if (values is null) return filteredByStatus ? null : OpenStatuses;
        if (values.Length == 0) throw CrmError.Invalid("status", "is an empty list.", $"{StatusForm}, or [\"any\"]");
        if (values.Length == 1 && values[0]?.Trim().ToLowerInvariant() == "any") return null;
        return values.Select((v, i) => OneOf($"status[{i}]", v ?? "", TaskSql.Statuses, $"{StatusForm}, or [\"any\"] alone")!).Distinct().ToList();
    }

    private static bool MentionsStatus(Filter[]? filters) =>
        filters?.Any(f => IsStatus(f?.Field) || (f?.AnyOf?.Any(r => IsStatus(r?.Field)) ?? false)) ?? false;

    private static bool IsStatus(string? field) => string.Equals(field?.Trim(), "status", StringComparison.OrdinalIgnoreCase);

    private static string? OneOf(string field, string? value, string[] allowed, string form)
    {
        if (value is null) return null;
        var normalized = value.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_');
        return allowed.Contains(normalized) ? normalized : throw CrmError.Invalid(field, $"'{Validate.Shorten(value)}' is not allowed.", form);
    }
}
