using System.ComponentModel;

namespace Crm.Mcp.Features.Notes;

public sealed record NoteRecord(
    string Entity,
    string Id,
    string Name,
    [property: Description("The record's whole notes, Markdown; null when empty.")] string? Notes);

public sealed record NoteResponse(NoteRecord Data, bool Success);

/// <summary>append_note's answer: the note it added, not the record's whole notes (which only grow).</summary>
public sealed record AppendedNote(
    string Entity,
    string Id,
    string Name,
    [property: Description("The note as added, under its dated heading.")] string Note);

public sealed record AppendedNoteResponse(AppendedNote Data, bool Success);
