using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Crm.Mcp.Data;

/// <summary>
/// The one place that opens connections and transactions. Writes that could collide are serialized across processes
/// and machines, so a resolve-then-insert can never interleave with another writer's of the same name, and each write's
/// journal rows are its own. SQLite: BEGIN IMMEDIATE, one writer at a time (a busy database waits, busy_timeout).
/// PostgreSQL: a write that names its <see cref="WriteKeys"/> holds <see cref="WriteLockKey"/> shared and an advisory
/// lock per key, taken in ascending order before its work; any other write holds <see cref="WriteLockKey"/> exclusively
/// and so runs alone, as on SQLite. Both run READ COMMITTED, so each statement sees every write committed before its
/// locks were granted: two writers of one key run one after the other, writers of different keys in parallel, on every
/// instance sharing the database. Reads never lock. The unique indexes on the normalized keys stay the backstop
/// (docs/postgresql.md).
/// </summary>
public sealed class CrmDb
{
    private const int BusyTimeoutMs = 30_000;
    private const int StatementTimeoutSeconds = 120;
    private const int AutoPrepared = 256;
    /// <summary>The advisory lock every PostgreSQL write transaction holds, shared when keyed ("crm-mcp" as a number).</summary>
    public const long WriteLockKey = 0x63726d2d6d6370;
    private readonly string _connectionString;
    private readonly NpgsqlDataSource? _postgres;
    // PostgreSQL: a few connections apart from the writers' pool for statements that commit on their own (see
    // DetachedAsync): a writer waiting for one never waits for a connection its peers hold.
    private readonly Lazy<NpgsqlDataSource>? _detached;
    private const int DetachedPoolSize = 4;

    /// <param name="location">A SQLite file path, or a PostgreSQL URL / connection string (see <see cref="DatabaseLocation"/>).</param>
    public CrmDb(string location)
    {
        Path = location;
        if (DatabaseLocation.IsPostgres(location))
        {
            Dialect = SqlDialect.Postgres;
            var builder = new NpgsqlConnectionStringBuilder(DatabaseLocation.ToNpgsql(location));
            // Parallel writers queue for the names they create and for the deal counter's row: such a wait may last as
            // long as the call may run (HTTP --call-timeout, 2 min by default), not fail at Npgsql's 30 s default.
            if (!builder.ConnectionString.Contains("Command Timeout", StringComparison.OrdinalIgnoreCase)) builder.CommandTimeout = StatementTimeoutSeconds;
            // Prepare what a connection runs twice: without it PostgreSQL parses and plans every statement of every call
            // afresh, about half its CPU for a create_deal_draft (BENCHMARKS.md, PostgreSQL). "Max Auto Prepare=0" in the
            // connection string turns it off (e.g. behind PgBouncer's transaction pooling before 1.21).
            if (!builder.ConnectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
            {
                builder.MaxAutoPrepare = AutoPrepared;
                builder.AutoPrepareMinUsages = 2;
            }
            _connectionString = builder.ConnectionString;
            // The slim builder links only what we use, so the native binary carries no unused type handlers: arrays
            // (SqlDialect.Lists hands `= ANY(@ids)` one text[] parameter) and TLS (hosted PostgreSQL requires it).
            // Everything else crosses as text, bigint, integer or numeric; a missing feature fails the PostgreSQL test run.
            _postgres = new NpgsqlSlimDataSourceBuilder(_connectionString).EnableArrays().EnableTransportSecurity().Build();
            var detached = new NpgsqlConnectionStringBuilder(_connectionString) { MaxPoolSize = DetachedPoolSize }.ConnectionString;
            _detached = new(() => new NpgsqlSlimDataSourceBuilder(detached).EnableTransportSecurity().Build());
            return;
        }
        Dialect = SqlDialect.Sqlite;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = location,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = BusyTimeoutMs / 1000,
        }.ToString();
    }

    /// <summary>The SQLite file, or the PostgreSQL location as given.</summary>
    public string Path { get; }

    public SqlDialect Dialect { get; }

    public bool IsPostgres => _postgres is not null;

    // Set once the journal's table exists (it never goes away), so the seal step stops asking.
    private volatile bool _journalReady;

    // SQLite: open connections kept between calls with their compiled statements (a statement compiled once serves
    // every later call; compiling an INSERT compiles its triggers too, ≈ 25 statements per draft). Disposing a
    // connection gives it back here while it is open, outside a transaction and the pool has room.
    private const int PoolSize = 8;
    private readonly ConcurrentBag<StatementCachingConnection> _idle = [];
    // One writer at a time in this process (SQLite allows one anyway): waiting here is a queue, where waiting in
    // BEGIN IMMEDIATE is busy_timeout's sleep-and-retry. Other processes still meet at BEGIN IMMEDIATE.
    private readonly SemaphoreSlim _writer = new(1, 1);
    private static readonly AsyncLocal<bool> InWrite = new();
    private static readonly AsyncLocal<CrmDb?> KeyedWrite = new();

    /// <summary>The database of the keyed PostgreSQL write in progress in this async flow (one that runs beside other
    /// writes), or null: SQLite, writes that run alone, no write. Such a write takes shared counters in transactions of
    /// their own (<see cref="DetachedAsync{T}"/>) so that it holds no hot row until its COMMIT.</summary>
    public static CrmDb? ParallelWrite => KeyedWrite.Value;

    /// <summary>Runs one statement (or a few) in a transaction of its own on a connection apart from the caller's, committed
    /// at once whatever becomes of the caller's transaction; PostgreSQL only.</summary>
    public async Task<T> DetachedAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken = default)
    {
        if (_detached is null) throw new InvalidOperationException("Detached statements are for PostgreSQL writes that run beside others.");
        await using var connection = await _detached.Value.OpenConnectionAsync(cancellationToken);
        return await work(connection);
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null) return await _postgres.OpenConnectionAsync(cancellationToken);
        while (_idle.TryTake(out var pooled))
            if (pooled.State == ConnectionState.Open) return pooled;
            else pooled.Release();
        var connection = new StatementCachingConnection(_connectionString, TryReturn);
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync($"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL;");
        return connection;
    }

    private bool TryReturn(StatementCachingConnection connection)
    {
        if (_idle.Count >= PoolSize || !connection.IsIdle) return false;
        _idle.Add(connection);
        return true;
    }

    /// <summary>Closes the pooled connections (for callers about to delete or replace the file, and tests); the
    /// instance keeps working, opening connections afresh.</summary>
    public void ReleaseConnections()
    {
        while (_idle.TryTake(out var connection)) connection.Release();
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
    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default) =>
        WriteAsync(null, work, cancellationToken);

    /// <summary>The same, for work whose find-or-create steps are safe beside other keyed writes on PostgreSQL: by the
    /// <paramref name="keys"/> it names, by the resolver's lock-on-miss (see <see cref="WriteKeys"/>), by unique
    /// indexes or by row locks. It runs beside other keyed writes that share none of its keys.</summary>
    public async Task<T> WriteAsync<T>(WriteKeys? keys, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        var call = WriteCall.Current;
        // A write nested in another's flow (none today) must not wait for the gate its caller holds.
        var gated = _postgres is null && !InWrite.Value;
        if (gated) await _writer.WaitAsync(cancellationToken);
        try
        {
            InWrite.Value = true;
            // Flows into the work below and is undone when this method returns (an async method's AsyncLocal changes
            // never reach its caller).
            KeyedWrite.Value = _postgres is not null && keys is not null ? this : null;
            return await WriteOnceAsync(work, call, LockIds(keys, call), cancellationToken);
        }
        finally
        {
            if (gated)
            {
                InWrite.Value = false;
                _writer.Release();
            }
        }
    }

    /// <summary>The advisory locks of a keyed write, ascending, with its idempotency key's (a retry racing its first
    /// attempt must wait for it, then replay); null for an exclusive write.</summary>
    private static long[]? LockIds(WriteKeys? keys, WriteCall? call)
    {
        if (keys is null) return null;
        return call?.IdempotencyKey is { } key ? [.. keys.Locks.Append(WriteKeys.LockId("idempotency", key)).Distinct().Order()] : [.. keys.Locks];
    }

    private async Task<T> WriteOnceAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, WriteCall? call, long[]? locks, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await OpenAsync(cancellationToken);
                await using var transaction = await BeginWriteAsync(connection, locks, cancellationToken);
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
            catch (Exception e) when (Dialect.IsTransient(e) && attempt < BusyAttempts)
            {
                // busy_timeout already waited; a lock still held (e.g. a checkpoint or a crashed writer's recovery) gets
                // a few more tries of the whole transaction, which is safe because nothing of it was committed.
                await Task.Delay(Random.Shared.Next(20, 200) * attempt, cancellationToken);
            }
        }
    }

    private const int BusyAttempts = 4;

    private async Task<DbTransaction> BeginWriteAsync(DbConnection connection, long[]? locks, CancellationToken cancellationToken)
    {
        if (_postgres is null) return await connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
        var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        if (locks is null)
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@WriteLockKey)", new { WriteLockKey }, transaction);
        else
        {
            // One round trip; ascending, so writers naming several keys climb them the same way.
            const string keyedSql = "SELECT pg_advisory_xact_lock_shared(@WriteLockKey);" + WriteKeys.LockSql;
            await connection.ExecuteAsync(keyedSql, new { WriteLockKey, locks }, transaction);
        }
        return transaction;
    }

    /// <summary>The journal step of every write transaction, just before COMMIT; nothing to do before the journal's
    /// migration has run.</summary>
    private async Task SealJournalAsync(DbConnection connection, DbTransaction transaction)
    {
        if (_journalReady || (_journalReady = await Dialect.TableExistsAsync(connection, transaction, "change_records")))
            await ChangeJournal.SealAsync(connection, transaction);
    }

    /// <summary>Runs reads in one deferred transaction, so a count and its page see the same snapshot.</summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = _postgres is not null
            ? await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken)
            : ((SqliteConnection)connection).BeginTransaction(deferred: true);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }
}
