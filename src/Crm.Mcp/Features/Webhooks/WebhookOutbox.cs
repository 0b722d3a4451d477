using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Data;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Features.Webhooks;

/// <summary>
/// Turns a sealed change into webhook events and one pending delivery per subscribed webhook, inside the change's
/// own transaction: an event exists exactly when its change committed. Several row changes of one record in one
/// change collapse into one event (insert + update = created; update + delete = deleted; insert + delete = nothing).
/// </summary>
public static class WebhookOutbox
{
    public static readonly string[] Actions = ["created", "updated", "deleted"];

    /// <summary>Every event type a webhook can subscribe to, e.g. deal.updated; "*" subscribes to all.</summary>
    public static IReadOnlyList<string> EventTypes { get; } = JournaledTables.All
        .Where(t => t.WebhookEntity is not null)
        .SelectMany(t => Actions.Select(a => $"{t.WebhookEntity}.{a}"))
        .Order(StringComparer.Ordinal).ToList();

    private sealed record Subscriber(string Id, string Events);
    private sealed record RecordRow(long Id, string Entity, string RecordId, string? Before, string? After);

    public static async Task EnqueueAsync(SqliteConnection connection, SqliteTransaction transaction, long changeId, string at)
    {
        const string subscribersSql = "SELECT id, events FROM webhooks WHERE active = 1 ORDER BY created_at, id";
        var subscribers = (await connection.QueryAsync<Subscriber>(subscribersSql, transaction: transaction))
            .Select(s => (s.Id, Events: JsonSerializer.Deserialize<string[]>(s.Events) ?? [])).ToList();
        if (subscribers.Count == 0) return;

        const string recordsSql = """
            SELECT id, entity, record_id AS RecordId, before, after FROM change_records
            WHERE change_id = @changeId ORDER BY id
            """;
        var rows = await connection.QueryAsync<RecordRow>(recordsSql, new { changeId }, transaction);
        foreach (var group in rows.GroupBy(r => (r.Entity, r.RecordId)))
        {
            if (JournaledTables.Find(group.Key.Entity)?.WebhookEntity is not { } entity) continue;
            var payload = BuildEvent(entity, group.Key.RecordId, group.First().Before, group.Last().After, changeId, at);
            if (payload is null) continue;
            var type = (string)payload["type"]!;
            var targets = subscribers.Where(s => s.Events.Contains("*") || s.Events.Contains(type)).ToList();
            if (targets.Count == 0) continue;

            const string eventSql = """
                INSERT INTO webhook_events (id, change_id, type, record_key, payload, created_at)
                VALUES (@id, @changeId, @type, @recordKey, @payload, @at)
                RETURNING seq
                """;
            var recordKey = $"{group.Key.Entity}/{group.Key.RecordId}";
            var eventSeq = await connection.QuerySingleAsync<long>(eventSql,
                new { id = (string)payload["id"]!, changeId, type, recordKey, payload = payload.ToJsonString(), at }, transaction);
            const string deliverySql = """
                INSERT INTO webhook_deliveries (id, webhook_id, event_seq, record_key, next_attempt_at, created_at)
                VALUES (@id, @webhookId, @eventSeq, @recordKey, @at, @at)
                """;
            foreach (var target in targets)
                await connection.ExecuteAsync(deliverySql,
                    new { id = Guid.NewGuid().ToString(), webhookId = target.Id, eventSeq, recordKey, at }, transaction);
        }
    }

    /// <summary>The body a receiver gets: event id, type, timestamp and the record; *.updated adds changed_fields
    /// (before and after of each field that changed). Null when nothing a receiver could see changed.</summary>
    public static JsonObject? BuildEvent(string entity, string recordId, string? beforeJson, string? afterJson, long changeId, string at)
    {
        var before = Visible(beforeJson);
        var after = Visible(afterJson);
        string action;
        JsonObject? changed = null;
        if (before is null && after is null) return null;
        if (before is null) action = "created";
        else if (after is null) action = "deleted";
        else
        {
            action = "updated";
            changed = new JsonObject();
            foreach (var (name, value) in after)
            {
                if (name == JournalTriggers.UpdatedAt) continue;
                var old = before[name];
                if (JsonNode.DeepEquals(old, value)) continue;
                changed[name] = new JsonObject { ["before"] = old?.DeepClone(), ["after"] = value?.DeepClone() };
            }
            if (changed.Count == 0) return null;
        }
        var data = new JsonObject
        {
            ["entity"] = entity,
            ["id"] = recordId,
            ["record"] = (after ?? before)!.DeepClone(),
            ["change_id"] = changeId,
        };
        if (changed is not null) data["changed_fields"] = changed;
        return new JsonObject
        {
            ["id"] = $"evt_{Guid.NewGuid():N}",
            ["type"] = $"{entity}.{action}",
            ["timestamp"] = at,
            ["data"] = data,
        };
    }

    /// <summary>The row without its *_key columns: normalized match keys are internal, not part of the record.</summary>
    private static JsonObject? Visible(string? json)
    {
        if (json is null) return null;
        var row = JsonNode.Parse(json)!.AsObject();
        foreach (var name in row.Select(p => p.Key).Where(k => k.EndsWith("_key", StringComparison.Ordinal)).ToList())
            row.Remove(name);
        return row;
    }
}
