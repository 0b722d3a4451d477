using System.Data.Common;
using Dapper;

namespace Crm.Mcp.Resolution;

/// <summary>
/// Recomputes every stored key with today's <see cref="NameKeys"/> (run by a migration when the key rule changes, e.g.
/// 0090: keys folded without ICU). Records whose new keys coincide are reported, never merged: one of them (the row
/// that already had the key, else the oldest) takes it, the others keep their old key, so nothing is lost and
/// find_duplicates lists them as near names for a person to merge.
/// </summary>
public static class KeyRecomputation
{
    /// <summary>Two records that now share a key: <see cref="KeptId"/> took it, <see cref="OtherId"/> kept its old key.</summary>
    public sealed record Collision(string Table, string Key, string KeptId, string KeptName, string OtherId, string OtherName);

    // A class, not a positional record: Dapper maps it by property even when a column is NULL throughout.
    internal sealed class Keyed
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public string? Scope { get; init; }
        public string? Key { get; init; }
    }

    // Table, the text the key is computed from, the key column, and the scope the key is unique within.
    private sealed record KeyColumn(string Table, string Source, string Column, string? Scope, bool Unique, Func<string, string> Compute);

    private static readonly KeyColumn[] Columns =
    [
        new("companies", "name", "name_key", null, true, NameKeys.Company),
        new("pipelines", "name", "name_key", null, true, NameKeys.Pipeline),
        new("stages", "name", "name_key", "pipeline_id", true, NameKeys.Stage),
        new("people", "full_name", "name_key", null, false, NameKeys.Person),
        new("people", "email", "email_key", null, true, NameKeys.Email),
        new("users", "email", "email_key", null, true, NameKeys.Email),
    ];

    public static async Task<IReadOnlyList<Collision>> RunAsync(DbConnection connection, DbTransaction transaction)
    {
        var collisions = new List<Collision>();
        foreach (var column in Columns)
        {
            // Identifiers come from the fixed list above, never from input. Streamed: only rows whose key changes are kept.
            var sql = $"SELECT id, {column.Source} AS Name, {column.Scope ?? "NULL"} AS Scope, {column.Column} AS Key FROM {column.Table} " +
                      $"WHERE {column.Source} IS NOT NULL ORDER BY created_at, id";
            var changed = new List<(Keyed Row, string NewKey)>();
            await foreach (var row in connection.QueryUnbufferedAsync<Keyed>(sql, transaction: transaction))
                if (column.Compute(row.Name) is var newKey && newKey != row.Key) changed.Add((row, newKey));
            if (changed.Count == 0) continue;

            var wanted = new Dictionary<string, string>(); // id -> key to store
            if (!column.Unique)
                foreach (var (row, newKey) in changed) wanted[row.Id] = newKey;
            else
            {
                var holderSql = $"SELECT id, {column.Source} AS Name, {column.Scope ?? "NULL"} AS Scope, {column.Column} AS Key FROM {column.Table} " +
                                $"WHERE {column.Column} = @key" + (column.Scope is null ? "" : $" AND {column.Scope} = @scope");
                var leaving = changed.Select(c => c.Row.Id).ToHashSet();
                // Rows are in age order, so the first of each group is the oldest.
                foreach (var group in changed.GroupBy(c => (c.Row.Scope, c.NewKey)))
                {
                    // A row that keeps its key already holds this one: it stays the holder. Else the oldest takes it.
                    var holder = await connection.QuerySingleOrDefaultAsync<Keyed>(holderSql, new { key = group.Key.NewKey, scope = group.Key.Scope }, transaction);
                    if (holder is not null && leaving.Contains(holder.Id)) holder = null; // it moves to another key
                    var keeper = holder ?? group.First().Row;
                    if (holder is null) wanted[keeper.Id] = group.Key.NewKey;
                    foreach (var (other, _) in group.Where(c => c.Row.Id != keeper.Id))
                    {
                        collisions.Add(new Collision(column.Table, group.Key.NewKey, keeper.Id, keeper.Name, other.Id, other.Name));
                        // It keeps its old key, which nobody else can take (keys were unique and the new one is this group's).
                        if (other.Key is null) wanted[other.Id] = $"{group.Key.NewKey} {other.Id[..8]}";
                    }
                }
            }
            // Two passes: a key moving from one row to another must never exist twice, even for one statement.
            var updateSql = $"UPDATE {column.Table} SET {column.Column} = @key WHERE id = @id";
            if (column.Unique)
                foreach (var id in wanted.Keys)
                    await connection.ExecuteAsync(updateSql, new { id, key = "\u0001rekey " + id }, transaction);
            foreach (var (id, key) in wanted)
                await connection.ExecuteAsync(updateSql, new { id, key }, transaction);
        }
        return collisions;
    }
}
