using System.Data.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.Activities;

/// <summary>The activities table and its four link tables (migration 0121), each statement beside its Dapper call.</summary>
public static class ActivitySql
{
    public static readonly string[] Types = ["call", "meeting", "email", "other"];
    public static readonly string[] Directions = ["inbound", "outbound"];

    /// <summary>Link table, its record column and the table the column points at, per link kind. Table and column
    /// names come from here only, never from a caller.</summary>
    public static readonly IReadOnlyDictionary<string, (string Table, string Column)> Links = new Dictionary<string, (string, string)>
    {
        ["deal"] = ("activity_deals", "deal_id"),
        ["company"] = ("activity_companies", "company_id"),
        ["contact"] = ("activity_people", "person_id"),
        ["user"] = ("activity_users", "user_id"),
    };

    public sealed record Row(string Id, string Type, string Subject, string? Body, string OccurredAt, long? DurationMinutes,
        string? Direction, string? Outcome, string? LoggedBy, string Now);

    public static Task InsertAsync(DbConnection connection, DbTransaction transaction, Row row)
    {
        const string sql = """
            INSERT INTO activities (id, type, subject, body, occurred_at, duration_minutes, direction, outcome, logged_by, created_at, updated_at)
            VALUES (@Id, @Type, @Subject, @Body, @OccurredAt, @DurationMinutes, @Direction, @Outcome, @LoggedBy, @Now, @Now)
            """;
        return connection.ExecuteAsync(sql, row, transaction);
    }

    /// <summary>The columns update_activity may change; a null leaves the column unless its Clear flag is set.</summary>
    public sealed record Change(string Id, string? Type, string? Subject, string? Body, string? OccurredAt, long? DurationMinutes,
        string? Direction, string? Outcome, bool ClearBody, bool ClearDuration, bool ClearDirection, bool ClearOutcome, string Now);

    public static Task UpdateAsync(DbConnection connection, DbTransaction transaction, Change change)
    {
        const string sql = """
            UPDATE activities SET
                type = COALESCE(@Type, type),
                subject = COALESCE(@Subject, subject),
                body = CASE WHEN @ClearBody THEN NULL ELSE COALESCE(@Body, body) END,
                occurred_at = COALESCE(@OccurredAt, occurred_at),
                duration_minutes = CASE WHEN @ClearDuration THEN NULL ELSE COALESCE(@DurationMinutes, duration_minutes) END,
                direction = CASE WHEN @ClearDirection THEN NULL ELSE COALESCE(@Direction, direction) END,
                outcome = CASE WHEN @ClearOutcome THEN NULL ELSE COALESCE(@Outcome, outcome) END,
                updated_at = @Now
            WHERE id = @Id
            """;
        return connection.ExecuteAsync(sql, change, transaction);
    }

    /// <summary>Deletes one activity (its links cascade); returns its subject, or null when no activity has the id.</summary>
    public static Task<string?> DeleteAsync(DbConnection connection, DbTransaction transaction, string id)
    {
        const string sql = "DELETE FROM activities WHERE id = @id RETURNING subject";
        return connection.QuerySingleOrDefaultAsync<string?>(sql, new { id }, transaction);
    }

    /// <summary>Makes the activity's links of one kind exactly <paramref name="ids"/>: removes the others, adds the new.</summary>
    public static async Task SetLinksAsync(DbConnection connection, DbTransaction transaction, string activityId, string kind,
        IReadOnlyCollection<string> ids, string now)
    {
        var (table, column) = Links[kind];
        var existing = (await connection.QueryAsync<string>($"SELECT {column} FROM {table} WHERE activity_id = @activityId", new { activityId }, transaction)).ToHashSet();
        foreach (var gone in existing.Except(ids))
            await connection.ExecuteAsync($"DELETE FROM {table} WHERE activity_id = @activityId AND {column} = @gone", new { activityId, gone }, transaction);
        foreach (var added in ids.Distinct().Except(existing))
            await connection.ExecuteAsync($"INSERT INTO {table} (activity_id, {column}, created_at) VALUES (@activityId, @added, @now)", new { activityId, added, now }, transaction);
    }

    internal sealed class ActivityRow
    {
        public string Id { get; init; } = "";
        public string Type { get; init; } = "";
        public string Subject { get; init; } = "";
        public string? Body { get; init; }
        public string OccurredAt { get; init; } = "";
        public long? DurationMinutes { get; init; }
        public string? Direction { get; init; }
        public string? Outcome { get; init; }
        public string? LoggedBy { get; init; }
        public string? LoggedByName { get; init; }
        public string CreatedAt { get; init; } = "";
        public string UpdatedAt { get; init; } = "";
    }

    internal sealed class LinkRow
    {
        public string ActivityId { get; init; } = "";
        public string Kind { get; init; } = "";
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public string At { get; init; } = "";
    }

    private const string UserName = "COALESCE(NULLIF(TRIM(u.first_name || ' ' || u.last_name), ''), u.email, u.id)";

    public static async Task<IReadOnlyList<ActivityView>> FindManyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0) return [];
        const string sql = $"""
            SELECT a.id, a.type, a.subject, a.body, a.occurred_at AS OccurredAt, a.duration_minutes AS DurationMinutes,
                   a.direction, a.outcome, a.logged_by AS LoggedBy, {UserName} AS LoggedByName,
                   a.created_at AS CreatedAt, a.updated_at AS UpdatedAt
            FROM activities a LEFT JOIN users u ON u.id = a.logged_by
            WHERE a.id IN (SELECT value FROM json_each(@ids))
            """;
        var rows = (await connection.QueryAsync<ActivityRow>(sql, new { ids = SqlList.Json(ids) }, transaction)).ToDictionary(r => r.Id);
        const string linksSql = $"""
            SELECT x.activity_id AS ActivityId, 'deal' AS Kind, d.id, d.identifier || ' ' || d.name AS Name, x.created_at AS At
            FROM activity_deals x JOIN deals d ON d.id = x.deal_id WHERE x.activity_id IN (SELECT value FROM json_each(@ids))
            UNION ALL
            SELECT x.activity_id, 'company', c.id, c.name, x.created_at FROM activity_companies x JOIN companies c ON c.id = x.company_id WHERE x.activity_id IN (SELECT value FROM json_each(@ids))
            UNION ALL
            SELECT x.activity_id, 'contact', p.id, CASE WHEN p.email IS NULL THEN p.full_name ELSE p.full_name || ' <' || p.email || '>' END, x.created_at
            FROM activity_people x JOIN people p ON p.id = x.person_id WHERE x.activity_id IN (SELECT value FROM json_each(@ids))
            UNION ALL
            SELECT x.activity_id, 'user', u.id, {UserName}, x.created_at FROM activity_users x JOIN users u ON u.id = x.user_id WHERE x.activity_id IN (SELECT value FROM json_each(@ids))
            ORDER BY 5, 4
            """;
        var links = (await connection.QueryAsync<LinkRow>(linksSql, new { ids = SqlList.Json(ids) }, transaction)).ToLookup(l => (l.ActivityId, l.Kind));
        List<ActivityLink> Of(string id, string kind) => links[(id, kind)].Select(l => new ActivityLink(l.Id, l.Name)).ToList();
        return ids.Where(rows.ContainsKey).Select(id => rows[id]).Select(r => new ActivityView
        {
            Id = r.Id,
            Type = r.Type,
            Subject = r.Subject,
            Body = r.Body,
            OccurredAt = r.OccurredAt,
            DurationMinutes = r.DurationMinutes,
            Direction = r.Direction,
            Outcome = r.Outcome,
            LoggedBy = r.LoggedBy,
            LoggedByName = r.LoggedByName,
            Contacts = Of(r.Id, "contact"),
            Users = Of(r.Id, "user"),
            Deals = Of(r.Id, "deal"),
            Companies = Of(r.Id, "company"),
            CreatedAt = r.CreatedAt,
            UpdatedAt = r.UpdatedAt,
        }).ToList();
    }
}
