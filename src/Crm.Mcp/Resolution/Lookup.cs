using System.Data.Common;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
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

    /// <summary>A user by UUID, email (case-insensitive) or full name; several users with the
    /// name is a needs_disambiguation error listing them.</summary>
    public static async Task<string> UserIdAsync(DbConnection connection, DbTransaction transaction, string reference, string field)
    {
        var key = reference.Trim();
        if (Guid.TryParse(key, out var guid))
        {
            const string byIdSql = "SELECT id FROM users WHERE id = @id";
            return await connection.QuerySingleOrDefaultAsync<string>(byIdSql, new { id = guid.ToString() }, transaction)
                   ?? throw CrmError.NotFound(field, "user", guid.ToString());
        }
        if (key.Contains('@'))
        {
            const string byEmailSql = "SELECT id FROM users WHERE email_key = @emailKey";
            return await connection.QuerySingleOrDefaultAsync<string>(byEmailSql, new { emailKey = NameKeys.Email(key) }, transaction)
                   ?? throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no user has the email '{Validate.Shorten(key)}'.", "a user's UUID, email or full name (get_users)");
        }
        const string byNameSql = """
            SELECT id, TRIM(first_name || ' ' || last_name) AS Name, email FROM users
            WHERE lower(TRIM(first_name || ' ' || last_name)) = lower(@key) ORDER BY created_at, id LIMIT 11
            """;
        var matches = (await connection.QueryAsync<Named>(byNameSql, new { key }, transaction)).ToList();
        return Single(matches, field, "user", key, "the user's UUID or email (get_users)");
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
        if (matches.Count == 0)
            throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no deal is named '{Validate.Shorten(key)}', and none has it as identifier or id.", DealForm)
            {
                Candidates = await NearDealsAsync(connection, transaction, key) is { Count: > 0 } near ? near : null,
            };
        return Single(matches, field, "deal", key, "the deal's identifier (e.g. DEAL-001) or UUID");
    }

    public const string DealForm = "a deal UUID, identifier such as \"DEAL-001\", or exact name, e.g. from get_deals";

    /// <summary>What a missed deal reference probably meant: the identifier with its zeros ("DEAL-1" is DEAL-001),
    /// the open deals of a company it names ("Acme deal"), and deals whose names share its words. Only on the error
    /// path, each query bounded.</summary>
    private static async Task<IReadOnlyList<Candidate>> NearDealsAsync(DbConnection connection, DbTransaction transaction, string key)
    {
        var found = new List<Candidate>();
        var digits = key.Length - key.Reverse().TakeWhile(char.IsAsciiDigit).Count();
        if (digits < key.Length && long.TryParse(key[digits..], out var number))
        {
            var padded = Enumerable.Range(1, 8).Select(width => key[..digits] + number.ToString(new string('0', width), System.Globalization.CultureInfo.InvariantCulture))
                .Where(i => !string.Equals(i, key, StringComparison.OrdinalIgnoreCase)).Distinct().ToList();
            const string sql = "SELECT id, name, identifier FROM deals WHERE identifier COLLATE NOCASE IN (SELECT value FROM json_each(@padded)) LIMIT 5";
            found.AddRange((await connection.QueryAsync<DealName>(sql, new { padded = SqlList.Json(padded) }, transaction))
                .Select(d => new Candidate(d.Id, $"{d.Name} ({d.Identifier})", null, 0.95, "same number, zero-padded")));
        }
        var words = NameKeys.Words(key);
        var companyKey = NameKeys.Company(string.Join(' ', words.Where(w => w is not ("deal" or "deals" or "opportunity"))));
        if (companyKey.Length > 0)
        {
            const string openSql = """
                SELECT d.id, d.name, d.identifier FROM deals d JOIN companies c ON c.id = d.company_id JOIN stages s ON s.id = d.stage_id
                WHERE c.name_key = @companyKey AND s.kind = 'open' ORDER BY d.created_at DESC LIMIT 5
                """;
            found.AddRange((await connection.QueryAsync<DealName>(openSql, new { companyKey }, transaction))
                .Select(d => new Candidate(d.Id, $"{d.Name} ({d.Identifier})", null, 0.85, "an open deal of that company")));
        }
        if (words.OrderByDescending(w => w.Length).FirstOrDefault() is { Length: >= 3 } longest)
        {
            // A LIKE scan, bounded: only a miss pays for it.
            const string likeSql = "SELECT id, name, identifier FROM deals WHERE lower(name) LIKE @pattern ORDER BY created_at DESC LIMIT 50";
            var keyWords = string.Join(' ', words);
            found.AddRange((await connection.QueryAsync<DealName>(likeSql, new { pattern = $"%{longest}%" }, transaction))
                .Select(d => (Deal: d, Similarity: NameSimilarity.Score(keyWords, string.Join(' ', NameKeys.Words(d.Name)))))
                .Where(x => x.Similarity.Score >= 0.7)
                .Select(x => new Candidate(x.Deal.Id, $"{x.Deal.Name} ({x.Deal.Identifier})", null, x.Similarity.Score, x.Similarity.Why)));
        }
        return found.DistinctBy(c => c.Id).OrderByDescending(c => c.Score).Take(Resolver.MaxCandidates).ToList();
    }

    internal sealed record DealName(string Id, string Name, string Identifier);

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
