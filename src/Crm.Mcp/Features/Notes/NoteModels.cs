using System.ComponentModel;

namespace Crm.Mcp.Features.Notes;

public sealed record NoteRecord(
    string Entity,
    string Id,
    string Name,
    [property: Description("The record's whole notes, Markdown; null when empty.")] string? Notes);

public sealed record NoteResponse(NoteRecord Data, bool Success);
