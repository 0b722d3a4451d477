using System.ComponentModel;
using System.Text.Json;

namespace Crm.Mcp.Features.Journal;

public sealed record FieldChange(JsonElement? Before, JsonElement? After);

public sealed record ChangeRecordView(
    [property: Description("The table, e.g. deals, people, companies, deal_people.")] string Entity,
    [property: Description("The row's id; link rows are \"<left id>/<right id>\".")] string RecordId,
    [property: Description("insert, update or delete.")] string Operation,
    [property: Description("The whole row before a delete; null otherwise.")] JsonElement? Before,
    [property: Description("The whole row after an insert; null otherwise.")] JsonElement? After,
    [property: Description("For an update: each changed column with its before and after value.")] IReadOnlyDictionary<string, FieldChange>? ChangedFields);

public sealed record ChangeView(
    [property: Description("The change id, increasing with time; pass it to revert_change.")] long Id,
    [property: Description("When it was committed, ISO 8601 UTC.")] string At,
    [property: Description("Who: the API key's name over HTTP, the MCP client's name over stdio, local:<os user> for the CLI.")] string Actor,
    [property: Description("The tool (or CLI command) that wrote it; null when unknown.")] string? Tool,
    [property: Description("The tool's arguments as sent.")] JsonElement? Arguments,
    [property: Description("Set when this change is the revert of that change.")] long? RevertsChangeId,
    [property: Description("Set when a later change reverted this one.")] long? RevertedByChangeId,
    [property: Description("How many rows the change touched in all.")] long RecordCount,
    [property: Description("The rows it touched, in order (at most 100; record_count says how many in all).")] IReadOnlyList<ChangeRecordView> Records);

public sealed record ChangePage(
    IReadOnlyList<ChangeView> Items,
    [property: Description("Changes matching the filters in all pages: {value, relation}, relation \"eq\" (exact) or \"gte\" (at least).")] Lists.ListTotal Total,
    [property: Description("Pass as cursor to get the next page; null on the last page.")] string? NextCursor,
    bool HasMore);

public sealed record ChangePageResponse(ChangePage Data, bool Success);

public sealed record RevertData(
    [property: Description("The change that was undone.")] long RevertedChangeId,
    [property: Description("The new change that undid it (itself revertable).")] ChangeView Change);

public sealed record RevertResponse(RevertData Data, bool Success);
