using System.Data.Common;
using Crm.Mcp.Common;
using Dapper;

namespace Crm.Mcp.Resolution;

/// <summary>Name-or-id lookups for filters: like the resolver, but never create, and an unknown name is an error
/// (a filter on a misspelt company must not look like "no deals").</summary>
public static class Lookup
{
    public static async Task<string> CompanyIdAsync(DbConnection connection, DbTransaction transaction, string nameOrId, string field)
    {
        if (Guid.TryParse(nameOrId, out var guid))
        {
            const string byIdSql = "SELECT id FROM companies WHERE id = @id";
            return await connection.QuerySingleOrDefaultAsync<string>(byIdSql, new { id = guid.ToString() }, transaction)
                   ?? throw CrmError.NotFound(field, "company", guid.ToString());
        }
        const string byKeySql = "SELECT id FROM companies WHERE name_key = @key";
        return await connection.QuerySingleOrDefaultAsync<string>(byKeySql, new { key = NameKeys.Company(nameOrId) }, transaction)
               ?? throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no company is named '{Validate.Shorten(nameOrId)}'.", "an existing company's name or UUID");
    }

    public static async Task<string> StageIdAsync(DbConnection connection, DbTransaction transaction, string nameOrId, string field,
        string pipelineId = Resolver.DefaultPipelineId)
    {
        if (Guid.TryParse(nameOrId, out var guid))
        {
            const string byIdSql = "SELECT id FROM stages WHERE id = @id";
            return await connection.QuerySingleOrDefaultAsync<string>(byIdSql, new { id = guid.ToString() }, transaction)
                   ?? throw CrmError.NotFound(field, "stage", guid.ToString());
        }
        const string byKeySql = "SELECT id FROM stages WHERE pipeline_id = @pipelineId AND name_key = @key";
        var id = await connection.QuerySingleOrDefaultAsync<string>(byKeySql, new { pipelineId, key = NameKeys.Stage(nameOrId) }, transaction);
        if (id is not null) return id;
        const string namesSql = "SELECT name FROM stages WHERE pipeline_id = @pipelineId ORDER BY position";
        var names = await connection.QueryAsync<string>(namesSql, new { pipelineId }, transaction);
        throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no stage is named '{Validate.Shorten(nameOrId)}'.",
            $"one of: {string.Join(", ", names)}, or a stage UUID");
    }

    // A class, not a positional record: Dapper maps it by property even when a column is NULL throughout.
    internal sealed class Named
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public string? Email { get; init; }
    }

    /// <summary>A person by UUID, email (case-insensitive) or full name; several people with the name is a
    /// needs_disambiguation error listing them.</summary>
    public static async Task<string> PersonIdAsync(DbConnection connection, DbTransaction transaction, string reference, string field)
    {
        var key = reference.Trim();
        if (Guid.TryParse(key, out var guid))
        {
            const string byIdSql = "SELECT id FROM people WHERE id = @id";
            return await connection.QuerySingleOrDefaultAsync<string>(byIdSql, new { id = guid.ToString() }, transaction)
                   ?? throw CrmError.NotFound(field, "contact", guid.ToString());
        }
        if (key.Contains('@'))
        {
            const string byEmailSql = "SELECT id FROM people WHERE email_key = @emailKey";
            return await connection.QuerySingleOrDefaultAsync<string>(byEmailSql, new { emailKey = NameKeys.Email(key) }, transaction)
                   ?? throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no contact has the email '{Validate.Shorten(key)}'.", "an existing contact's UUID, email or full name");
        }
        const string byNameSql = "SELECT id, full_name AS Name, email FROM people WHERE name_key = @nameKey ORDER BY created_at, id LIMIT 11";
        var matches = (await connection.QueryAsync<Named>(byNameSql, new { nameKey = NameKeys.Person(key) }, transaction)).ToList();
        return Single(matches, field, "contact", key, "the contact's UUID or email");
    }

    /// <summary>A deal by UUID, identifier (DEAL-001, case-insensitive) or exact name (case-insensitive).</summary>
    public static async Task<string> DealIdAsync(DbConnection connection, DbTransaction transaction, string reference, string field)
    {
        var key = reference.Trim();
        if (Guid.TryParse(key, out var guid))
        {
            const string byIdSql = "SELECT id FROM deals WHERE id = @id";
            return await connection.QuerySingleOrDefaultAsync<string>(byIdSql, new { id = guid.ToString() }, transaction)
                   ?? throw CrmError.NotFound(field, "deal", guid.ToString());
        }
        const string byIdentifierSql = "SELECT id FROM deals WHERE identifier = @key COLLATE NOCASE";
        if (await connection.QuerySingleOrDefaultAsync<string>(byIdentifierSql, new { key }, transaction) is { } id) return id;
        const string byNameSql = "SELECT id, name || ' (' || identifier || ')' AS Name, NULL AS Email FROM deals WHERE lower(name) = lower(@key) ORDER BY created_at, id LIMIT 11";
        var matches = (await connection.QueryAsync<Named>(byNameSql, new { key }, transaction)).ToList();
        return Single(matches, field, "deal", key, "the deal's identifier (e.g. DEAL-001) or UUID");
    }

    private static string Single(List<Named> matches, string field, string what, string key, string tellApart)
    {
        if (matches.Count == 1) return matches[0].Id;
        if (matches.Count == 0)
            throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no {what} is named '{Validate.Shorten(key)}'.", $"an existing {what}'s name, or {tellApart}");
        throw new CrmError(ErrorCodes.NeedsDisambiguation, field,
            $"{field}: {matches.Count}{(matches.Count > 10 ? "+" : "")} {what}s are named '{Validate.Shorten(key)}'.", tellApart)
        {
            Candidates = matches.Take(10).Select(m => new Candidate(m.Id, m.Name, m.Email, 1.0, "same name")).ToList(),
        };
    }
}
