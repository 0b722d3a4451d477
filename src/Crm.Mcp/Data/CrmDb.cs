using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
#if CRM_POSTGRES
using Npgsql;
#endif

namespace Crm.Mcp.Data;

/// <summary>
/// The one place that opens connections and transactions. Writes that could collide are serialized across processes
/// and machines, so a resolve-then-insert can never interleave with another writer's of the same name, and each write's
/// journal rows are its own. SQLite: BEGIN IMMEDIATE, one writer at a time (a busy database waits, busy_timeout);
/// writers queued in this process share one transaction, each in its own savepoint (group commit, WriteGroupedAsync).
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
    // Npgsql's data sources, as their base class: the stdio binary is built without Npgsql (CRM_POSTGRES), and there
    // they stay null.
#pragma warning disable CS0649
    private readonly DbDataSource? _postgres;
    // PostgreSQL: a few connections apart from the writers' pool for statements that commit on their own (see
    // DetachedAsync): a writer waiting for one never waits for a connection its peers hold.
    private readonly Lazy<DbDataSource>? _detached;
#pragma warning restore CS0649
    private const int DetachedPoolSize = 4;

    /// <param name="location">A SQLite file path, or a PostgreSQL URL / connection string (see <see cref="DatabaseLocation"/>).</param>
    public CrmDb(string location)
    {
        Path = location;
        if (DatabaseLocation.IsPostgres(location))
        {
#if CRM_POSTGRES
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
            // The slim builder links only what we use, so the native binary carries no unused type handlers: TLS (hosted
            // PostgreSQL requires it). Everything crosses as text, bigint, integer or numeric (a list is one JSON text,
            // see SqlList); a missing feature fails the PostgreSQL test run.
            _postgres = new NpgsqlSlimDataSourceBuilder(_connectionString).EnableTransportSecurity().Build();
            var detached = new NpgsqlConnectionStringBuilder(_connectionString) { MaxPoolSize = DetachedPoolSize }.ConnectionString;
            _detached = new(() => new NpgsqlSlimDataSourceBuilder(detached).EnableTransportSecurity().Build());
            return;
#else
            // Program.cs hands every command given a PostgreSQL database to the full build before one gets here.
            throw new InvalidOperationException("this build opens SQLite only; PostgreSQL is served by the full build, crm-mcp-http.");
#endif
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
    // Likewise for migration 0102's write_batch (SearchIndexBatch).
    private volatile bool _searchBatchReady;

    // SQLite: open connections kept between calls with their compiled statements (a statement compiled once serves
    // every later call; compiling an INSERT compiles its triggers too, ≈ 25 statements per draft). Disposing a
    // connection gives it back here while it is open, outside a transaction and the pool has room.
    private const int PoolSize = 8;
    private readonly ConcurrentBag<StatementCachingConnection> _idle = [];
    // One writer at a time in this process (SQLite allows one anyway): waiting here is a queue, where waiting in
    // BEGIN IMMEDIATE is busy_timeout's sleep-and-retry. Other processes still meet at BEGIN IMMEDIATE.
    private readonly SemaphoreSlim _writer = new(1, 1);
    private static readonly AsyncLocal<bool> InWrite = new();
    // SQLite group commit (see WriteGroupedAsync): the open shared transaction, touched only by the gate's holder, and
    // how many writers wait at the gate.
    private WriteGroup? _group;
    private int _queued;
    private long _commits;
    /// <summary>Calls one shared transaction takes at most before it commits, so a steady stream of writers still commits.</summary>
    private const int MaxGroupCalls = 64;

    /// <summary>Writers of this process waiting for the gate (tests use it to form a group).</summary>
    internal int QueuedWriters => Volatile.Read(ref _queued);

    /// <summary>SQLite write transactions this instance has committed (or rolled back as a whole).</summary>
    internal long Commits => Interlocked.Read(ref _commits);

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
        await connection.ExecuteAsync(ConnectionPragmas);
        return connection;
    }

    /// <summary>Pages the WAL may hold before the committing writer copies them into the database (SQLite's default
    /// is 1,000).</summary>
    internal const int AutoCheckpointPages = 10_000;

    // temp_store = MEMORY: a write's savepoint and statement journals (each changed page's content before the change)
    // stay in memory. At the default they spill to a new file in /var/tmp past 64 KiB: every create_deal_draft (≈ 100
    // pages) created, wrote ≈ 250 pages to and deleted one, half of its pwrite calls and a quarter of its CPU.
    // wal_autocheckpoint: a checkpoint writes every page the WAL holds once; at 1,000 pages one ran every ≈ 10 drafts
    // and rewrote the same hot pages (B-tree roots and right edges, counters) each time; 10,000 pages (≈ 40 MB of WAL)
    // cut ≈ 0.3 ms of CPU per draft. BENCHMARKS.md, issue 15, sixth session.
    private static readonly string ConnectionPragmas =
        $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = {AutoCheckpointPages};";

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
    /// the work, returns its result and rolls back (to its savepoint), so the preview is exactly what the real call would do. One write
    /// per tool call: a second WriteAsync in the same call would see its own key as used. Before COMMIT the journal
    /// is sealed: whatever the work changed becomes one change attributed to <see cref="Common.CallContext.Current"/>,
    /// and its webhook events are queued, atomically with the work itself.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default) =>
        WriteAsync(null, work, cancellationToken);

    /// <summary>The same, for work whose find-or-create steps are safe beside other keyed writes on PostgreSQL: by the
    /// <paramref name="keys"/> it names, by the resolver's lock-on-miss (see <see cref="WriteKeys"/>), by unique
    /// indexes or by row locks. It runs beside other keyed writes that share none of its keys.</summary>
    public Task<T> WriteAsync<T>(WriteKeys? keys, Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        var call = WriteCall.Current;
        // PostgreSQL writers run in parallel on their own connections (and the server groups their WAL flushes); a
        // write nested in another's flow (none today) must not wait for the gate its caller holds.
        if (_postgres is not null) return WritePostgresAsync(keys, work, call, cancellationToken);
        if (InWrite.Value) return WriteOnceAsync(work, call, null, cancellationToken);
        return WriteGroupedAsync(work, call, cancellationToken);
    }

    private async Task<T> WritePostgresAsync<T>(WriteKeys? keys, Func<DbConnection, DbTransaction, Task<T>> work, WriteCall? call, CancellationToken cancellationToken)
    {
        // Flows into the work below and is undone when this method returns (an async method's AsyncLocal changes never
        // reach its caller).
        KeyedWrite.Value = keys is not null ? this : null;
        return await WriteOnceAsync(work, call, LockIds(keys, call), cancellationToken);
    }

    /// <summary>The open SQLite transaction that queued writers share, and the outcome of its COMMIT.</summary>
    private sealed class WriteGroup(DbConnection connection, DbTransaction transaction)
    {
        public DbConnection Connection { get; } = connection;
        public DbTransaction Transaction { get; } = transaction;
        /// <summary>Calls that have had their turn in this transaction, written or failed.</summary>
        public int Calls { get; set; }
        /// <summary>Set when a savepoint could not be rolled back: the transaction's state is unknown, so it is rolled back whole.</summary>
        public Exception? Broken { get; set; }
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// SQLite group commit. Writers take the gate in turn; each runs its work inside its own SAVEPOINT of one shared
    /// BEGIN IMMEDIATE transaction, so its idempotency record and its journal change (sealed before RELEASE) are its
    /// own, a failure or a dry run rolls back to the savepoint (nothing of it stays) and never touches the others'
    /// work. A writer that finds others queued behind it hands them the gate with the transaction still open; the
    /// last one (nobody queued, or <see cref="MaxGroupCalls"/> reached) commits once for all. Every writer returns
    /// only after that COMMIT: its reply is never ahead of the disk. Alone, a writer commits its own transaction at
    /// once, as before.
    /// </summary>
    private async Task<T> WriteGroupedAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, WriteCall? call, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _queued);
        // Not cancellable: a writer counted as queued must take its turn, or an open group could wait for it forever.
        await _writer.WaitAsync(CancellationToken.None);
        Interlocked.Decrement(ref _queued);
        WriteGroup group;
        try
        {
            group = _group ??= await BeginGroupAsync(cancellationToken);
        }
        catch
        {
            _writer.Release();
            throw;
        }

        T result = default!;
        Exception? failure = null;
        var keyed = call?.IdempotencyKey is not null && typeof(T) == call.ResponseType;
        try
        {
            InWrite.Value = true;
            result = await InSavepointAsync(group, work, call, keyed, cancellationToken);
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            InWrite.Value = false;
            // Failed calls count too: a stream of them must not hold the write lock from other processes for ever.
            if (group.Broken is null && ++group.Calls < MaxGroupCalls && Volatile.Read(ref _queued) > 0)
                _writer.Release(); // the next writer continues this transaction; the last one commits it
            else
            {
                _group = null;
                await EndGroupAsync(group);
                _writer.Release();
            }
        }

        Exception? commitFailure = null;
        try
        {
            await group.Committed.Task;
        }
        catch (Exception e)
        {
            commitFailure = e;
        }
        // A replay answers with a result stored in this group: it holds only if the group committed.
        if (failure is not null && !(failure is IdempotentReplay && commitFailure is not null))
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        if (commitFailure is not null) throw new InvalidOperationException("The write transaction failed to commit; nothing was written.", commitFailure);
        if (keyed && call!.DryRun != true) call.KeyStored = true;
        return result;
    }

    private const string CallSavepoint = "crm_call";

    private async Task<T> InSavepointAsync<T>(WriteGroup group, Func<DbConnection, DbTransaction, Task<T>> work, WriteCall? call, bool keyed, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var (connection, transaction) = (group.Connection, group.Transaction);
        await transaction.SaveAsync(CallSavepoint, CancellationToken.None);
        try
        {
            if (keyed) await IdempotencyStore.CheckAsync(connection, transaction, call!);
            var result = await work(connection, transaction);
            if (keyed) await IdempotencyStore.SaveAsync(connection, transaction, call!, Common.CrmJson.Serialize(result));
            await SealJournalAsync(connection, transaction);
            // A dry run did all the work and saw it; none of it stays.
            if (call?.DryRun == true) await transaction.RollbackAsync(CallSavepoint, CancellationToken.None);
            await transaction.ReleaseAsync(CallSavepoint, CancellationToken.None);
            return result;
        }
        catch
        {
            try
            {
                await transaction.RollbackAsync(CallSavepoint, CancellationToken.None);
                await transaction.ReleaseAsync(CallSavepoint, CancellationToken.None);
            }
            catch (Exception e)
            {
                // SQLite rolled the whole transaction back (e.g. disk full): nobody's work in it can commit.
                group.Broken = e;
            }
            throw;
        }
    }

    private async Task<WriteGroup> BeginGroupAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var connection = await OpenAsync(cancellationToken);
            try
            {
                var transaction = await BeginWriteAsync(connection, null, cancellationToken);
                // The group's search-index work is done once, before its COMMIT (one FTS5 segment per index, not one per row).
                if (_searchBatchReady || (_searchBatchReady = await Dialect.TableExistsAsync(connection, transaction, "write_batch")))
                    await SearchIndexBatch.OpenForTransactionAsync(connection, transaction);
                return new WriteGroup(connection, transaction);
            }
            catch (Exception e) when (Dialect.IsTransient(e) && attempt < BusyAttempts)
            {
                await connection.DisposeAsync();
                // busy_timeout already waited; a lock still held (e.g. a checkpoint or a crashed writer's recovery) gets
                // a few more tries.
                await Task.Delay(Random.Shared.Next(20, 200) * attempt, cancellationToken);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }
    }

    private async Task EndGroupAsync(WriteGroup group)
    {
        try
        {
            if (group.Broken is not null) throw group.Broken;
            await SearchIndexBatch.CloseForTransactionAsync(group.Connection, group.Transaction);
            await group.Transaction.CommitAsync(CancellationToken.None);
            group.Committed.SetResult();
        }
        catch (Exception e)
        {
            try
            {
                await group.Transaction.RollbackAsync(CancellationToken.None);
            }
            catch (Exception)
            {
                // Already rolled back by SQLite; the connection is discarded below either way.
            }
            group.Committed.SetException(e);
        }
        finally
        {
            Interlocked.Increment(ref _commits);
            await group.Transaction.DisposeAsync();
            await group.Connection.DisposeAsync();
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
            await connection.ExecuteAsync(keyedSql, new { WriteLockKey, locks = SqlList.Json(locks) }, transaction);
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
