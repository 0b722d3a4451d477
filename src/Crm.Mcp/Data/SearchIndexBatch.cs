using System.Data.Common;
using Dapper;

namespace Crm.Mcp.Data;

/// <summary>
/// A write batch's search-index work done once at its end (migration 0102): between <see cref="BeginAsync"/> and
/// <see cref="EndAsync"/>, inside one write transaction, the SQLite triggers note which search documents changed
/// instead of writing the FTS5 indexes, whose every SAVEPOINT (one per bulk item or import row) would flush a segment.
/// The end writes each touched document's net change: its state before the batch out, its state now in. The name
/// blocks the resolver reads (0150) are not deferred, so resolution inside a batch sees every earlier item.
/// PostgreSQL has nothing to defer (its tsvector is written with the row).
/// Every SQLite write transaction of <see cref="CrmDb"/> is such a batch (<see cref="OpenForTransactionAsync"/>): one
/// draft used to flush ≈ 4 segments into each search index (a statement savepoint per inserted row), a group commit
/// one per row of every call in it. A bulk call or import batch inside that transaction then batches nothing more.
/// </summary>
public static class SearchIndexBatch
{
    // Transactions whose whole life is one batch: the bulk and import calls inside them leave it to the transaction's end.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbTransaction, object> Whole = [];

    public static async Task BeginAsync(DbConnection connection, DbTransaction transaction)
    {
        if (SqlDialect.Of(connection).IsPostgres || Whole.TryGetValue(transaction, out _)) return;
        await connection.ExecuteAsync("INSERT INTO write_batch (one) VALUES (1)", transaction: transaction);
    }

    /// <summary>Call after the batch's last savepoint is released, before the journal is sealed and COMMIT.</summary>
    public static Task EndAsync(DbConnection connection, DbTransaction transaction) =>
        SqlDialect.Of(connection).IsPostgres || Whole.TryGetValue(transaction, out _) ? Task.CompletedTask : ApplyAsync(connection, transaction);

    /// <summary>Makes a whole SQLite write transaction one batch, applied by <see cref="CloseForTransactionAsync"/> before its COMMIT.</summary>
    internal static async Task OpenForTransactionAsync(DbConnection connection, DbTransaction transaction)
    {
        await connection.ExecuteAsync("INSERT INTO write_batch (one) VALUES (1)", transaction: transaction);
        Whole.Add(transaction, Whole);
    }

    internal static Task CloseForTransactionAsync(DbConnection connection, DbTransaction transaction) =>
        Whole.Remove(transaction) ? ApplyAsync(connection, transaction) : Task.CompletedTask;

    /// <summary>Applies the documents noted so far now rather than at the batch's end (the import's load path, under
    /// FTS5 settings of its own); the transaction stays a batch.</summary>
    internal static async Task ApplyNowAsync(DbConnection connection, DbTransaction transaction)
    {
        if (SqlDialect.Of(connection).IsPostgres) return;
        await ApplyAsync(connection, transaction);
        await connection.ExecuteAsync("INSERT INTO write_batch (one) VALUES (1)", transaction: transaction);
    }

    private static async Task ApplyAsync(DbConnection connection, DbTransaction transaction)
    {
        // A document's first change in the batch holds what the index has for it (nothing if it is new: old_title is
        // NULL); SQLite's bare columns beside MIN(id) come from that row. Deletes go first: a rowid can be reused.
        const string sql = """
            DELETE FROM write_batch;
            INSERT INTO search_words (search_words, rowid, title, body)
                SELECT 'delete', doc_id, old_title, old_body FROM (SELECT doc_id, MIN(id), old_title, old_body FROM search_pending GROUP BY doc_id) WHERE old_title IS NOT NULL;
            INSERT INTO search_trigrams (search_trigrams, rowid, title, body)
                SELECT 'delete', doc_id, old_title, old_body FROM (SELECT doc_id, MIN(id), old_title, old_body FROM search_pending GROUP BY doc_id) WHERE old_title IS NOT NULL;
            INSERT INTO search_words (rowid, title, body)
                SELECT doc_id, title, body FROM search_documents WHERE doc_id IN (SELECT doc_id FROM search_pending);
            INSERT INTO search_trigrams (rowid, title, body)
                SELECT doc_id, title, body FROM search_documents WHERE doc_id IN (SELECT doc_id FROM search_pending);
            DELETE FROM search_pending;
            """;
        await connection.ExecuteAsync(sql, transaction: transaction);
    }
}
