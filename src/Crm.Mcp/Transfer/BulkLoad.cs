using System.Data.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Transfer;

/// <summary>
/// The import's load path on SQLite, for an import large relative to the database it writes (a new or small one):
/// all its batches in one transaction, so a kill or a failure leaves the database as it was before the import and a
/// re-import starts from there. The indexes nothing in an import reads are dropped at the start and built once at the
/// end, from their own stored SQL, inside that transaction (SQLite's DDL is transactional; readers keep their WAL
/// snapshot, indexes included). Indexes the import looks rows up by (email and name keys, company names, source ids,
/// the resolver's name blocks and mailboxes) stay, so each batch decides and writes exactly as in its own transaction.
/// PostgreSQL keeps the batches (its indexes are written with each statement's rows; see docs/import.md).
/// </summary>
internal static class BulkLoad
{
    /// <summary>Written row by row otherwise, read by no import or resolver statement (list pages, the journal's
    /// readers and its seal).</summary>
    private static readonly string[] DeferredIndexes =
    [
        "ix_people_created", "ix_people_name_lower", "ix_companies_created", "ix_companies_name_lower",
        "ix_company_people_person", "ix_change_records_record", "ix_change_records_link_right", "ix_change_records_change",
    ];

    /// <summary>The load pays when the indexes it rebuilds hold no more than the rows it adds: at most as many people,
    /// companies and deals as the file has rows, and a journal at most a few times that (each person row journals
    /// itself and its company link).</summary>
    public static async Task<bool> FitsAsync(CrmDb db, int rows, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT (SELECT COUNT(*) FROM people) + (SELECT COUNT(*) FROM companies) + (SELECT COUNT(*) FROM deals) AS Records,
                   (SELECT COALESCE(MAX(id), 0) FROM change_records) AS Journal
            """;
        var size = await db.ReadAsync((connection, transaction) => connection.QuerySingleAsync<Size>(sql, transaction: transaction), cancellationToken);
        return size.Records <= rows && size.Journal <= 4L * rows;
    }

    public static async Task<IReadOnlyList<string>> DeferIndexesAsync(DbConnection connection, DbTransaction transaction)
    {
        const string sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN (SELECT value FROM json_each(@names)) ORDER BY name";
        var indexes = (await connection.QueryAsync<Index>(sql, new { names = SqlList.Json(DeferredIndexes) }, transaction)).ToList();
        foreach (var index in indexes) await connection.ExecuteAsync($"DROP INDEX \"{index.Name}\"", transaction: transaction);
        return indexes.Select(i => i.Sql).ToList();
    }

    public static async Task BuildIndexesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> definitions)
    {
        foreach (var definition in definitions) await connection.ExecuteAsync(definition, transaction: transaction);
    }

    /// <summary>
    /// A large load leaves the word index in many segments, and every MATCH opens each of them (BENCHMARKS, "seventh
    /// session: search_all"); `merge` with usermerge 2 (0210) folds any level holding two. Repeated, each step its own
    /// short transaction so other writers interleave, until one changes nothing. Returns the steps taken.
    /// </summary>
    public static async Task<int> MergeWordIndexAsync(CrmDb db, CancellationToken cancellationToken)
    {
        const string changesSql = "SELECT total_changes()";
        const string mergeSql = "INSERT INTO search_words (search_words, rank) VALUES ('merge', 2000)";
        for (var step = 1; step <= MaxMergeSteps; step++)
        {
            var merged = await db.WriteAsync(async (connection, transaction) =>
            {
                var before = await connection.ExecuteScalarAsync<long>(changesSql, transaction: transaction);
                await connection.ExecuteAsync(mergeSql, transaction: transaction);
                // FTS5's documented test: the command itself counts one change; a step that merged counts more.
                return await connection.ExecuteScalarAsync<long>(changesSql, transaction: transaction) - before >= 2;
            }, cancellationToken);
            if (!merged) return step;
        }
        return MaxMergeSteps;
    }

    // Init properties: Dapper maps by name.
    internal sealed record Size
    {
        public long Records { get; init; }
        public long Journal { get; init; }
    }

    internal sealed record Index
    {
        public string Name { get; init; } = "";
        public string Sql { get; init; } = "";
    }

    /// <summary>A bound on the loop, whatever the index's state: at 1M documents 39 steps merged it (search3).</summary>
    private const int MaxMergeSteps = 200;
}
