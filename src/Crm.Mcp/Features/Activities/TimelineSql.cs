using System.Data.Common;
using Dapper;

namespace Crm.Mcp.Features.Activities;

/// <summary>The sources of get_timeline for one record, each newest first up to a point in time: its activities and
/// tasks through their link tables, and its own row's journal (change_records of migration 0070).</summary>
public static class TimelineSql
{
    /// <summary>Per entity: its table, the name column, and its link columns in the activity and task link tables.
    /// All names come from code, never from a caller.</summary>
    public sealed record Source(string Entity, string Table, string NameColumn, string ActivityLinks, string ActivityColumn, string TaskLinks, string TaskColumn);

    public static readonly IReadOnlyList<Source> Sources =
    [
        new("deal", "deals", "name", "activity_deals", "deal_id", "task_deals", "deal_id"),
        new("company", "companies", "name", "activity_companies", "company_id", "task_companies", "company_id"),
        new("contact", "people", "full_name", "activity_people", "person_id", "task_people", "person_id"),
    ];

    /// <summary>How many of each source one page reads at most; a page is assembled from these, newest first.</summary>
    public const int SourceLimit = 500;

    public sealed class ActivityRow
    {
        public string Id { get; init; } = "";
        public string Type { get; init; } = "";
        public string Subject { get; init; } = "";
        public string? Body { get; init; }
        public string OccurredAt { get; init; } = "";
        public long? DurationMinutes { get; init; }
        public string? Direction { get; init; }
        public string? Outcome { get; init; }
    }

    public static async Task<IReadOnlyList<ActivityRow>> ActivitiesAsync(DbConnection connection, DbTransaction transaction, Source source, string id, string before)
    {
        var sql = $"""
            SELECT a.id, a.type, a.subject, a.body, a.occurred_at AS OccurredAt, a.duration_minutes AS DurationMinutes, a.direction, a.outcome
            FROM {source.ActivityLinks} x JOIN activities a ON a.id = x.activity_id
            WHERE x.{source.ActivityColumn} = @id AND a.occurred_at <= @before
            ORDER BY a.occurred_at DESC, a.id DESC LIMIT {SourceLimit}
            """;
        return (await connection.QueryAsync<ActivityRow>(sql, new { id, before }, transaction)).ToList();
    }

    public sealed class TaskRow
    {
        public string Id { get; init; } = "";
        public string Title { get; init; } = "";
        public string Type { get; init; } = "";
        public string Status { get; init; } = "";
        public string? Due { get; init; }
        public string At { get; init; } = "";
    }

    /// <summary>Tasks at the time they were completed, else when they were created.</summary>
    public static async Task<IReadOnlyList<TaskRow>> TasksAsync(DbConnection connection, DbTransaction transaction, Source source, string id, string before)
    {
        var sql = $"""
            SELECT t.id, t.title, t.type, t.status, t.due, COALESCE(t.completed_at, t.created_at) AS At
            FROM {source.TaskLinks} x JOIN tasks t ON t.id = x.task_id
            WHERE x.{source.TaskColumn} = @id AND COALESCE(t.completed_at, t.created_at) <= @before
            ORDER BY At DESC, t.id DESC LIMIT {SourceLimit}
            """;
        return (await connection.QueryAsync<TaskRow>(sql, new { id, before }, transaction)).ToList();
    }

    public sealed class ChangeRow
    {
        public long ChangeId { get; init; }
        public string At { get; init; } = "";
        public string Actor { get; init; } = "";
        public string Operation { get; init; } = "";
        public string? Before { get; init; }
        public string? After { get; init; }
    }

    /// <summary>The journal of the record's own row, in the order written (a change may hold several of its rows).</summary>
    public static async Task<IReadOnlyList<ChangeRow>> ChangesAsync(DbConnection connection, DbTransaction transaction, Source source, string id, string before)
    {
        const string sql = """
            SELECT r.change_id AS ChangeId, c.at, c.actor, r.operation, r.before, r.after
            FROM change_records r JOIN changes c ON c.id = r.change_id
            WHERE r.entity = @table AND r.record_id = @id AND c.at <= @before
            ORDER BY r.change_id DESC, r.id DESC LIMIT @limit
            """;
        return (await connection.QueryAsync<ChangeRow>(sql, new { table = source.Table, id, before, limit = SourceLimit }, transaction)).Reverse().ToList();
    }

    public sealed record Named(string Id, string Name);

    public static async Task<Dictionary<string, string>> NamesAsync(DbConnection connection, DbTransaction transaction, string table, string nameSql, IReadOnlyCollection<string> ids)
    {
        if (ids.Count == 0) return [];
        var sql = $"SELECT id, {nameSql} AS Name FROM {table} WHERE id IN (SELECT value FROM json_each(@ids))";
        return (await connection.QueryAsync<Named>(sql, new { ids = Data.SqlList.Json(ids) }, transaction))
            .ToDictionary(n => n.Id, n => n.Name);
    }
}
