using System.Data.Common;
using Crm.Mcp.Resolution;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.Tasks;

/// <summary>The tasks table and its three link tables, each statement beside its Dapper call.</summary>
public static class TaskSql
{
    public static readonly string[] Types = ["call", "email", "meeting", "todo", "deadline", "follow_up"];
    public static readonly string[] Statuses = ["open", "in_progress", "done", "canceled"];

    public sealed record NewTask(string Id, string Title, string Type, string Status, string? Due, string? AssigneeId,
        string? Notes, string? CompletedAt, string Now);

    public static Task InsertAsync(DbConnection connection, DbTransaction transaction, NewTask task)
    {
        const string sql = """
            INSERT INTO tasks (id, title, type, status, due, assignee_id, notes, completed_at, created_at, updated_at)
            VALUES (@Id, @Title, @Type, @Status, @Due, @AssigneeId, @Notes, @CompletedAt, @Now, @Now)
            """;
        return connection.ExecuteAsync(sql, task, transaction);
    }

    /// <summary>The columns update_task may change; a null leaves the column as it is unless named in Clear.</summary>
    public sealed record Change(string Id, string? Title, string? Type, string? Status, string? Due, string? AssigneeId,
        string? Notes, bool ClearDue, bool ClearAssignee, bool ClearNotes, string Now);

    public static Task UpdateAsync(DbConnection connection, DbTransaction transaction, Change change)
    {
        // completed_at follows the status: set when it becomes done, kept while it stays done, cleared otherwise.
        const string sql = """
            UPDATE tasks SET
                title = COALESCE(@Title, title),
                type = COALESCE(@Type, type),
                completed_at = CASE WHEN COALESCE(@Status, status) <> 'done' THEN NULL
                                    WHEN status = 'done' THEN completed_at ELSE @Now END,
                status = COALESCE(@Status, status),
                due = CASE WHEN @ClearDue THEN NULL ELSE COALESCE(@Due, due) END,
                assignee_id = CASE WHEN @ClearAssignee THEN NULL ELSE COALESCE(@AssigneeId, assignee_id) END,
                notes = CASE WHEN @ClearNotes THEN NULL ELSE COALESCE(@Notes, notes) END,
                updated_at = @Now
            WHERE id = @Id
            """;
        return connection.ExecuteAsync(sql, change, transaction);
    }

    /// <summary>Deletes one task (its links cascade); returns its title, or null when no task has the id.</summary>
    public static Task<string?> DeleteAsync(DbConnection connection, DbTransaction transaction, string id)
    {
        const string sql = "DELETE FROM tasks WHERE id = @id RETURNING title";
        return connection.QuerySingleOrDefaultAsync<string?>(sql, new { id }, transaction);
    }

    /// <summary>Links a task to a deal, company or contact; false when the link already existed.</summary>
    public static async Task<bool> LinkAsync(DbConnection connection, DbTransaction transaction, string taskId, EntityRef target, string now)
    {
        var sql = target.Type switch
        {
            "deal" => "INSERT INTO task_deals (task_id, deal_id, created_at) VALUES (@taskId, @targetId, @now) ON CONFLICT DO NOTHING",
            "company" => "INSERT INTO task_companies (task_id, company_id, created_at) VALUES (@taskId, @targetId, @now) ON CONFLICT DO NOTHING",
            "contact" => "INSERT INTO task_people (task_id, person_id, created_at) VALUES (@taskId, @targetId, @now) ON CONFLICT DO NOTHING",
            _ => throw new ArgumentOutOfRangeException(nameof(target), target.Type, "tasks link to deals, companies and contacts"),
        };
        return await connection.ExecuteAsync(sql, new { taskId, targetId = target.Id, now }, transaction) > 0;
    }

    /// <summary>Removes a task's link; false when there was none.</summary>
    public static async Task<bool> UnlinkAsync(DbConnection connection, DbTransaction transaction, string taskId, EntityRef target)
    {
        var sql = target.Type switch
        {
            "deal" => "DELETE FROM task_deals WHERE task_id = @taskId AND deal_id = @targetId",
            "company" => "DELETE FROM task_companies WHERE task_id = @taskId AND company_id = @targetId",
            "contact" => "DELETE FROM task_people WHERE task_id = @taskId AND person_id = @targetId",
            _ => throw new ArgumentOutOfRangeException(nameof(target), target.Type, "tasks link to deals, companies and contacts"),
        };
        return await connection.ExecuteAsync(sql, new { taskId, targetId = target.Id }, transaction) > 0;
    }

    internal sealed class TaskRow
    {
        public string Id { get; init; } = "";
        public string Title { get; init; } = "";
        public string Type { get; init; } = "";
        public string Status { get; init; } = "";
        public string? Due { get; init; }
        public string? AssigneeId { get; init; }
        public string? AssigneeFirstName { get; init; }
        public string? AssigneeLastName { get; init; }
        public string? AssigneeEmail { get; init; }
        public string? Notes { get; init; }
        public string? CompletedAt { get; init; }
        public string CreatedAt { get; init; } = "";
        public string UpdatedAt { get; init; } = "";
    }

    internal sealed record DealLinkRow(string TaskId, string Id, string Identifier, string Name);
    internal sealed record CompanyLinkRow(string TaskId, string Id, string Name);
    internal sealed record ContactLinkRow(string TaskId, string Id, string FullName, string? Email);

    private const string SelectTask = """
        SELECT t.id, t.title, t.type, t.status, t.due, t.assignee_id AS AssigneeId, u.first_name AS AssigneeFirstName,
               u.last_name AS AssigneeLastName, u.email AS AssigneeEmail, t.notes, t.completed_at AS CompletedAt,
               t.created_at AS CreatedAt, t.updated_at AS UpdatedAt
        FROM tasks t LEFT JOIN users u ON u.id = t.assignee_id
        """;

    public static async Task<IReadOnlyList<TaskView>> FindManyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0) return [];
        const string sql = SelectTask + " WHERE t.id IN (SELECT value FROM json_each(@ids))";
        var rows = (await connection.QueryAsync<TaskRow>(sql, new { ids = SqlList.Json(ids) }, transaction)).ToDictionary(r => r.Id);
        return await ToViewsAsync(connection, transaction, ids.Where(rows.ContainsKey).Select(id => rows[id]).ToList());
    }

    private static async Task<IReadOnlyList<TaskView>> ToViewsAsync(DbConnection connection, DbTransaction transaction, List<TaskRow> rows)
    {
        if (rows.Count == 0) return [];
        var taskIds = rows.Select(r => r.Id).ToList();
        var ids = new { ids = SqlList.Json(taskIds) };
        const string dealsSql = """
            SELECT x.task_id AS TaskId, d.id, d.identifier, d.name FROM task_deals x JOIN deals d ON d.id = x.deal_id
            WHERE x.task_id IN (SELECT value FROM json_each(@ids)) ORDER BY x.created_at, d.identifier
            """;
        var deals = (await connection.QueryAsync<DealLinkRow>(dealsSql, ids, transaction)).ToLookup(l => l.TaskId);
        const string companiesSql = """
            SELECT x.task_id AS TaskId, c.id, c.name FROM task_companies x JOIN companies c ON c.id = x.company_id
            WHERE x.task_id IN (SELECT value FROM json_each(@ids)) ORDER BY x.created_at, c.name
            """;
        var companies = (await connection.QueryAsync<CompanyLinkRow>(companiesSql, ids, transaction)).ToLookup(l => l.TaskId);
        const string contactsSql = """
            SELECT x.task_id AS TaskId, p.id, p.full_name AS FullName, p.email FROM task_people x JOIN people p ON p.id = x.person_id
            WHERE x.task_id IN (SELECT value FROM json_each(@ids)) ORDER BY x.created_at, p.full_name
            """;
        var contacts = (await connection.QueryAsync<ContactLinkRow>(contactsSql, ids, transaction)).ToLookup(l => l.TaskId);
        var custom = await CustomFields.CustomFieldSql.ValuesAsync(connection, transaction, taskIds);
        return rows.Select(r => new TaskView
        {
            Id = r.Id,
            Title = r.Title,
            Type = r.Type,
            Status = r.Status,
            Due = r.Due,
            Assignee = r.AssigneeId is null ? null : new TaskAssignee(r.AssigneeId, $"{r.AssigneeFirstName} {r.AssigneeLastName}".Trim(), r.AssigneeEmail),
            AssigneeId = r.AssigneeId,
            Notes = r.Notes,
            CompletedAt = r.CompletedAt,
            Deals = deals[r.Id].Select(d => new TaskDeal(d.Id, d.Identifier, d.Name)).ToList(),
            Companies = companies[r.Id].Select(c => new TaskCompany(c.Id, c.Name)).ToList(),
            Contacts = contacts[r.Id].Select(c => new TaskContact(c.Id, c.FullName, c.Email)).ToList(),
            CreatedAt = r.CreatedAt,
            UpdatedAt = r.UpdatedAt,
            CustomFields = custom[r.Id],
        }).ToList();
    }
}
