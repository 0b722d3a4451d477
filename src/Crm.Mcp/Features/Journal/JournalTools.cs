using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Crm.Mcp.Lists;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Journal;

[McpServerToolType]
public sealed class JournalTools(CrmDb db)
{
    [McpServerTool(Name = "get_changes", Title = "List changes (journal)", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("""
        The change journal, newest first: every write (tool, CLI, import) with actor, tool, arguments and, per record, what
        changed. Answers "what did you change?" and gives the change_id for revert_change.
        Example: {"entity": "deal", "record_id": "DEAL-001", "since": "2026-11-01"}
        """)]
    public async Task<ChangePageResponse> GetChanges(
        [Description("E.g. \"deal\" or \"stage\".")] string? entity = null,
        [Description("Record UUID (its links too) or deal identifier.")] string? record_id = null,
        [Description("Actor as get_changes shows it, e.g. \"local:jane\".")] string? actor = null,
        [Description("Tool name, e.g. \"create_deal_draft\".")] string? tool = null,
        [Description("ISO date or date-time, inclusive.")] string? since = null,
        [Description("ISO date or date-time, exclusive.")] string? until = null,
        [Description(ListDocs.Limit)] int? limit = null,
        [Description(ListDocs.Cursor)] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        var take = Validate.Limit(limit);
        var table = entity is null ? null : EntityNames.Table(entity);
        var record = Validate.Text("record_id", record_id, 200, "\"3f2b8a1e-5c4d-4e6f-8a9b-0c1d2e3f4a5b\"");
        var from = Validate.Date("since", since);
        var to = Validate.Date("until", until);
        JournalSql.Key? before = null;
        if (PageCursor.Decode(cursor, 2) is [var xid, var id])
            before = long.TryParse(xid, out var x) && long.TryParse(id, out var i) ? new JournalSql.Key(x, i)
                : throw CrmError.Invalid("cursor", "is not a cursor this list produced.", "the next_cursor value from the previous page, unchanged");
        var filterActor = Validate.Text("actor", actor, 200, "\"claude-ai\"");
        var filterTool = Validate.Text("tool", tool, 100, "\"create_deal_draft\"");
        // PostgreSQL lists a change only once every older write has ended; one in flight holds newer changes back for the
        // few milliseconds it takes, so ask again (a fresh snapshot each time) before answering without them.
        for (var attempt = 1; ; attempt++)
        {
            var page = await db.ReadAsync(async (connection, transaction) =>
            {
                var recordId = record is null ? null : await EntityNames.RecordIdAsync(connection, transaction, record);
                return await JournalSql.ListAsync(connection, transaction, new JournalSql.Filter(table, recordId, filterActor, filterTool, from, to, take, before));
            }, cancellationToken);
            if (page.Held && attempt < HeldAttempts)
            {
                await Task.Delay(20, cancellationToken);
                continue;
            }
            var next = page.HasMore && page.Last is { } last
                ? PageCursor.Encode(last.Xid.ToString(System.Globalization.CultureInfo.InvariantCulture), last.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null;
            return new ChangePageResponse(new ChangePage(page.Items, page.Total, next, page.HasMore), true);
        }
    }

    /// <summary>How often get_changes asks again while changes are held back (20 ms apart: a second at most).</summary>
    private const int HeldAttempts = 50;

    [McpServerTool(Name = "revert_change", Title = "Revert a change", ReadOnly = false, Destructive = true,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Undo one change from get_changes: what it created is deleted, what it deleted restored, what it updated gets its
        previous values. Refused, listing them, while later changes touched the same records. Not irreversible: reverting
        the revert redoes it.
        Example: {"change_id": 42}
        """)]
    public async Task<RevertResponse> RevertChange(
        [Description("The id of the change to undo, from get_changes, e.g. 42.")] long change_id,
        CancellationToken cancellationToken = default)
    {
        if (change_id < 1) throw CrmError.Invalid("change_id", $"{change_id} is not a change id.", "a positive change id from get_changes, e.g. 42");
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var change = await JournalSql.FindAsync(connection, transaction, change_id)
                         ?? throw new CrmError(ErrorCodes.NotFound, "change_id", $"change_id: no change has id {change_id}.", "an id from get_changes, e.g. 42");
            if (change.RevertedByChangeId is { } by)
                throw new CrmError(ErrorCodes.Conflict, "change_id",
                    $"change_id: change {change_id} was already reverted by change {by}.", $"revert change {by} to redo it");
            var later = await JournalSql.LaterChangesAsync(connection, transaction, change_id);
            if (later.Count > 0)
                throw new CrmError(ErrorCodes.Conflict, "change_id",
                    $"change_id: change {change_id} cannot be reverted: later changes touched the same records: " +
                    string.Join("; ", later.Select(c => $"change {c.Id} at {c.At} by {c.Actor}{(c.Tool is null ? "" : $" ({c.Tool})")}")) +
                    ". Nothing was written.",
                    $"revert the later changes first, newest first (change {later[^1].Id} first), then this one");

            var records = await JournalSql.RecordsAsync(connection, transaction, change_id);
            await JournalUndo.ApplyAsync(connection, transaction, change_id, records, Clock.NowIso());
            var revertId = await ChangeJournal.SealAsync(connection, transaction, revertsChangeId: change_id)
                           ?? throw new CrmError(ErrorCodes.Conflict, "change_id",
                               $"change_id: undoing change {change_id} changes nothing (its records are already as they were before it).",
                               "another change id from get_changes");
            await JournalSql.MarkRevertedAsync(connection, transaction, change_id, revertId);
            return new RevertResponse(new RevertData(change_id, (await JournalSql.FindAsync(connection, transaction, revertId))!), true);
        }, cancellationToken);
    }
}
