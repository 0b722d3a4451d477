using System.Data.Common;
using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Lists;
using Dapper;

namespace Crm.Mcp.Features.Webhooks;

/// <summary>The webhook tables' SQL, each statement beside its Dapper call.</summary>
public static class WebhookSql
{
    internal sealed class WebhookRow
    {
        public string Id { get; init; } = "";
        public string Url { get; init; } = "";
        public string Events { get; init; } = "[]";
        public string? Description { get; init; }
        public bool Active { get; init; }
        public long PendingDeliveries { get; init; }
        public long DeadDeliveries { get; init; }
        public string CreatedAt { get; init; } = "";
        public string UpdatedAt { get; init; } = "";

        public WebhookView ToView() => new(Id, Url, JsonSerializer.Deserialize(Events, CommonJsonContext.Default.StringArray) ?? [], Description, Active,
            PendingDeliveries, DeadDeliveries, CreatedAt, UpdatedAt);
    }

    private const string SelectWebhook = """
        SELECT w.id, w.url, w.events, w.description, w.active, w.created_at AS CreatedAt, w.updated_at AS UpdatedAt,
               (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'pending') AS PendingDeliveries,
               (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'dead') AS DeadDeliveries
        FROM webhooks w
        """;

    public static async Task<WebhookView?> FindAsync(DbConnection connection, DbTransaction transaction, string id) =>
        (await connection.QuerySingleOrDefaultAsync<WebhookRow>(SelectWebhook + " WHERE w.id = @id", new { id }, transaction))?.ToView();

    /// <summary>Oldest first (the order they were added), keyset-paged on (created_at, id).</summary>
    public static async Task<(IReadOnlyList<WebhookView> Items, long Total, bool HasMore)> ListAsync(
        DbConnection connection, DbTransaction transaction, int limit, string? afterCreatedAt, string? afterId)
    {
        const string pageSql = SelectWebhook + """
             WHERE @afterCreatedAt IS NULL OR w.created_at > @afterCreatedAt OR (w.created_at = @afterCreatedAt AND w.id > @afterId)
             ORDER BY w.created_at, w.id
             LIMIT @take
            """;
        var total = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM webhooks", transaction: transaction);
        var rows = (await connection.QueryAsync<WebhookRow>(pageSql, new { afterCreatedAt, afterId, take = limit + 1 }, transaction)).ToList();
        var hasMore = rows.Count > limit;
        if (hasMore) rows.RemoveAt(rows.Count - 1);
        return (rows.Select(r => r.ToView()).ToList(), total, hasMore);
    }

    public static Task InsertAsync(DbConnection connection, DbTransaction transaction,
        string id, string url, IReadOnlyList<string> events, string? description, string secret, string now)
    {
        const string sql = """
            INSERT INTO webhooks (id, url, events, secret, description, active, created_at, updated_at)
            VALUES (@id, @url, @events, @secret, @description, 1, @now, @now)
            """;
        return connection.ExecuteAsync(sql, Parameters(id, url, events, secret, description, null, now), transaction);
    }

    /// <summary>Sets what is given (null leaves a field as it is).</summary>
    public static Task UpdateAsync(DbConnection connection, DbTransaction transaction, string id, string? url,
        IReadOnlyList<string>? events, string? description, bool? active, string? secret, string now)
    {
        const string sql = """
            UPDATE webhooks SET url = COALESCE(@url, url), events = COALESCE(@events, events),
                   description = COALESCE(@description, description), active = COALESCE(CAST(@active AS INTEGER), active),
                   secret = COALESCE(@secret, secret), updated_at = @now
            WHERE id = @id
            """;
        return connection.ExecuteAsync(sql, Parameters(id, url, events, secret, description, active, now), transaction);
    }

    // A named record: Dapper.AOT 1.1.0 left an anonymous object with these members to plain Dapper, without a diagnostic.
    internal sealed record WebhookParameters(string id, string? url, string? events, string? secret, string? description, bool? active, string now);

    private static WebhookParameters Parameters(string id, string? url, IReadOnlyList<string>? events, string? secret, string? description,
        bool? active, string now) =>
        new(id, url, events is null ? null : JsonSerializer.Serialize(events, CommonJsonContext.Default.IReadOnlyListString), secret, description, active, now);

    public static async Task<long> DeleteAsync(DbConnection connection, DbTransaction transaction, string id)
    {
        const string countSql = "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = @id";
        var deliveries = await connection.ExecuteScalarAsync<long>(countSql, new { id }, transaction);
        await connection.ExecuteAsync("DELETE FROM webhooks WHERE id = @id", new { id }, transaction);
        return deliveries;
    }

    internal sealed class DeliveryRow
    {
        public long Seq { get; init; }
        public string Id { get; init; } = "";
        public string WebhookId { get; init; } = "";
        public string EventId { get; init; } = "";
        public string EventType { get; init; } = "";
        public string Status { get; init; } = "";
        public long Attempts { get; init; }
        public string NextAttemptAt { get; init; } = "";
        public long? LastStatus { get; init; }
        public string? LastError { get; init; }
        public string? DeliveredAt { get; init; }
        public string CreatedAt { get; init; } = "";
        public string Payload { get; init; } = "{}";

        public DeliveryView ToView() => new(Id, WebhookId, EventId, EventType, Status, Attempts,
            Status == "pending" ? NextAttemptAt : null, LastStatus, LastError, DeliveredAt, CreatedAt,
            JsonDocument.Parse(Payload).RootElement.Clone());
    }

    private const string SelectDelivery = """
        SELECT d.seq, d.id, d.webhook_id AS WebhookId, e.id AS EventId, e.type AS EventType, d.status, d.attempts,
               d.next_attempt_at AS NextAttemptAt, d.last_status AS LastStatus, d.last_error AS LastError,
               d.delivered_at AS DeliveredAt, d.created_at AS CreatedAt, e.payload
        FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq
        """;

    public sealed record DeliveryFilter(string? WebhookId, string? Status, string? EventType, int Limit, long? BeforeSeq);

    /// <summary>Newest first, keyset-paged on the delivery's sequence number.</summary>
    public static async Task<(IReadOnlyList<DeliveryView> Items, ListTotal Total, bool HasMore, long? LastSeq)> ListDeliveriesAsync(
        DbConnection connection, DbTransaction transaction, DeliveryFilter filter)
    {
        const string where = """
             WHERE (@WebhookId IS NULL OR d.webhook_id = @WebhookId)
               AND (@Status IS NULL OR d.status = @Status)
               AND (@EventType IS NULL OR e.type = @EventType)
            """;
        // Counted as lists count theirs (ListEngine.ExactTotalUpTo): a busy webhook's month of history is not read per page.
        const string countSql = "SELECT COUNT(*) FROM (SELECT 1 AS one FROM webhook_deliveries d JOIN webhook_events e ON e.seq = d.event_seq" + where + "\n LIMIT @Bound) AS matches";
        const string pageSql = SelectDelivery + where + """
               AND (@BeforeSeq IS NULL OR d.seq < @BeforeSeq)
             ORDER BY d.seq DESC
             LIMIT @Take
            """;
        var args = new { filter.WebhookId, filter.Status, filter.EventType, filter.BeforeSeq, Take = filter.Limit + 1, Bound = ListEngine.ExactTotalUpTo + 1 };
        var rows = (await connection.QueryAsync<DeliveryRow>(pageSql, args, transaction)).ToList();
        var hasMore = rows.Count > filter.Limit;
        if (hasMore) rows.RemoveAt(rows.Count - 1);
        // A first page that holds every match is its own exact total.
        var counted = filter.BeforeSeq is null && !hasMore ? rows.Count : await connection.ExecuteScalarAsync<long>(countSql, args, transaction);
        return (rows.Select(r => r.ToView()).ToList(), ListTotal.Counted(counted, ListEngine.ExactTotalUpTo), hasMore, rows.LastOrDefault()?.Seq);
    }

    public static async Task<DeliveryView?> FindDeliveryAsync(DbConnection connection, DbTransaction transaction, string id) =>
        (await connection.QuerySingleOrDefaultAsync<DeliveryRow>(SelectDelivery + " WHERE d.id = @id", new { id }, transaction))?.ToView();

    /// <summary>A new pending delivery of the same event to the same webhook, due now; the old one keeps its history.</summary>
    public static Task ResendAsync(DbConnection connection, DbTransaction transaction, string deliveryId, string newId, string now)
    {
        const string sql = """
            INSERT INTO webhook_deliveries (id, webhook_id, event_seq, record_key, next_attempt_at, created_at)
            SELECT @newId, webhook_id, event_seq, record_key, @now, @now FROM webhook_deliveries WHERE id = @deliveryId
            """;
        return connection.ExecuteAsync(sql, new { deliveryId, newId, now }, transaction);
    }
}
