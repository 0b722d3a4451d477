using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Crm.Mcp.Data;

namespace Crm.Mcp.Lists;

/// <summary>What a get_&lt;plural&gt; tool lists: the entity (its fields), how to load whole items by id, the key a
/// caller passes back (identifier for deals, id elsewhere) and the compact item a model reads by default.</summary>
public sealed record ListKind<T>(
    string Entity,
    string Key,
    Func<DbConnection, DbTransaction, IReadOnlyList<string>, Task<IReadOnlyList<T>>> Load,
    Func<T, string> IdOf,
    Func<T, JsonObject> Compact);

/// <summary>One page of any list, items shaped by `view` and `fields`.</summary>
public sealed record ListReply(ListPage<JsonObject> Data, bool Success);

/// <summary>
/// The one body of every get_&lt;plural&gt; tool: shortcuts and the entity's fields inside one read, the page from
/// <see cref="ListEngine"/>, then each item shaped. A page of 25 deals is 34 KB whole and about 5 KB compact, so
/// compact is the default; `fields` picks fields of the whole item (its key always comes first) and `view: "full"`
/// returns it whole.
/// </summary>
public static class ListTool
{
    public const string Compact = "compact";
    public const string Full = "full";

    public static async Task<ListReply> RunAsync<T>(
        CrmDb db, FieldRegistry? registry, ListKind<T> kind, ListRequest request, IReadOnlyList<string>? fields, string? view,
        Func<DbConnection, DbTransaction, Task<IReadOnlyList<Filter>>>? shortcuts, CancellationToken cancellationToken)
    {
        var shape = Shape(kind, fields, view);
        var page = await db.ReadAsync(async (connection, transaction) =>
        {
            var extra = shortcuts is null ? [] : await shortcuts(connection, transaction);
            var schema = await (registry ?? new FieldRegistry()).LoadAsync(kind.Entity, connection, transaction);
            return await ListEngine.RunAsync(connection, transaction, schema, request,
                ids => kind.Load(connection, transaction, ids), kind.IdOf, extra);
        }, cancellationToken);
        return new ListReply(page.Map(shape), true);
    }

    /// <summary>The item shaper for the arguments, checked before anything is read.</summary>
    private static Func<T, JsonObject> Shape<T>(ListKind<T> kind, IReadOnlyList<string>? fields, string? view)
    {
        if (fields is { Count: > 0 })
        {
            var known = CrmJson.Options.GetTypeInfo(typeof(T)).Properties.Select(p => p.Name).ToList();
            var wanted = new List<string> { kind.Key };
            for (var i = 0; i < fields.Count; i++)
            {
                var name = fields[i]?.Trim() ?? "";
                if (!known.Contains(name))
                    throw CrmError.Invalid($"fields[{i}]", $"'{Validate.Shorten(name)}' is not a field of {kind.Entity}.", $"one of: {string.Join(", ", known)}");
                if (!wanted.Contains(name)) wanted.Add(name);
            }
            return item =>
            {
                var whole = Whole(item);
                return new JsonObject(wanted.Select(name => KeyValuePair.Create(name, whole[name]?.DeepClone())));
            };
        }
        return view?.Trim().ToLowerInvariant() switch
        {
            null or "" or Compact => kind.Compact,
            Full => Whole,
            _ => throw CrmError.Invalid("view", $"'{Validate.Shorten(view)}' is not a view.", "\"compact\" (default) or \"full\""),
        };
    }

    private static JsonObject Whole<T>(T item) => JsonSerializer.SerializeToNode(item, CrmJson.TypeInfo<T>())!.AsObject();

    /// <summary>A compact item: the given fields in order, without the null, empty and false ones.</summary>
    public static JsonObject Item(params (string Name, object? Value)[] fields)
    {
        var item = new JsonObject();
        foreach (var (name, value) in fields)
        {
            switch (value)
            {
                case null or false or "": continue;
                case IEnumerable<string> list:
                    var values = list.ToArray();
                    if (values.Length > 0) item[name] = new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
                    continue;
                default:
                    item[name] = JsonSerializer.SerializeToNode(value, CrmJson.Options.GetTypeInfo(value.GetType()));
                    continue;
            }
        }
        return item;
    }
}
