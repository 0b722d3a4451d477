using System.Data.Common;
using Crm.Mcp.Common;
using Dapper;

namespace Crm.Mcp.Resolution;

/// <summary>A deal, company, contact or task an argument referred to.</summary>
public sealed record EntityRef(string Type, string Id, string Name);

/// <summary>
/// <see cref="Lookup"/>'s name-or-id lookups plus the record's display name, for tools that echo what they linked:
/// a deal by UUID, identifier (DEAL-001) or exact name; a contact by UUID, email or full name; a company by UUID or
/// name; a task by UUID. Never creates.
/// </summary>
public static class EntityLookup
{
    /// <summary>How a `record` argument names its record, one wording for every tool that takes one.</summary>
    public const string RecordDoc = "A deal's identifier (\"DEAL-001\") or name, a company's name, a contact's email or name, or a UUID.";

    public static async Task<EntityRef> DealAsync(DbConnection connection, DbTransaction transaction, string? reference, string field)
    {
        var id = await Lookup.DealIdAsync(connection, transaction, Required(field, reference, "a deal UUID, identifier such as \"DEAL-001\", or exact name"), field);
        const string sql = "SELECT name FROM deals WHERE id = @id";
        return new EntityRef("deal", id, await connection.QuerySingleAsync<string>(sql, new { id }, transaction));
    }

    public static async Task<EntityRef> ContactAsync(DbConnection connection, DbTransaction transaction, string? reference, string field)
    {
        var id = await Lookup.PersonIdAsync(connection, transaction, Required(field, reference, "a contact UUID, email such as \"jane@acme.com\", or full name"), field);
        const string sql = "SELECT full_name FROM people WHERE id = @id";
        return new EntityRef("contact", id, await connection.QuerySingleAsync<string>(sql, new { id }, transaction));
    }

    public static async Task<EntityRef> CompanyAsync(DbConnection connection, DbTransaction transaction, string? reference, string field)
    {
        var id = await Lookup.CompanyIdAsync(connection, transaction, Required(field, reference, "a company UUID or name such as \"Acme, Inc.\""), field);
        const string sql = "SELECT name FROM companies WHERE id = @id";
        return new EntityRef("company", id, await connection.QuerySingleAsync<string>(sql, new { id }, transaction));
    }

    /// <summary>A user by UUID, email or full name; <paramref name="currentUserId"/> stands for "me".</summary>
    public static async Task<EntityRef> UserAsync(DbConnection connection, DbTransaction transaction, string? reference, string field, string currentUserId)
    {
        var text = Required(field, reference, "\"me\", or a user UUID, email or full name");
        var id = text.Equals("me", StringComparison.OrdinalIgnoreCase) ? currentUserId : await Lookup.UserIdAsync(connection, transaction, text, field);
        const string sql = "SELECT COALESCE(NULLIF(TRIM(first_name || ' ' || last_name), ''), email, id) FROM users WHERE id = @id";
        return new EntityRef("user", id, await connection.QuerySingleAsync<string>(sql, new { id }, transaction));
    }

    public static async Task<EntityRef> TaskAsync(DbConnection connection, DbTransaction transaction, string? reference, string field)
    {
        const string form = "a task UUID from get_tasks or create_tasks";
        var id = Validate.Uuid(field, Required(field, reference, form))!;
        const string sql = "SELECT title FROM tasks WHERE id = @id";
        var title = await connection.QuerySingleOrDefaultAsync<string>(sql, new { id }, transaction)
                    ?? throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no task has id '{id}'.", form);
        return new EntityRef("task", id, title);
    }

    private static string Required(string field, string? reference, string form) =>
        Validate.RequiredText(field, reference, 200, form);
}
