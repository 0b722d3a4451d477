using System.Data.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.Users;

/// <summary>The users table's SQL, each statement beside its Dapper call.</summary>
public static class UserSql
{
    internal sealed class UserRow
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
    public static Task<string> CurrentIdAsync(DbConnection connection, DbTransaction transaction)
    {
        const string sql = "SELECT id FROM users WHERE is_default = 1";
        return connection.QuerySingleAsync<string>(sql, transaction: transaction);
    }

    public static async Task<UserView?> CurrentAsync(DbConnection connection, DbTransaction transaction)
    {
        const string sql = SelectUser + " WHERE is_default = 1";
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(sql, transaction: transaction);
        return row is null ? null : ToView(row);
    }

    public static async Task<IReadOnlyList<UserView>> FindManyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0) return [];
        const string sql = SelectUser + " WHERE id IN @ids";
        return (await connection.QueryAsync<UserRow>(SqlDialect.Lists(connection, sql), new { ids }, transaction)).Select(ToView).ToList();
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
