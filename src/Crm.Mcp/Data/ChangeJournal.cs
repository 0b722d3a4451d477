using System.Data.Common;
using Crm.Mcp.Common;
using Crm.Mcp.Features.Webhooks;
using Dapper;

namespace Crm.Mcp.Data;

/// <summary>
/// Closes a write transaction's journal: the rows the triggers left unclaimed become one change, attributed to the
/// current <see cref="CallContext"/>, and the webhook events it implies go to the outbox, all before COMMIT. Claiming
/// "every unclaimed row" is exact because SQLite runs one writer at a time (BEGIN IMMEDIATE).
/// </summary>
public static class ChangeJournal
{
    /// <summary>The journal's record table: append-only history, never rewritten (a merge does not re-point it).</summary>
    public const string RecordsTable = "change_records";

    /// <summary>Returns the new change's id, or null when the transaction changed no journaled row.</summary>
    public static async Task<long?> SealAsync(DbConnection connection, DbTransaction transaction, long? revertsChangeId = null)
    {
        const string pendingSql = "SELECT EXISTS (SELECT 1 FROM change_records WHERE change_id IS NULL)";
        if (await connection.ExecuteScalarAsync<long>(pendingSql, transaction: transaction) == 0) return null;

        var context = CallContext.Current;
        var at = Clock.NowIso();
        const string changeSql = """
            INSERT INTO changes (at, actor, tool, arguments, reverts_change_id)
            VALUES (@at, @Actor, @Tool, @Arguments, @revertsChangeId)
            RETURNING id
            """;
        var changeId = await connection.QuerySingleAsync<long>(changeSql,
            new { at, context.Actor, context.Tool, context.Arguments, revertsChangeId }, transaction);
        const string claimSql = "UPDATE change_records SET change_id = @changeId WHERE change_id IS NULL";
        await connection.ExecuteAsync(claimSql, new { changeId }, transaction);
        await WebhookOutbox.EnqueueAsync(connection, transaction, changeId, at);
        return changeId;
    }
}
