using System.Data.Common;
using Crm.Mcp.Common;
using Dapper;

namespace Crm.Mcp.Resolution;

/// <summary>The kinds of record a list filter can name.</summary>
public enum ReferenceKind { Company, Stage, Person, User, Pipeline }

/// <summary>
/// A name in a list filter, settled as the resolver would settle it: by UUID, or by the same normalized key ("Acme"
/// is "Acme, Inc."; a person also by email). Every record with that key counts (a stage name in several pipelines).
/// A name that matches nothing is a not_found error with the near names as candidates, never an empty list.
/// </summary>
public static class ReferenceLookup
{
    public static async Task<IReadOnlyList<string>> IdsAsync(DbConnection connection, DbTransaction transaction, ReferenceKind kind, string value, string field)
    {
        var text = value.Trim();
        var (table, what) = kind switch
        {
            ReferenceKind.Company => ("companies", "company"),
            ReferenceKind.Stage => ("stages", "stage"),
            ReferenceKind.Person => ("people", "contact"),
            ReferenceKind.User => ("users", "user"),
            _ => ("pipelines", "pipeline"),
        };
        if (Guid.TryParse(text, out var guid))
        {
            // Table names come from the fixed switch above.
            var id = await connection.QuerySingleOrDefaultAsync<string>($"SELECT id FROM {table} WHERE id = @id", new { id = guid.ToString() }, transaction);
            return id is not null ? [id] : throw CrmError.NotFound(field, what, guid.ToString());
        }
        var ids = kind switch
        {
            ReferenceKind.Company => await QueryAsync("SELECT id FROM companies WHERE name_key = @key", NameKeys.Company(text)),
            ReferenceKind.Stage => await QueryAsync("SELECT id FROM stages WHERE name_key = @key", NameKeys.Stage(text)),
            ReferenceKind.Pipeline => await QueryAsync("SELECT id FROM pipelines WHERE name_key = @key", NameKeys.Pipeline(text)),
            ReferenceKind.Person when text.Contains('@') => await QueryAsync("SELECT id FROM people WHERE email_key = @key", NameKeys.Email(text)),
            ReferenceKind.Person => await QueryAsync("SELECT id FROM people WHERE name_key = @key LIMIT 100", NameKeys.Person(text)),
            _ => (await UsersAsync()).Where(u => u.Keys.Contains(text.Contains('@') ? NameKeys.Email(text) : NameKeys.Person(text))).Select(u => u.Id).ToList(),
        };
        if (ids.Count > 0) return ids;

        var key = kind == ReferenceKind.Company ? NameKeys.Company(text) : NameKeys.Person(text);
        IReadOnlyList<Candidate> near = key.Length == 0 ? [] : kind switch
        {
            ReferenceKind.Company => await Resolver.NearCompaniesAsync(connection, transaction, key),
            ReferenceKind.Person => await Resolver.NearPeopleAsync(connection, transaction, key),
            ReferenceKind.User => Ranked((await UsersAsync()).Select(u => (u.Id, u.Name, u.Keys[0]))),
            _ => Ranked((await connection.QueryAsync<NamedKey>($"SELECT id, name, name_key FROM {table} LIMIT 500", transaction: transaction)).Select(r => (r.Id, r.Name, r.NameKey))),
        };
        // Stages and pipelines are few: when none is near, naming them all is the fastest fix.
        var all = near.Count == 0 && kind is ReferenceKind.Stage or ReferenceKind.Pipeline
            ? (await connection.QueryAsync<string>($"SELECT DISTINCT name FROM {table} ORDER BY name LIMIT 50", transaction: transaction)).ToList()
            : [];
        throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no {what} is named '{Validate.Shorten(text)}', so the filter would match nothing.",
            near.Count > 0 ? "one of the candidates' names or ids, or op contains for part of a name"
            : all.Count > 0 ? $"one of: {string.Join(", ", all)}" : $"an existing {what}'s name or UUID")
        {
            Candidates = near.Count > 0 ? near : null,
        };

        async Task<List<string>> QueryAsync(string sql, string key) =>
            (await connection.QueryAsync<string>(sql, new { key }, transaction)).ToList();

        async Task<List<(string Id, string Name, string[] Keys)>> UsersAsync() =>
            (await connection.QueryAsync<UserKeyRow>(
                "SELECT id, first_name, last_name, email FROM users LIMIT 1000", transaction: transaction))
            .Select(u => (u.Id, $"{u.FirstName} {u.LastName}".Trim(), new[] { NameKeys.Person($"{u.FirstName} {u.LastName}"), NameKeys.Person(u.FirstName), u.Email is null ? "" : NameKeys.Email(u.Email) }
                .Where(k => k.Length > 0).DefaultIfEmpty("").ToArray()))
            .ToList();

        IReadOnlyList<Candidate> Ranked(IEnumerable<(string Id, string Name, string NameKey)> rows) =>
            rows.Select(r => (Row: r, Similarity: NameSimilarity.Score(key, r.NameKey)))
                .Where(x => x.Similarity.Score >= 0.7)
                .OrderByDescending(x => x.Similarity.Score).Take(Resolver.MaxCandidates)
                .Select(x => new Candidate(x.Row.Id, x.Row.Name, null, x.Similarity.Score, x.Similarity.Why)).ToList();
    }

    internal sealed record NamedKey(string Id, string Name, string NameKey);

    internal sealed record UserKeyRow(string Id, string FirstName, string LastName, string? Email);
}
