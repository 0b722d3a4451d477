using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Data;

/// <summary>
/// The one place that opens connections and transactions. Writes run in BEGIN IMMEDIATE transactions: SQLite then
/// serializes writers across processes, so a resolve-then-insert can never interleave with another writer's, and a
/// busy database waits (busy_timeout) instead of failing.
/// </summary>
public sealed class CrmDb
{
    private const int BusyTimeoutMs = 30_000;
    private readonly string _connectionString;

    public CrmDb(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = BusyTimeoutMs / 1000,
        }.ToString();
    }

    public string Path { get; }

    // Set once the journal's table exists (it never goes away), so the seal step stops asking.
    private volatile bool _journalReady;

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new StatementCachingConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync($"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL;");
        return connection;
    }

    /// <summary>
    /// Runs work in one write transaction; any exception rolls everything back. Inside a tool call it also honours the
    /// call's <see cref="WriteCall"/>: an idempotency key already used replays the first result (see
    /// <see cref="IdempotentReplay"/>) and a new one is stored with the result in this transaction; a dry run does all
    /// the work, returns its result and rolls back, so the preview is exactly what the real call would do. One write
    /// per tool call: a second WriteAsync in the same call would see its own key as used. Before COMMIT the journal
    /// is sealed: whatever the work changed becomes one change attributed to <see cref="Common.CallContext.Current"/>,
    /// and its webhook events are queued, atomically with the work itself.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        var call = WriteCall.Current;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await OpenAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
                // The key goes with the write that produces the tool's reply; any other write leaves it to the filter.
                var keyed = call?.IdempotencyKey is not null && typeof(T) == call.ResponseType;
                if (keyed) await IdempotencyStore.CheckAsync(connection, transaction, call!);
                var result = await work(connection, transaction);
                if (keyed) await IdempotencyStore.SaveAsync(connection, transaction, call!, Common.CrmJson.Serialize(result));
                await SealJournalAsync(connection, transaction);
                if (call?.DryRun == true) await transaction.RollbackAsync(cancellationToken);
                else
                {
                    await transaction.CommitAsync(cancellationToken);
                    if (keyed) call!.KeyStored = true;
                }
                return result;
            }
            catch (SqliteException e) when (e.SqliteErrorCode is SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED && attempt < BusyAttempts)
            {
                // busy_timeout already waited; a lock still held (e.g. a checkpoint or a crashed writer's recovery) gets
                // a few more tries of the whole transaction, which is safe because nothing of it was committed.
                await Task.Delay(Random.Shared.Next(20, 200) * attempt, cancellationToken);
            }
        }
    }

    private const int BusyAttempts = 4;

    /// <summary>The journal step of every write transaction, just before COMMIT; nothing to do before the journal's
    /// migration has run.</summary>
    private async Task SealJournalAsync(DbConnection connection, DbTransaction transaction)
    {
        if (_journalReady || (_journalReady = await JournalTriggers.TableExistsAsync(connection, transaction, "change_records")))
            await ChangeJournal.SealAsync(connection, transaction);
    }

    /// <summary>Runs reads in one deferred transaction, so a count and its page see the same snapshot.</summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: true);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
