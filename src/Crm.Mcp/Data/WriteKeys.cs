using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Crm.Mcp.Data;

/// <summary>
/// The normalized keys a write looks up or creates (a company's name key, a domain, a person's mailbox and name key, a
/// stage's name key, ...), given to <see cref="CrmDb.WriteAsync{T}(WriteKeys, Func{System.Data.Common.DbConnection, System.Data.Common.DbTransaction, Task{T}}, CancellationToken)"/>.
/// On PostgreSQL each key is a transaction-scoped advisory lock, all taken in ascending order before the work runs, so
/// two writers of one new name serialize (one creates, the other finds it) and writers of different names run in
/// parallel; the order makes lock waits cycle-free. SQLite runs one writer at a time and ignores them.
/// A key must be at least as coarse as the lookup it guards: a write that may find or create by a key must name it.
/// </summary>
public sealed class WriteKeys
{
    private readonly SortedSet<long> _locks = [];

    /// <summary>Adds kind/key (e.g. "company", "acme"); blank keys add nothing.</summary>
    public WriteKeys Add(string kind, string? key)
    {
        if (!string.IsNullOrEmpty(key)) _locks.Add(LockId(kind, key));
        return this;
    }

    /// <summary>The advisory lock ids, ascending.</summary>
    public IReadOnlyCollection<long> Locks => _locks;

    /// <summary>64 bits of SHA-256 over kind and key: stable across processes and versions (every instance must agree),
    /// and a collision only makes two unrelated writes wait for each other.</summary>
    public static long LockId(string kind, string key) =>
        BinaryPrimitives.ReadInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(kind + "\n" + key)));
}
