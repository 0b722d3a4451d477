using System.Buffers.Binary;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;

namespace Crm.Mcp.Data;

/// <summary>
/// Normalized keys (a company's name key, a domain, a person's mailbox and name key, a stage's name key, an idempotency
/// key, ...) as PostgreSQL transaction-scoped advisory locks; SQLite runs one writer at a time and needs none. Two uses:
/// a keyed write (<see cref="CrmDb.WriteAsync{T}(WriteKeys, Func{DbConnection, DbTransaction, Task{T}}, CancellationToken)"/>)
/// locks the keys it names in ascending order before its work; and the resolver, when a name is not found and may be
/// created, locks it (<see cref="LockAsync"/>) and looks again, so two writers of one new name serialize (one creates,
/// the other finds it) while names that exist are found without any lock. A key must be at least as coarse as the
/// lookup it guards.
/// </summary>
public sealed class WriteKeys
{
    // Kept as given and hashed on first use: only PostgreSQL reads the lock ids, and hashing at Add loaded OpenSSL
    // (≈ 3.5 MB resident) into every SQLite process, idle ones included (the webhook worker's claim key).
    private readonly List<(string Kind, string Key)> _keys = [];
    private SortedSet<long>? _locks;

    /// <summary>Adds kind/key (e.g. "company", "acme"); blank keys add nothing.</summary>
    public WriteKeys Add(string kind, string? key)
    {
        if (!string.IsNullOrEmpty(key)) { _keys.Add((kind, key)); _locks = null; }
        return this;
    }

    /// <summary>Adds every key of <paramref name="other"/>.</summary>
    public WriteKeys Add(WriteKeys other)
    {
        _keys.AddRange(other._keys);
        _locks = null;
        return this;
    }

    /// <summary>The advisory lock ids, ascending.</summary>
    public IReadOnlyCollection<long> Locks => _locks ??= new SortedSet<long>(_keys.Select(k => LockId(k.Kind, k.Key)));

    /// <summary>Takes these locks now, ascending (PostgreSQL; held to the end of the transaction, re-taking one is free),
    /// and returns true; false on SQLite, where the writer is alone anyway. A caller that had looked before must look
    /// again: the statements after this one see everything committed by whoever held a key before.</summary>
    public async Task<bool> LockAsync(DbConnection connection, DbTransaction transaction)
    {
        if (!SqlDialect.Of(connection).IsPostgres) return false;
        if (Locks.Count == 0) return true;
        // ORDER BY makes PostgreSQL evaluate the lock calls in that order (output expressions are computed after the sort).
        await connection.ExecuteAsync(LockSql, new { locks = SqlList.Json(Locks) }, transaction);
        return true;
    }

    internal const string LockSql = "SELECT pg_advisory_xact_lock(k) FROM (SELECT CAST(value AS BIGINT) AS k FROM json_each(@locks)) AS l ORDER BY k";

    /// <summary>64 bits of SHA-256 over kind and key: stable across processes and versions (every instance must agree),
    /// and a collision only makes two unrelated writes wait for each other.</summary>
    public static long LockId(string kind, string key) =>
        BinaryPrimitives.ReadInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(kind + "\n" + key)));
}
