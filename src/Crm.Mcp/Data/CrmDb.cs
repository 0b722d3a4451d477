using System.Data;
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

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync($"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL;");
        return connection;
    }

    /// <summary>Runs work in one write transaction; any exception rolls everything back. Before COMMIT the journal
    /// is sealed: whatever the work changed becomes one change attributed to <see cref="Common.CallContext.Current"/>,
    /// and its webhook events are queued, atomically with the work itself.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
        var result = await work(connection, transaction);
        await SealJournalAsync(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>The journal step of every write transaction, just before COMMIT; nothing to do before the journal's
    /// migration has run.</summary>
    private async Task SealJournalAsync(SqliteConnection connection, SqliteTransaction transaction)
    {
        if (_journalReady || (_journalReady = await JournalTriggers.TableExistsAsync(connection, transaction, "change_records")))
            await ChangeJournal.SealAsync(connection, transaction);
    }

    /// <summary>Runs reads in one deferred transaction, so a count and its page see the same snapshot.</summary>
    public async Task<T> ReadAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: true);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
