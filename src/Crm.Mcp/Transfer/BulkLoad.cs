using System.Data.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Dapper;
using Microsoft.Data.Sqlite;
using SQLitePCL;

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

    /// <summary>Read only by the resolver's same-mailbox check, which an import without a call context never makes
    /// (create_if_missing "always"; see <see cref="CanDeriveAsync"/>).</summary>
    private static readonly string[] MailboxIndexes = ["ix_people_mailbox"];

    /// <param name="derive">What <see cref="CanDeriveAsync"/> answered: then the mailbox index waits too.</param>
    public static async Task<IReadOnlyList<string>> DeferIndexesAsync(DbConnection connection, DbTransaction transaction, bool derive)
    {
        const string sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN (SELECT value FROM json_each(@names)) ORDER BY name";
        var names = SqlList.Json(derive ? DeferredIndexes.Concat(MailboxIndexes) : DeferredIndexes);
        var indexes = (await connection.QueryAsync<Index>(sql, new { names }, transaction)).ToList();
        foreach (var index in indexes) await connection.ExecuteAsync($"DROP INDEX \"{index.Name}\"", transaction: transaction);
        return indexes.Select(i => i.Sql).ToList();
    }

    /// <summary>
    /// The insert triggers of the tables <see cref="PeopleBatch"/> writes set-based, each with what writes its rows
    /// instead during a load: the journal and the search documents after each batch's statements
    /// (<see cref="WriteDerivedAsync"/>), the name blocks once at the end (<see cref="FillNameBlocksAsync"/>). Per row,
    /// the triggers cost ≈ 40 µs a person (the name blocks' UNION builds a temporary index per row and inserts at
    /// random places; the search document reads the search_source view per row); set-based, ≈ 8 µs (BENCHMARKS, issue
    /// 15, ninth session).
    /// </summary>
    private static readonly string[] DerivedTriggers =
    [
        "journal_companies_insert", "companies_search_ai", "companies_name_blocks_ai",
        "journal_people_insert", "people_search_ai", "people_name_blocks_ai", "journal_company_people_insert",
    ];

    /// <summary>
    /// Whether a load may write those rows itself: only when the tables have no other insert trigger (one added later
    /// keeps the per-row path until it is listed here) and no call context could make the resolver read name blocks
    /// mid-load (an import creates without near-name checks: create_if_missing "always").
    /// </summary>
    public static async Task<bool> CanDeriveAsync(DbConnection connection, DbTransaction transaction)
    {
        if (WriteCall.Current is not null) return false;
        const string sql = """
            SELECT name FROM sqlite_master
            WHERE type = 'trigger' AND tbl_name IN ('companies', 'people', 'company_people') AND sql LIKE '% INSERT ON %'
            """;
        var triggers = await connection.QueryAsync<string>(sql, transaction: transaction);
        return triggers.All(DerivedTriggers.Contains);
    }

    /// <summary>
    /// Runs <paramref name="write"/> (inserts into companies, people and company_people only) with the connection's
    /// triggers off, then writes what their insert triggers would have, in the order they would have: journal rows of
    /// the new companies, people and links, then the companies' and the people's search documents (same ids and JSON,
    /// same doc_ids). Name blocks wait for <see cref="FillNameBlocksAsync"/>: no import statement reads them.
    /// </summary>
    public static async Task WriteDerivedAsync(DbConnection connection, DbTransaction transaction, LoadJournal journal, Func<Task> write)
    {
        const string lastSql = """
            SELECT (SELECT COALESCE(MAX(rowid), 0) FROM companies) AS Companies, (SELECT COALESCE(MAX(rowid), 0) FROM people) AS People,
                   (SELECT COALESCE(MAX(rowid), 0) FROM company_people) AS Links
            """;
        // New rows take rowids above the largest (none of these tables is AUTOINCREMENT, and none is deleted from here).
        var last = await connection.QuerySingleAsync<LastRows>(lastSql, transaction: transaction);
        Triggers(connection, on: false);
        try { await write(); }
        finally { Triggers(connection, on: true); }
        // The load's change is opened with its first rows, and the journal rows written here carry its id from the start.
        if (journal.ChangeId is null && await connection.QuerySingleAsync<LastRows>(lastSql, transaction: transaction) != last)
            journal.ChangeId = await ChangeJournal.OpenAsync(connection, transaction);
        await JournalTriggers.JournalInsertedAsync(connection, transaction, "companies", last.Companies, journal.ChangeId);
        await JournalTriggers.JournalInsertedAsync(connection, transaction, "people", last.People, journal.ChangeId);
        await JournalTriggers.JournalInsertedAsync(connection, transaction, "company_people", last.Links, journal.ChangeId);
        // As companies_search_ai and people_search_ai: the search_source view's row for each (the IN list lets SQLite
        // seek each view branch by id; a join would build the whole view), in rowid order.
        const string searchSql = """
            INSERT INTO search_documents (entity_type, entity_id, title, body)
                SELECT entity_type, entity_id, title, body FROM search_source
                WHERE entity_type = 'company' AND entity_id IN (SELECT id FROM companies WHERE rowid > @Companies)
                ORDER BY (SELECT rowid FROM companies WHERE companies.id = entity_id);
            INSERT INTO search_documents (entity_type, entity_id, title, body)
                SELECT entity_type, entity_id, title, body FROM search_source
                WHERE entity_type = 'contact' AND entity_id IN (SELECT id FROM people WHERE rowid > @People)
                ORDER BY (SELECT rowid FROM people WHERE people.id = entity_id);
            """;
        await connection.ExecuteAsync(searchSql, last, transaction);
    }

    /// <summary>
    /// The load's search documents into the two FTS5 indexes, one INSERT each. FTS5 flushes a segment whenever its pending
    /// terms pass its 'hashsize' (1 MiB by default): ≈ 100 small segments at 100k contacts, merged by automerge as they
    /// form and again after the load (<see cref="MergeWordIndexAsync"/>). With a hashsize that holds the whole load each
    /// index gets few large segments, written once. The setting is put back (the default, and no config row) in the
    /// same transaction, so nothing else ever runs with it.
    /// </summary>
    public static async Task IndexSearchAsync(DbConnection connection, DbTransaction transaction)
    {
        const string largeSql = """
            INSERT INTO search_words (search_words, rank) VALUES ('hashsize', 268435456);
            INSERT INTO search_trigrams (search_trigrams, rank) VALUES ('hashsize', 268435456);
            """;
        const string defaultSql = """
            INSERT INTO search_words (search_words, rank) VALUES ('hashsize', 1048576);
            INSERT INTO search_trigrams (search_trigrams, rank) VALUES ('hashsize', 1048576);
            DELETE FROM search_words_config WHERE k = 'hashsize';
            DELETE FROM search_trigrams_config WHERE k = 'hashsize';
            """;
        await connection.ExecuteAsync(largeSql, transaction: transaction);
        await SearchIndexBatch.ApplyNowAsync(connection, transaction);
        await connection.ExecuteAsync(defaultSql, transaction: transaction);
    }

    /// <summary>The name blocks of the rows written by <see cref="WriteDerivedAsync"/>, in key order (those the row
    /// path's triggers wrote, or the database had, are kept).</summary>
    public static async Task FillNameBlocksAsync(DbConnection connection, DbTransaction transaction)
    {
        await NameBlocks.FillAsync(connection, transaction, "companies");
        await NameBlocks.FillAsync(connection, transaction, "people");
    }

    /// <summary>SQLITE_DBCONFIG_ENABLE_TRIGGER: a setting of this connection only, gone with it (nothing is stored, so a
    /// kill leaves nothing behind). Changing it expires the connection's compiled statements, which SQLite compiles
    /// again at their next step, with or without their trigger programs.</summary>
    private static void Triggers(DbConnection connection, bool on)
    {
        if (raw.sqlite3_db_config(((SqliteConnection)connection).Handle, raw.SQLITE_DBCONFIG_ENABLE_TRIGGER, on ? 1 : 0, out var now) != raw.SQLITE_OK
            || now != (on ? 1 : 0))
            throw new InvalidOperationException($"SQLite did not turn triggers {(on ? "on" : "off")}.");
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

    /// <summary>A load's change (<see cref="ChangeJournal.OpenAsync"/>), opened when its first derived rows are written;
    /// the load seals it with whatever the row path's triggers journaled.</summary>
    internal sealed class LoadJournal
    {
        public long? ChangeId { get; set; }
    }

    // Init properties: Dapper maps by name.
    internal sealed record Size
    {
        public long Records { get; init; }
        public long Journal { get; init; }
    }

    internal sealed record LastRows
    {
        public long Companies { get; init; }
        public long People { get; init; }
        public long Links { get; init; }
    }

    internal sealed record Index
    {
        public string Name { get; init; } = "";
        public string Sql { get; init; } = "";
    }

    /// <summary>A bound on the loop, whatever the index's state: at 1M documents 39 steps merged it (search3).</summary>
    private const int MaxMergeSteps = 200;
}
