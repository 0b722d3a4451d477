using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Lists;
using Dapper;

namespace Crm.Mcp.Features.Webhooks;

/// <summary>
/// Turns a sealed change into webhook events and one pending delivery per subscribed webhook, inside the change's
/// own transaction: an event exists exactly when its change committed. Several row changes of one record in one
/// change collapse into one event (insert + update = created; update + delete = deleted; insert + delete = nothing).
/// Link rows (deal_people, ...) show up on their parent: its events list the linked ids (record.people), and a link
/// added or removed on its own is a parent.updated event whose changed_fields holds the list before and after.
/// </summary>
public static class WebhookOutbox
{
    public static readonly string[] Actions = ["created", "updated", "deleted"];

    /// <summary>Every event type a webhook can subscribe to, e.g. deal.updated; "*" subscribes to all.</summary>
    public static IReadOnlyList<string> EventTypes { get; } = JournaledTables.All
        .Where(t => t.WebhookEntity is not null)
        .SelectMany(t => Actions.Select(a => $"{t.WebhookEntity}.{a}"))
        .Order(StringComparer.Ordinal).ToList();

    internal sealed record Subscriber(string Id, string Events);
    internal sealed record RecordRow(long Id, string Entity, string RecordId, string Operation, string? Before, string? After);
    // A record, not an anonymous object: Dapper.AOT 1.1.0 left this call (in a loop, inside an async method) to plain
    // Dapper without a word, which emits IL at run time and so failed in the native binary (NativeBuildTests guards it).
    internal sealed record Delivery(string Id, string WebhookId, long EventSeq, string RecordKey, string At);

    /// <summary>What one change did to one publishing record: its first before and last after image (if the row
    /// itself changed) and the link ids added and removed per link field.</summary>
    private sealed class Touched(string table, string id)
    {
        public string Table { get; } = table;
        public string Id { get; } = id;
        public bool RowChanged { get; set; }
        public string? Before { get; set; }
        public string? After { get; set; }
        public Dictionary<string, (SortedSet<string> Added, SortedSet<string> Removed)> Links { get; } = [];
    }

    public static async Task EnqueueAsync(DbConnection connection, DbTransaction transaction, long changeId, string at)
    {
        const string subscribersSql = "SELECT id, events FROM webhooks WHERE active = 1 ORDER BY created_at, id";
        var subscribers = (await connection.QueryAsync<Subscriber>(subscribersSql, transaction: transaction))
            .Select(s => (s.Id, Events: JsonSerializer.Deserialize(s.Events, CommonJsonContext.Default.StringArray) ?? [])).ToList();
        if (subscribers.Count == 0) return;

        const string recordsSql = """
            SELECT id, entity, record_id AS RecordId, operation, before, after FROM change_records
            WHERE change_id = @changeId ORDER BY id
            """;
        var touched = Collect(await connection.QueryAsync<RecordRow>(recordsSql, new { changeId }, transaction));
        foreach (var record in touched)
        {
            var payload = await BuildEventAsync(connection, transaction, record, changeId, at);
            if (payload is null) continue;
            var type = (string)payload["type"]!;
            var targets = subscribers.Where(s => s.Events.Contains("*") || s.Events.Contains(type)).ToList();
            if (targets.Count == 0) continue;

            const string eventSql = """
                INSERT INTO webhook_events (id, change_id, type, record_key, payload, created_at)
                VALUES (@id, @changeId, @type, @recordKey, @payload, @at)
                RETURNING seq
                """;
            var recordKey = $"{record.Table}/{record.Id}";
            var eventSeq = await connection.QuerySingleAsync<long>(eventSql,
                new { id = (string)payload["id"]!, changeId, type, recordKey, payload = payload.ToJsonString(CrmJson.Options), at }, transaction);
            const string deliverySql = """
                INSERT INTO webhook_deliveries (id, webhook_id, event_seq, record_key, next_attempt_at, created_at)
                VALUES (@Id, @WebhookId, @EventSeq, @RecordKey, @At, @At)
                """;
            foreach (var target in targets)
                await connection.ExecuteAsync(deliverySql, new Delivery(Ids.New(), target.Id, eventSeq, recordKey, at), transaction);
        }
    }

    private static List<Touched> Collect(IEnumerable<RecordRow> rows)
    {
        var touched = new Dictionary<(string, string), Touched>();
        Touched Get(string table, string id) =>
            touched.TryGetValue((table, id), out var t) ? t : touched[(table, id)] = new Touched(table, id);

        foreach (var row in rows)
        {
            var table = JournaledTables.Find(row.Entity);
            if (table?.WebhookEntity is not null)
            {
                var record = Get(row.Entity, row.RecordId);
                if (!record.RowChanged) record.Before = row.Before;
                record.RowChanged = true;
                record.After = row.After;
            }
            else if (table?.Link is { } link && JournaledTables.Find(link.ParentTable)?.WebhookEntity is not null)
            {
                // An update of a link row (a merge re-pointing it) is the old link removed and the new one added.
                void Apply(string? json, bool added)
                {
                    var image = json is null ? null : JsonNode.Parse(json);
                    if (image?[link.ParentColumn]?.ToString() is not { } parentId || image[link.ChildColumn]?.ToString() is not { } childId) return;
                    var parent = Get(link.ParentTable, parentId);
                    if (!parent.Links.TryGetValue(link.Field, out var delta))
                        parent.Links[link.Field] = delta = (new SortedSet<string>(StringComparer.Ordinal), new SortedSet<string>(StringComparer.Ordinal));
                    if (added && !delta.Removed.Remove(childId)) delta.Added.Add(childId);
                    if (!added && !delta.Added.Remove(childId)) delta.Removed.Add(childId);
                }
                Apply(row.Before, added: false);
                Apply(row.After, added: true);
            }
        }
        return touched.Values.ToList();
    }

    /// <summary>The body a receiver gets: event id, type, timestamp and the record; *.updated adds changed_fields
    /// (before and after of each field that changed). Null when nothing a receiver could see changed.</summary>
    private static async Task<JsonObject?> BuildEventAsync(DbConnection connection, DbTransaction transaction, Touched touched, long changeId, string at)
    {
        var entity = JournaledTables.Find(touched.Table)!.WebhookEntity!;
        if (!touched.RowChanged)
        {
            // Only links changed: the parent as it is now, unless it is gone.
            touched.Before = touched.After = await JournalTriggers.RowJsonAsync(connection, transaction, touched.Table, touched.Id);
            if (touched.After is null) return null;
        }
        var before = Visible(touched.Table, touched.Before);
        var after = Visible(touched.Table, touched.After);
        if (before is null && after is null) return null;
        var action = before is null ? "created" : after is null ? "deleted" : "updated";
        var record = (after ?? before)!;
        var changed = new JsonObject();
        if (action == "updated")
            foreach (var (name, value) in after!)
            {
                if (name == JournalTriggers.UpdatedAt || JsonNode.DeepEquals(before![name], value)) continue;
                changed[name] = new JsonObject { ["before"] = before[name]?.DeepClone(), ["after"] = value?.DeepClone() };
            }

        foreach (var link in JournaledTables.LinksOf(touched.Table).Select(t => (t.Name, t.Link!)))
        {
            if (!await SqlDialect.Of(connection).TableExistsAsync(connection, transaction, link.Name)) continue;
            touched.Links.TryGetValue(link.Item2.Field, out var delta);
            List<string> now;
            if (action == "deleted") now = delta.Removed?.ToList() ?? [];
            else
            {
                var sql = $"SELECT \"{link.Item2.ChildColumn}\" FROM \"{link.Name}\" WHERE \"{link.Item2.ParentColumn}\" = @id ORDER BY 1";
                now = (await connection.QueryAsync<string>(sql, new { id = touched.Id }, transaction)).ToList();
            }
            record[link.Item2.Field] = new JsonArray(now.Select(id => (JsonNode?)JsonValue.Create(id)).ToArray());
            if (action == "updated" && delta.Added is not null && delta.Removed is not null && delta.Added.Count + delta.Removed.Count > 0)
            {
                var previous = now.Except(delta.Added).Concat(delta.Removed).Order(StringComparer.Ordinal);
                changed[link.Item2.Field] = new JsonObject
                {
                    ["before"] = new JsonArray(previous.Select(id => (JsonNode?)JsonValue.Create(id)).ToArray()),
                    ["after"] = record[link.Item2.Field]!.DeepClone(),
                };
            }
        }
        if (action == "updated" && changed.Count == 0) return null;

        var data = new JsonObject
        {
            ["entity"] = entity,
            ["id"] = touched.Id,
            ["record"] = record,
            ["change_id"] = changeId,
        };
        if (action == "updated") data["changed_fields"] = changed;
        return new JsonObject
        {
            ["id"] = $"evt_{Guid.NewGuid():N}",
            ["type"] = $"{entity}.{action}",
            ["timestamp"] = at,
            ["data"] = data,
        };
    }

    /// <summary>Per table, the columns tool replies show as true/false (checkbox fields over a plain column, e.g.
    /// deals.is_draft); both dialects store them as 0/1, and a payload must not say 0 where get_deal says false.</summary>
    private static readonly ILookup<string, string> CheckboxColumns = (
        from schema in FieldRegistry.BuiltIn.Values
        let table = schema.From.Split(' ', 3)
        from field in schema.Fields
        where field.Type == FieldType.Checkbox && field.Sql == $"{table[1]}.{field.Name}"
        select (Table: table[0], Column: field.Name)).ToLookup(c => c.Table, c => c.Column);

    /// <summary>The row as tool replies type it, without its *_key columns: normalized match keys are internal, not
    /// part of the record.</summary>
    private static JsonObject? Visible(string table, string? json)
    {
        if (json is null) return null;
        var row = JsonNode.Parse(json)!.AsObject();
        foreach (var name in row.Select(p => p.Key).Where(k => k.EndsWith("_key", StringComparison.Ordinal)).ToList())
            row.Remove(name);
        foreach (var column in CheckboxColumns[table])
            if (row[column] is JsonValue flag && flag.TryGetValue<long>(out var number)) row[column] = number != 0;
        return row;
    }
}
