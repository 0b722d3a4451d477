using System.ComponentModel;

namespace Crm.Mcp.Features.Duplicates;

public sealed record DuplicateSide(
    string Id,
    string Name,
    [property: Description("A person's email; null for companies or when unknown.")] string? Email,
    [property: Description("A company's domain (from its domain or website); null when unknown.")] string? Domain);

public sealed record DuplicatePair(
    [property: Description("0..1; 1 means the same normalized name.")] double Score,
    [property: Description("What matched, in words, e.g. \"same domain acme.com\" or \"one letter apart (a typo?)\".")] string Why,
    DuplicateSide A,
    DuplicateSide B);

public sealed record DuplicateList(
    [property: Description("companies or people.")] string Kind,
    [property: Description("Likely duplicate pairs, most likely first.")] IReadOnlyList<DuplicatePair> Pairs,
    [property: Description("How many records were compared.")] long Scanned);

public sealed record DuplicateListResponse(DuplicateList Data, bool Success);

public sealed record MergedRecord(
    string Id,
    string Name,
    [property: Description("Rows moved to the survivor per table.column, e.g. {\"deals.company_id\": 2}.")] IReadOnlyDictionary<string, long> Moved,
    [property: Description("Links the survivor already had, dropped as redundant, per table.column.")] IReadOnlyDictionary<string, long> DroppedAsRedundant,
    [property: Description("Fields the survivor lacked and took from this record, e.g. [\"domain\"].")] IReadOnlyList<string> FieldsFilled,
    [property: Description("Id of the merge_audit entry that keeps this record's full former content.")] string AuditId);

public sealed record MergeResult(
    [property: Description("company or person.")] string Kind,
    [property: Description("The record that remains, after the merge.")] DuplicateSide Survivor,
    IReadOnlyList<MergedRecord> Merged);

public sealed record MergeResponse(MergeResult Data, bool Success);
