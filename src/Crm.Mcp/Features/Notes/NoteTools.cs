using System.Data.Common;
using System.ComponentModel;
using System.Globalization;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Crm.Mcp.Resolution;
using Dapper;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Notes;

[McpServerToolType]
public sealed class NoteTools(CrmDb db)
{
    public const int MaxNoteLength = 20_000;
    public const int MaxNotesLength = 200_000;
    private const string EntityDoc = "deal, company, contact or task.";

    [McpServerTool(Name = "append_note", Title = "Append note", ReadOnly = false, Destructive = false, Idempotent = false,
        OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Add a Markdown note to a deal, company, contact or task under a dated heading; earlier notes stay.
        Example: {"entity": "deal", "record": "DEAL-001", "text": "Call with Jane: budget approved, **signing Friday**."}
        """)]
    public Task<AppendedNoteResponse> AppendNote(
        [Description(EntityDoc)] string entity,
        [Description(EntityLookup.RecordDoc)] string record,
        [Description("Markdown text.")] string text,
        CancellationToken cancellationToken = default)
    {
        var target = NoteTargets.Find("entity", entity);
        var reference = Reference(record);
        var note = Validate.Text("text", text, MaxNoteLength, "\"Budget approved\"")
                   ?? throw CrmError.Invalid("text", "is required.", "Markdown text such as \"Budget approved\"");
        return db.WriteAsync(async (connection, transaction) =>
        {
            var (id, _, existing) = await LoadAsync(connection, transaction, target, reference);
            var heading = $"### {Clock.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC";
            var added = $"{heading}\n{note}";
            var notes = string.IsNullOrEmpty(existing) ? added : $"{existing.TrimEnd()}\n\n{added}";
            if (notes.Length > MaxNotesLength)
                throw CrmError.Invalid("text", $"would make the notes {notes.Length} characters long; the limit is {MaxNotesLength}.",
                    "a shorter note, or set_notes with a condensed version");
            var saved = await SaveAsync(connection, transaction, target, id, notes);
            return new AppendedNoteResponse(new AppendedNote(saved.Data.Entity, saved.Data.Id, saved.Data.Name, added), true);
        }, cancellationToken);
    }

    [Toolset("destructive")]
    [McpServerTool(Name = "set_notes", Title = "Set notes", ReadOnly = false, Destructive = true, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Replace all notes of a deal, company, contact or task ("" empties them). Irreversible: the old text is lost; append_note adds.
        Example: {"entity": "company", "record": "Acme, Inc.", "notes": "## Account\nRenewal in March."}
        """)]
    public Task<NoteResponse> SetNotes(
        [Description(EntityDoc)] string entity,
        [Description(EntityLookup.RecordDoc)] string record,
        [Description("The complete new Markdown notes.")] string notes,
        CancellationToken cancellationToken = default)
    {
        var target = NoteTargets.Find("entity", entity);
        var reference = Reference(record);
        if (notes.Length > MaxNotesLength)
            throw CrmError.Invalid("notes", $"is {notes.Length} characters long; the limit is {MaxNotesLength}.", $"at most {MaxNotesLength} characters");
        return db.WriteAsync(async (connection, transaction) =>
        {
            var (id, _, _) = await LoadAsync(connection, transaction, target, reference);
            return await SaveAsync(connection, transaction, target, id, notes.Trim().Length == 0 ? null : notes);
        }, cancellationToken);
    }

    private static string Reference(string? record) =>
        Validate.Text("record", record, 254, "\"DEAL-001\"") ?? throw CrmError.Invalid("record", "is required.", EntityLookup.RecordDoc);

    private sealed record Row(string Id, string Name, string? Notes);

    // Table and column names come from NoteTargets (code), never from the caller; the id is a parameter.
    private static async Task<(string Id, string Name, string? Notes)> LoadAsync(DbConnection connection, DbTransaction transaction, NoteTarget target, string reference)
    {
        var id = await target.FindIdAsync(connection, transaction, reference, "record");
        var sql = $"SELECT id, {target.NameColumn} AS Name, notes FROM {target.Table} WHERE id = @id";
        var row = await connection.QuerySingleAsync<Row>(sql, new { id }, transaction);
        return (row.Id, row.Name, row.Notes);
    }

    private static async Task<NoteResponse> SaveAsync(DbConnection connection, DbTransaction transaction, NoteTarget target, string id, string? notes)
    {
        var sql = $"UPDATE {target.Table} SET notes = @notes, updated_at = @now WHERE id = @id RETURNING {target.NameColumn}";
        var name = await connection.QuerySingleAsync<string>(sql, new { notes, now = Clock.NowIso(), id }, transaction);
        return new NoteResponse(new NoteRecord(target.Entity, id, name, notes), true);
    }
}
