using System.Data.Common;
using Crm.Mcp.Common;
using Dapper;

namespace Crm.Mcp.Data;

/// <summary>
/// Idempotency keys live in the same transaction as the write they guard: the key, the arguments' hash and the result
/// are committed together or not at all, so a retry after a timeout either replays the stored result or runs afresh.
/// </summary>
public static class IdempotencyStore
{
    /// <summary>Keys are kept this long (the promise to callers is at least 24 hours).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    internal sealed record StoredKey(string Tool, string ArgumentsHash, string ResultJson, string CreatedAt);

    public static async Task CheckAsync(DbConnection connection, DbTransaction transaction, WriteCall call)
    {
        const string sql = """
            SELECT tool, arguments_hash AS ArgumentsHash, result_json AS ResultJson, created_at AS CreatedAt
            FROM idempotency_keys WHERE key = @key AND created_at >= @cutoff
            """;
        var cutoff = Clock.Format(Clock.Time.GetUtcNow() - Retention);
        var stored = await connection.QuerySingleOrDefaultAsync<StoredKey>(sql, new { key = call.IdempotencyKey, cutoff }, transaction);
        if (stored is null) return;
        if (stored.Tool == call.Tool && stored.ArgumentsHash == call.ArgumentsHash)
            throw new IdempotentReplay(stored.ResultJson, stored.CreatedAt);
        throw new CrmError(ErrorCodes.Conflict, "idempotency_key",
            $"idempotency_key: '{Validate.Shorten(call.IdempotencyKey!)}' was already used at {stored.CreatedAt} for " +
            (stored.Tool == call.Tool ? "a call with different arguments" : $"a {stored.Tool} call") + "; nothing was written.",
            "a new unique key (e.g. a UUID) for a new operation, or the same arguments to get the first result again");
    }

    public static async Task SaveAsync(DbConnection connection, DbTransaction transaction, WriteCall call, string resultJson)
    {
        var now = Clock.Time.GetUtcNow();
        const string purgeSql = "DELETE FROM idempotency_keys WHERE created_at < @cutoff";
        // PostgreSQL writers run in parallel and would all delete the same expired keys, each waiting for the row locks
        // of whoever deleted them first until that writer's COMMIT; a few rows no one else holds are enough per write.
        const string postgresPurgeSql = """
            DELETE FROM idempotency_keys WHERE key IN (
                SELECT key FROM idempotency_keys WHERE created_at < @cutoff LIMIT 100 FOR UPDATE SKIP LOCKED)
            """;
        await connection.ExecuteAsync(SqlDialect.Of(connection).IsPostgres ? postgresPurgeSql : purgeSql,
            new { cutoff = Clock.Format(now - Retention) }, transaction);
        const string sql = """
            INSERT INTO idempotency_keys (key, tool, arguments_hash, result_json, created_at)
            VALUES (@key, @tool, @hash, @resultJson, @now)
            ON CONFLICT (key) DO UPDATE SET tool = excluded.tool, arguments_hash = excluded.arguments_hash,
                result_json = excluded.result_json, created_at = excluded.created_at
            """;
        await connection.ExecuteAsync(sql, new { key = call.IdempotencyKey, tool = call.Tool, hash = call.ArgumentsHash, resultJson, now = Clock.Format(now) }, transaction);
    }
}
