using Crm.Mcp.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Resolution;

/// <summary>A deal, company, contact or task an argument referred to.</summary>
public sealed record EntityRef(string Type, string Id, string Name);

/// <summary>
/// References to existing records the way a user says them: a deal by UUID, identifier (DEAL-001) or exact name; a
/// contact by UUID, email or full name; a company by UUID or name; a task by UUID. Never creates; an unknown
/// reference is not_found and a name several records share is needs_disambiguation with the candidates.
/// </summary>
public static class EntityLookup
{
    public const string DealForm = "a deal UUID, identifier such as \"DEAL-001\", or exact deal name";
    public const string ContactForm = "a contact UUID, email such as \"jane@acme.com\", or full name such as \"Jane Founder\"";
    public const string CompanyForm = "a company UUID or name such as \"Acme, Inc.\"";

    // Detail: the email of a contact, the identifier of a deal; shown with candidates to tell same-named records apart.
    private sealed record Row(string Id, string Name, string? Detail);

    public static async Task<EntityRef> DealAsync(SqliteConnection connection, SqliteTransaction transaction, string reference, string field)
    {
        var text = Required(field, reference, DealForm);
        const string byKeySql = "SELECT id, name, identifier AS Detail FROM deals WHERE id = @key OR identifier = @key COLLATE NOCASE LIMIT 1";
        var key = Guid.TryParse(text, out var guid) ? guid.ToString() : text;
        if (await connection.QuerySingleOrDefaultAsync<Row>(byKeySql, new { key }, transaction) is { } byKey)
            return new EntityRef("deal", byKey.Id, byKey.Name);
        const string byNameSql = """
            SELECT id, name, identifier AS Detail FROM deals
            WHERE lower(trim(name)) = lower(@text) ORDER BY created_at, id LIMIT 11
            """;
        var rows = (await connection.QueryAsync<Row>(byNameSql, new { text }, transaction)).ToList();
        return Single("deal", field, text, rows, DealForm, "the deal's identifier (e.g. DEAL-001) or UUID");
    }

    public static async Task<EntityRef> ContactAsync(SqliteConnection connection, SqliteTransaction transaction, string reference, string field)
    {
        var text = Required(field, reference, ContactForm);
        List<Row> rows;
        if (Guid.TryParse(text, out var guid))
        {
            const string byIdSql = "SELECT id, full_name AS Name, email AS Detail FROM people WHERE id = @id";
            rows = (await connection.QueryAsync<Row>(byIdSql, new { id = guid.ToString() }, transaction)).ToList();
        }
        else if (text.Contains('@'))
        {
            const string byEmailSql = "SELECT id, full_name AS Name, email AS Detail FROM people WHERE email_key = @key";
            rows = (await connection.QueryAsync<Row>(byEmailSql, new { key = NameKeys.Email(text) }, transaction)).ToList();
        }
        else
        {
            const string byNameSql = "SELECT id, full_name AS Name, email AS Detail FROM people WHERE name_key = @key ORDER BY created_at, id LIMIT 11";
            rows = (await connection.QueryAsync<Row>(byNameSql, new { key = NameKeys.Person(text) }, transaction)).ToList();
        }
        return Single("contact", field, text, rows, ContactForm, "the contact's email or UUID");
    }

    public static async Task<EntityRef> CompanyAsync(SqliteConnection connection, SqliteTransaction transaction, string reference, string field)
    {
        var id = await Lookup.CompanyIdAsync(connection, transaction, Required(field, reference, CompanyForm), field);
        const string sql = "SELECT name FROM companies WHERE id = @id";
        return new EntityRef("company", id, await connection.QuerySingleAsync<string>(sql, new { id }, transaction));
    }

    public static async Task<EntityRef> TaskAsync(SqliteConnection connection, SqliteTransaction transaction, string reference, string field)
    {
        var id = Validate.Uuid(field, Required(field, reference, "a task UUID from get_tasks or create_tasks"))!;
        const string sql = "SELECT title FROM tasks WHERE id = @id";
        var title = await connection.QuerySingleOrDefaultAsync<string>(sql, new { id }, transaction)
                    ?? throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no task has id '{id}'.", "a task UUID from get_tasks or create_tasks");
        return new EntityRef("task", id, title);
    }

    private static string Required(string field, string? reference, string form) =>
        Validate.Text(field, reference, 200) ?? throw CrmError.Invalid(field, "is required.", form);

    private static EntityRef Single(string type, string field, string text, List<Row> rows, string form, string tellApart)
    {
        if (rows.Count == 1) return new EntityRef(type, rows[0].Id, rows[0].Name);
        if (rows.Count == 0)
            throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no {type} matches '{Validate.Shorten(text)}'.", form);
        throw new CrmError(ErrorCodes.NeedsDisambiguation, field,
            $"{field}: {rows.Count}{(rows.Count > 10 ? "+" : "")} {type}s match '{Validate.Shorten(text)}'; nothing was written.", tellApart)
        {
            Candidates = rows.Take(10).Select(r => new Candidate(r.Id, r.Name, type == "contact" ? r.Detail : null, 1.0,
                type == "deal" ? $"same name; identifier {r.Detail}" : "same name")).ToList(),
        };
    }
}
