using System.Data.Common;
using Crm.Mcp.Common;
using Dapper;

namespace Crm.Mcp.Data;

/// <summary>
/// Closes a write transaction's journal: the rows the triggers left unclaimed become one change, attributed to the
/// current <see cref="CallContext"/>, and what else it implies (the webhooks feature's outbox) is written by the hooks
/// registered here, all before COMMIT. Claiming "every unclaimed row" is exact: SQLite runs one writer at a time
/// (BEGIN IMMEDIATE), and PostgreSQL writers running at once (keyed writes, see <see cref="WriteKeys"/>) never see each
/// other's uncommitted rows, while every committed row was claimed before its COMMIT.
/// </summary>
public static class ChangeJournal
{
    /// <summary>The journal's record table: append-only history, never rewritten (a merge does not re-point it).</summary>
    public const string RecordsTable = "change_records";

    /// <summary>Runs inside the sealing transaction, after the change row exists: its writes commit or roll back with it.</summary>
    public delegate Task SealedHook(DbConnection connection, DbTransaction transaction, long changeId, string at);

    private static readonly Lock Gate = new();
    private static SealedHook[] _hooks = [];

    /// <summary>Adds a hook for every change sealed from now on in this process; adding the same one again does nothing.</summary>
    public static void OnSealed(SealedHook hook)
    {
        lock (Gate)
            if (!_hooks.Contains(hook)) _hooks = [.. _hooks, hook];
    }

    /// <summary>
    /// Opens a change before its rows exist, for a writer that writes journal rows itself and gives them its id at
    /// insert (the import's load path: <see cref="JournalTriggers.JournalInsertedAsync"/>); <see cref="SealAsync"/> with
    /// it claims the rows the triggers left and completes it. Only those rows are then rewritten by the claim: a load's
    /// seal rewrote all of its 210,001 journal rows at 100k contacts (BENCHMARKS, issue 15, tenth session). Open it only
    /// once there are rows: a change with none would be sealed all the same.
    /// </summary>
    public static async Task<long> OpenAsync(DbConnection connection, DbTransaction transaction) =>
        await InsertAsync(connection, transaction, Clock.NowIso(), null);

    /// <summary>Returns the new change's id, or null when the transaction changed no journaled row. With
    /// <paramref name="opened"/> (<see cref="OpenAsync"/>) that change is sealed, stamped with the time of its seal.</summary>
    public static async Task<long?> SealAsync(DbConnection connection, DbTransaction transaction, long? revertsChangeId = null, long? opened = null)
    {
        const string pendingSql = "SELECT EXISTS (SELECT 1 FROM change_records WHERE change_id IS NULL)";
        var pending = await connection.ExecuteScalarAsync<long>(pendingSql, transaction: transaction) != 0;
        if (!pending && opened is null) return null;

        var at = Clock.NowIso();
        long changeId;
        if (opened is { } id)
        {
            const string stampSql = "UPDATE changes SET at = @at WHERE id = @id";
            await connection.ExecuteAsync(stampSql, new { at, id }, transaction);
            changeId = id;
        }
        else changeId = await InsertAsync(connection, transaction, at, revertsChangeId);
        if (pending)
        {
            const string claimSql = "UPDATE change_records SET change_id = @changeId WHERE change_id IS NULL";
            await connection.ExecuteAsync(claimSql, new { changeId }, transaction);
        }
        foreach (var hook in _hooks) await hook(connection, transaction, changeId, at);
        return changeId;
    }

    private static Task<long> InsertAsync(DbConnection connection, DbTransaction transaction, string at, long? revertsChangeId)
    {
        var context = CallContext.Current;
        const string changeSql = """
            INSERT INTO changes (at, actor, tool, arguments, reverts_change_id)
            VALUES (@at, @Actor, @Tool, @Arguments, @revertsChangeId)
            RETURNING id
            """;
        return connection.QuerySingleAsync<long>(changeSql, new { at, context.Actor, context.Tool, context.Arguments, revertsChangeId }, transaction);
    }
}
