using System.Data.Common;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Resolution;

/// <summary>A bulk item's company arguments, validated (<see cref="Key"/> is the name's key, never empty).</summary>
public readonly record struct CompanyArgs(string? Id, string? Name, string? Key, string IdField, string NameField);

/// <summary>
/// The companies a run of bulk items names (<see cref="Resolver.PlanCompaniesAsync"/>): one result per item of the
/// longest prefix whose answers are known, new companies with their ids drawn but not yet written
/// (<see cref="Resolver.CreatePlannedAsync"/> writes those the caller keeps).
/// </summary>
public sealed class CompanyPlan(ResolvedRecord?[] resolved, int count, List<(int First, string Id, string Name, string Key)> created)
{
    public ResolvedRecord?[] Resolved { get; } = resolved;

    /// <summary>Items settled, from the first: the item at this index (if any) must take the one-item path.</summary>
    public int Count { get; } = count;

    internal List<(int First, string Id, string Name, string Key)> Created { get; } = created;
}

public sealed partial class Resolver
{
    /// <summary>
    /// Resolves the companies of a run of bulk items set-based, with the answers <see cref="ResolveCompanyAsync"/> gives
    /// item by item (bulk items bring no domain): ids and exact name keys in one query each; a new name is created
    /// unless create_if_missing forbids it or, in auto mode, a close name exists — asked of the database as it was
    /// before the run (one near-name read per new name: rows a run adds can only push rows out of those bounded reads,
    /// never bring others in) and of the run's own earlier new names, all of them, in memory. The plan stops before the
    /// first item whose company is unknown, disagrees or may be refused; that item takes the one-item path, which
    /// answers it as ever (a stop is always safe: the item path decides). An item naming a company an earlier item
    /// created finds it by its name, as it would. Nothing is written here; PostgreSQL locks every new name first and
    /// looks again, as the resolver does for one.
    /// </summary>
    public async Task<CompanyPlan> PlanCompaniesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<CompanyArgs> items)
    {
        const string columns = "id, name, name_key AS NameKey, domain, website";
        async Task<Dictionary<string, CompanyRow>> ReadAsync(string column, IEnumerable<string> values)
        {
            var list = values.Distinct(StringComparer.Ordinal).ToList();
            if (list.Count == 0) return new Dictionary<string, CompanyRow>(StringComparer.Ordinal);
            var rows = await connection.QueryAsync<CompanyRow>($"SELECT {columns} FROM companies WHERE {column} IN (SELECT value FROM json_each(@values))",
                new { values = SqlList.Json(list) }, transaction);
            return rows.ToDictionary(r => column == "id" ? r.Id : r.NameKey, StringComparer.Ordinal);
        }
        var byId = await ReadAsync("id", items.Where(i => i.Id is not null).Select(i => i.Id!));
        var byKey = await ReadAsync("name_key", items.Where(i => i.Id is null && i.Key is not null).Select(i => i.Key!));
        var missing = items.Where(i => i.Id is null && i.Key is not null && !byKey.ContainsKey(i.Key)).Select(i => i.Key!).Distinct(StringComparer.Ordinal).ToList();
        // Not found, so perhaps created here: lock the names, then look again (WriteKeys; false on SQLite).
        if (missing.Count > 0 && await missing.Aggregate(new WriteKeys(), (keys, key) => keys.Add("company", key)).LockAsync(connection, transaction))
            foreach (var (key, row) in await ReadAsync("name_key", missing))
                byKey[key] = row;

        var mode = Mode(null);
        var resolved = new ResolvedRecord?[items.Count];
        var created = new List<(int First, string Id, string Name, string Key)>();
        var run = new Dictionary<string, ResolvedRecord>(StringComparer.Ordinal);
        for (var k = 0; k < items.Count; k++)
        {
            var item = items[k];
            if (item.Id is not null)
            {
                if (!byId.TryGetValue(item.Id, out var row) || item.Key is not null && item.Key != row.NameKey)
                    return new CompanyPlan(resolved, k, created);
                resolved[k] = new ResolvedRecord(false, row.Id, row.Name, MatchedBy.Id);
            }
            else if (item.Key is not { } key) resolved[k] = null;
            else if (run.TryGetValue(key, out var earlier)) resolved[k] = earlier;
            else if (byKey.TryGetValue(key, out var existing)) resolved[k] = run[key] = new ResolvedRecord(false, existing.Id, existing.Name, MatchedBy.Name);
            else
            {
                if (mode == CreateIfMissing.Never) return new CompanyPlan(resolved, k, created);
                // "always" creates whatever the candidates are; "auto" asks beside a close one (CheckCreation).
                if (mode == CreateIfMissing.Auto
                    && (created.Any(c => NameSimilarity.IsClose(key, c.Key))
                        || await HasCloseNameAsync(connection, transaction, "companies", key)))
                    return new CompanyPlan(resolved, k, created);
                var id = Ids.New();
                created.Add((k, id, item.Name!, key));
                resolved[k] = new ResolvedRecord(true, id, item.Name!, MatchedBy.Created);
                run[key] = resolved[k]! with { Created = false, MatchedBy = MatchedBy.Name };
            }
        }
        return new CompanyPlan(resolved, items.Count, created);
    }

    /// <summary>Writes, with one statement, the companies the plan's first <paramref name="count"/> items create.</summary>
    public static async Task CreatePlannedAsync(DbConnection connection, DbTransaction transaction, CompanyPlan plan, int count)
    {
        var rows = plan.Created.Where(c => c.First < count).ToList();
        if (rows.Count == 0) return;
        var now = Clock.NowIso();
        // ON CONFLICT as the one-item insert: every new name is locked (PostgreSQL) or the writer is alone (SQLite), so
        // nothing conflicts; if something did, the row that exists is the company and nothing else is written.
        var sql = $"""
            INSERT INTO companies (id, name, name_key, created_at, updated_at)
            SELECT value ->> 'id', value ->> 'name', value ->> 'key', @now, @now
            FROM {SqlList.Rows(connection)} ORDER BY CAST(value ->> 'i' AS INTEGER)
            ON CONFLICT (name_key) DO NOTHING
            """;
        var i = 0;
        var json = SqlList.Objects(rows, (writer, row) =>
        {
            writer.WriteNumber("i", i++);
            writer.WriteString("id", row.Id);
            writer.WriteString("name", row.Name);
            writer.WriteString("key", row.Key);
        });
        var inserted = await connection.ExecuteAsync(sql, new { rows = json, now }, transaction);
        if (inserted != rows.Count)
            throw new InvalidOperationException("A company the bulk call was creating was created by another writer; nothing was written, retry the call.");
    }
}
