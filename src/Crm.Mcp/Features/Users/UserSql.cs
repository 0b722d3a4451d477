using System.Data.Common;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
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

    /// <summary>The calling user's id: the API key's user, else the default local user (the migrator creates that
    /// user on every start).</summary>
    public static async Task<string> CurrentIdAsync(DbConnection connection, DbTransaction transaction)
    {
        if (CallContext.Current.UserId is { } keyUser) return keyUser;
        const string sql = "SELECT id FROM users WHERE is_default = 1";
        return await connection.QuerySingleAsync<string>(sql, transaction: transaction);
    }

    public static async Task<UserView?> CurrentAsync(DbConnection connection, DbTransaction transaction)
    {
        const string sql = SelectUser + " WHERE id = @id";
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(sql, new { id = await CurrentIdAsync(connection, transaction) }, transaction);
        return row is null ? null : ToView(row);
    }

    /// <summary>A user by UUID, email or "First Last" name (exact, ignoring case); not_found lists the users.</summary>
    public static async Task<UserView> FindAsync(DbConnection connection, DbTransaction transaction, string reference, string field)
    {
        var text = Validate.RequiredText(field, reference, 254, "a user's UUID, email or name, e.g. \"jane@acme.com\"");
        const string sql = SelectUser + """
             WHERE id = @text OR email_key = @emailKey OR lower(trim(first_name || ' ' || last_name)) = @nameKey
            ORDER BY is_default DESC, created_at LIMIT 2
            """;
        var rows = (await connection.QueryAsync<UserRow>(sql, new { text, emailKey = NameKeys.Email(text), nameKey = text.ToLowerInvariant() }, transaction)).ToList();
        if (rows.Count == 1) return ToView(rows[0]);
        const string allSql = SelectUser + " ORDER BY is_default DESC, created_at LIMIT 20";
        var all = (await connection.QueryAsync<UserRow>(allSql, transaction: transaction)).Select(ToView);
        throw new CrmError(rows.Count == 0 ? ErrorCodes.NotFound : ErrorCodes.NeedsDisambiguation, field,
            rows.Count == 0 ? $"{field}: no user has id, email or name '{Validate.Shorten(text)}'." : $"{field}: several users are named '{Validate.Shorten(text)}'.",
            $"one of: {string.Join(", ", all.Select(u => u.Email ?? u.Name))}, or a user UUID (create one with: crm-mcp users create)");
    }

    /// <summary>Inserts a user; false when the email is already a user's.</summary>
    public static async Task<bool> InsertAsync(DbConnection connection, DbTransaction transaction, string id, string firstName, string lastName, string? email, string now)
    {
        const string sql = """
            INSERT INTO users (id, first_name, last_name, email, email_key, is_default, created_at, updated_at)
            VALUES (@id, @firstName, @lastName, @email, @emailKey, 0, @now, @now)
            ON CONFLICT DO NOTHING
            """;
        return await connection.ExecuteAsync(sql, new { id, firstName, lastName, email, emailKey = email is null ? null : NameKeys.Email(email), now }, transaction) == 1;
    }

    public static async Task<IReadOnlyList<UserView>> FindManyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0) return [];
        const string sql = SelectUser + " WHERE id IN (SELECT value FROM json_each(@ids))";
        return (await connection.QueryAsync<UserRow>(sql, new { ids = SqlList.Json(ids) }, transaction)).Select(ToView).ToList();
    }

    private static UserView ToView(UserRow r) => new()
    {
        Id = r.Id,
        Name = $"{r.FirstName} {r.LastName}".Trim(),
        FirstName = r.FirstName,
        LastName = r.LastName,
        Email = r.Email,
        AvatarUrl = r.AvatarUrl,
        IsCurrent = CallContext.Current.UserId is { } current ? current == r.Id : r.IsDefault,
        CreatedAt = r.CreatedAt,
        UpdatedAt = r.UpdatedAt,
    };
}
