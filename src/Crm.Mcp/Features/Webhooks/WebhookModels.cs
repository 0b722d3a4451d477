using System.ComponentModel;
using System.Text.Json;

namespace Crm.Mcp.Features.Webhooks;

public sealed record WebhookView(
    string Id,
    [property: Description("Where events are POSTed, e.g. https://example.com/hooks/crm.")] string Url,
    [property: Description("Subscribed event types, e.g. [\"deal.created\", \"deal.updated\"]; [\"*\"] is all.")] IReadOnlyList<string> Events,
    string? Description,
    [property: Description("false pauses new events for this webhook (already queued deliveries still go).")] bool Active,
    [property: Description("Deliveries waiting to be sent or retried.")] long PendingDeliveries,
    [property: Description("Deliveries that failed for over a day and were given up; resend_webhook_delivery retries one.")] long DeadDeliveries,
    string CreatedAt,
    string UpdatedAt);

public sealed record WebhookPage(
    IReadOnlyList<WebhookView> Items,
    [property: Description("How many webhooks exist in all pages.")] long Total,
    [property: Description("Pass as cursor to get the next page; null on the last page.")] string? NextCursor,
    bool HasMore);

public sealed record WebhookPageResponse(WebhookPage Data, bool Success);

public sealed record WebhookSecretData(
    WebhookView Webhook,
    [property: Description("The signing secret, shown only now (null when not rotated): store it where the receiver verifies X-Crm-Signature.")] string? Secret);

public sealed record WebhookSecretResponse(WebhookSecretData Data, bool Success);

public sealed record WebhookDeleted(string Id, string Url, [property: Description("Deliveries dropped with it, sent or not.")] long DeliveriesDeleted);

public sealed record WebhookDeletedResponse(WebhookDeleted Data, bool Success);

public sealed record DeliveryView(
    string Id,
    string WebhookId,
    string EventId,
    [property: Description("e.g. deal.updated.")] string EventType,
    [property: Description("pending (waiting or retrying), delivered, or dead (given up after retrying for over a day).")] string Status,
    long Attempts,
    [property: Description("When the next attempt is due (pending only).")] string? NextAttemptAt,
    [property: Description("HTTP status of the last attempt; null when no response came.")] long? LastStatus,
    string? LastError,
    string? DeliveredAt,
    string CreatedAt,
    [property: Description("The JSON body sent, exactly.")] JsonElement Payload);

public sealed record DeliveryPage(
    IReadOnlyList<DeliveryView> Items,
    [property: Description("Deliveries matching the filters in all pages: {value, relation}, relation \"eq\" (exact) or \"gte\" (at least).")] Lists.ListTotal Total,
    [property: Description("Pass as cursor to get the next page; null on the last page.")] string? NextCursor,
    bool HasMore);

public sealed record DeliveryPageResponse(DeliveryPage Data, bool Success);

public sealed record DeliveryResponse(DeliveryView Data, bool Success);
