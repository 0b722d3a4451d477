using System.Data.Common;
using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using ModelContextProtocol;

namespace Crm.Mcp.Bulk;

/// <summary>The outcome of one item of a bulk call.</summary>
public sealed record BulkItem<T>(
    [property: Description("Position of the item in the request, from 0.")] int Index,
    bool Ok,
    [property: Description("What was written; null when the item failed.")] T? Result,
    [property: Description("Why the item failed (field, message, expected); null when ok.")] ToolErrorBody? Error);

public sealed record BulkData<T>(
    IReadOnlyList<BulkItem<T>> Results,
    int Succeeded,
    int Failed,
    [property: Description("True when the call was all-or-nothing.")] bool Atomic);

public sealed record BulkResponse<T>(BulkData<T> Data, bool Success);

/// <summary>
/// A record a bulk call created or deleted: its id and name (a task's title) and no more, since every item's full
/// record would be paid for in the reply and in the tool's outputSchema; get_&lt;entity&gt; has the rest.
/// </summary>
public sealed record BulkRecord(string Id, string Name);

/// <summary>A record a create call with upsert wrote: created, or (updated: true) found by its unique attribute and changed.</summary>
public sealed record UpsertedRecord(
    string Id,
    string Name,
    [property: Description("True when upsert found an existing record and updated it."),
               System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] bool? Updated = null);

/// <summary>
/// A set-based writer for runs of consecutive items (create_contacts, create_deals): <see cref="Eligible"/> says,
/// without the database, which items may take it (a valid item whose outcome joins can settle); <see cref="WriteAsync"/>
/// gets a run of eligible items in request order and writes, with one statement per table, the longest prefix of it
/// whose outcome it knows to be the item path's (it stops before an item the database makes uncertain: an email in
/// use, a name the resolver refuses), returning one result per item written. The item after that prefix takes the
/// item path, so every error, candidate list and reply reads as it would have, and items run in request order.
/// </summary>
public sealed record SetBased<TItem, T>(
    Func<IReadOnlyList<TItem>, string, bool[]> Eligible,
    Func<DbConnection, DbTransaction, IReadOnlyList<(TItem Item, string Path)>, Task<IReadOnlyList<T>>> WriteAsync);

/// <summary>
/// Runs 1 to 100 items in one write transaction, each in its own savepoint (runs of items a <see cref="SetBased{TItem,T}"/>
/// writer settles: one savepoint per run), reporting MCP progress after each; the search index is written once for
/// the whole batch (<see cref="SearchIndexBatch"/>).
/// atomic (the default): any failing item fails the call and nothing is written; the error lists every failing
/// item. atomic false: failing items are rolled back alone, the others are written, and each gets its own result.
/// </summary>
public static class BulkWrite
{
    public const int MaxItems = 100;
    public const string AtomicDoc = "false: write the valid ones.";

    public static async Task<BulkResponse<T>> RunAsync<TItem, T>(
        CrmDb db, IReadOnlyList<TItem>? items, bool? atomic, IProgress<ProgressNotificationValue>? progress,
        Func<DbConnection, DbTransaction, TItem, string, Task<T>> write, CancellationToken cancellationToken,
        string field = "items", Func<WriteKeys, TItem, WriteKeys>? keysOf = null, SetBased<TItem, T>? setBased = null)
    {
        if (items is null || items.Count is 0 or > MaxItems)
            throw CrmError.Invalid(field, $"has {items?.Count ?? 0} items.", $"an array of 1 to {MaxItems} items");
        var allOrNothing = atomic ?? true;
        // keysOf: every item's keys, locked together up front (see WriteKeys); without it the call writes alone.
        return await db.WriteAsync(keysOf is null ? null : items.Aggregate(new WriteKeys(), keysOf), async (connection, transaction) =>
        {
            await SearchIndexBatch.BeginAsync(connection, transaction);
            var results = new List<BulkItem<T>>(items.Count);
            // A choice the user made when asked names one item's field: those calls take the item path throughout.
            var eligible = setBased is not null && WriteCall.Current is not { Choices.Count: > 0 } ? setBased.Eligible(items, field) : null;
            for (var i = 0; i < items.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (eligible?[i] == true)
                {
                    var end = i;
                    while (end < items.Count && eligible[end]) end++;
                    var run = new List<(TItem, string)>(end - i);
                    for (var k = i; k < end; k++) run.Add((items[k], $"{field}[{k}]"));
                    await transaction.SaveAsync("bulk_run", cancellationToken);
                    var written = await setBased!.WriteAsync(connection, transaction, run);
                    await transaction.ReleaseAsync("bulk_run", cancellationToken);
                    foreach (var result in written)
                    {
                        results.Add(new BulkItem<T>(i, true, result, null));
                        progress?.Report(new ProgressNotificationValue { Progress = i + 1, Total = items.Count, Message = $"{field}[{i}] ok" });
                        i++;
                    }
                    // The whole run written: go on after it. Else the item it stopped before takes the item path.
                    if (written.Count == run.Count) { i--; continue; }
                }
                await transaction.SaveAsync("bulk_item", cancellationToken);
                try
                {
                    var result = await write(connection, transaction, items[i], $"{field}[{i}]");
                    await transaction.ReleaseAsync("bulk_item", cancellationToken);
                    results.Add(new BulkItem<T>(i, true, result, null));
                }
                catch (CrmError error)
                {
                    await transaction.RollbackAsync("bulk_item", cancellationToken);
                    await transaction.ReleaseAsync("bulk_item", cancellationToken);
                    results.Add(new BulkItem<T>(i, false, default, error.ToBody()));
                }
                progress?.Report(new ProgressNotificationValue
                {
                    Progress = i + 1, Total = items.Count, Message = $"{field}[{i}] {(results[^1].Ok ? "ok" : "failed")}",
                });
            }

            var failures = results.Where(r => !r.Ok).ToList();
            if (allOrNothing && failures.Count > 0)
            {
                var first = failures[0].Error!;
                var listed = string.Join(" | ", failures.Take(10).Select(f => f.Error!.Message));
                throw new CrmError(first.Code, first.Field,
                    $"{failures.Count} of {items.Count} items failed; nothing was written (atomic). {listed}{(failures.Count > 10 ? " | ..." : "")}",
                    first.Expected) { Candidates = first.Candidates };
            }
            await SearchIndexBatch.EndAsync(connection, transaction);
            return new BulkResponse<T>(new BulkData<T>(results, results.Count - failures.Count, failures.Count, allOrNothing), true);
        }, cancellationToken);
    }

    /// <summary>update_&lt;plural&gt;: each item runs the same update as update_&lt;singular&gt;, with "items[i]." before
    /// every field name its errors report; a null item is an empty change (reported as such by the update).</summary>
    public static Task<BulkResponse<T>> UpdateAsync<TItem, T>(
        CrmDb db, IReadOnlyList<TItem?>? items, bool? atomic, IProgress<ProgressNotificationValue>? progress,
        Func<DbConnection, DbTransaction, TItem, string, Task<T>> update, CancellationToken cancellationToken) where TItem : class, new() =>
        RunAsync(db, items, atomic, progress, (connection, transaction, item, path) => update(connection, transaction, item ?? new TItem(), path + "."), cancellationToken);

    /// <summary>A bulk delete: 1 to 100 references (names or ids, e.g. <paramref name="example"/>) in
    /// <paramref name="field"/>, each removed by <paramref name="delete"/>, which throws not_found for an unknown one.</summary>
    public static Task<BulkResponse<BulkRecord>> DeleteAsync(
        CrmDb db, string field, IReadOnlyList<string>? references, string example, bool? atomic, IProgress<ProgressNotificationValue>? progress,
        Func<DbConnection, DbTransaction, string, string, Task<BulkRecord>> delete, CancellationToken cancellationToken) =>
        RunAsync(db, References(field, references, example), atomic, progress, delete, cancellationToken, field);

    /// <summary>A bulk delete by UUID for records whose delete statement returns the removed record's name, or null
    /// when no <paramref name="entity"/> has the id; get_<paramref name="field"/> is where a caller finds ids.</summary>
    public static Task<BulkResponse<BulkRecord>> DeleteByIdAsync(
        CrmDb db, string field, string entity, IReadOnlyList<string>? ids, string example, bool? atomic, IProgress<ProgressNotificationValue>? progress,
        Func<DbConnection, DbTransaction, string, Task<string?>> delete, CancellationToken cancellationToken) =>
        DeleteAsync(db, field, ids, example, atomic, progress, async (connection, transaction, reference, path) =>
        {
            var id = Validate.Uuid(path, reference) ?? throw CrmError.Invalid(path, "is required.", Validate.UuidForm);
            var name = await delete(connection, transaction, id)
                       ?? throw new CrmError(ErrorCodes.NotFound, path, $"{path}: no {entity} has id '{id}'.", $"a {entity} UUID from get_{field}");
            return new BulkRecord(id, name);
        }, cancellationToken);

    /// <summary>Reads a 1-to-100 list of record references (names or ids) for bulk deletes.</summary>
    private static IReadOnlyList<string> References(string field, IReadOnlyList<string>? values, string example)
    {
        if (values is null || values.Count is 0 or > MaxItems)
            throw CrmError.Invalid(field, $"has {values?.Count ?? 0} entries.", $"an array of 1 to {MaxItems} names or ids, e.g. {example}");
        return values;
    }
}
