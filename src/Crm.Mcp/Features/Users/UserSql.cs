using Crm.Mcp.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Features.Users;

/// <summary>The users table's SQL, each statement beside its Dapper call.</summary>
public static class UserSql
{
    private sealed class UserRow
    {
        public string Id { get; init; } = "";
        public string FirstName { get; init; } = "";
        public string LastName { get; init; } = "";
        public string? Email { get; init; }
        public string? AvatarUrl { get; init; }
        public bool IsDefault { get; init; }
        public string CreatedAt { get; init; } = "";
        public string UpdatedAt { get; init; } = "";
    }

    private const string SelectUser = """
        SELECT id, first_name AS FirstName, last_name AS LastName, email, avatar_url AS AvatarUrl,
               is_default AS IsDefault, created_at AS CreatedAt, updated_at AS UpdatedAt
        FROM users
        """;

    /// <summary>The default local user's id; the migrator creates that user on every start.</summary>
    public static Task<string> CurrentIdAsync(SqliteConnection connection, SqliteTransaction transaction)
    {
        const string sql = "SELECT id FROM users WHERE is_default = 1";
        return connection.QuerySingleAsync<string>(sql, transaction: transaction);
    }

    public static async Task<UserView?> CurrentAsync(SqliteConnection connection, SqliteTransaction transaction)
    {
        const string sql = SelectUser + " WHERE is_default = 1";
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(sql, transaction: transaction);
        return row is null ? null : ToView(row);
    }

    public sealed record ListFilter(string? Search, int Limit, string? AfterCreatedAt, string? AfterId);

    /// <summary>Users oldest first (the default user leads), optionally those whose name or email contains the text.</summary>
    public static async Task<(IReadOnlyList<UserView> Items, long Total, bool HasMore)> ListAsync(
        SqliteConnection connection, SqliteTransaction transaction, ListFilter filter)
    {
        const string where = """
             WHERE (@Pattern IS NULL OR lower(first_name || ' ' || last_name) LIKE @Pattern ESCAPE '\'
                    OR email_key LIKE @Pattern ESCAPE '\')
            """;
        const string countSql = "SELECT COUNT(*) FROM users" + where;
        const string pageSql = SelectUser + where + """
               AND (@AfterCreatedAt IS NULL OR created_at > @AfterCreatedAt OR (created_at = @AfterCreatedAt AND id > @AfterId))
             ORDER BY created_at, id
             LIMIT @Take
            """;
        var args = new { Pattern = SqlText.ContainsPattern(filter.Search), filter.AfterCreatedAt, filter.AfterId, Take = filter.Limit + 1 };
        var total = await connection.ExecuteScalarAsync<long>(countSql, args, transaction);
        var rows = (await connection.QueryAsync<UserRow>(pageSql, args, transaction)).ToList();
        var hasMore = rows.Count > filter.Limit;
        if (hasMore) rows.RemoveAt(rows.Count - 1);
        return (rows.Select(ToView).ToList(), total, hasMore);
    }

    private static UserView ToView(UserRow r) => new()
    {
        Id = r.Id,
        Name = $"{r.FirstName} {r.LastName}".Trim(),
        FirstName = r.FirstName,
        LastName = r.LastName,
        Email = r.Email,
        AvatarUrl = r.AvatarUrl,
        IsCurrent = r.IsDefault,
        CreatedAt = r.CreatedAt,
        UpdatedAt = r.UpdatedAt,
    };
}
