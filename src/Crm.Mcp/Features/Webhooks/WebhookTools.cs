using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Crm.Mcp.Lists;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Webhooks;

[McpServerToolType]
public sealed class WebhookTools(CrmDb db, CrmSettings settings)
{
    private const string EventsExample = "[\"deal.created\", \"deal.updated\", \"contact.created\"]";
    private static string EventsForm => $"an array of event types from: {string.Join(", ", WebhookOutbox.EventTypes)}; or [\"*\"] for all";

    [McpServerTool(Name = "list_webhooks", Title = "List webhooks", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("List webhook subscriptions (secrets are never shown again) with their pending and dead delivery counts, oldest first; paged. Example: {\"limit\": 25}")]
    public async Task<WebhookPageResponse> ListWebhooks(
        [Description(ListDocs.Limit)] int? limit = null,
        [Description(ListDocs.Cursor)] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        var take = Validate.Limit(limit);
        var after = PageCursor.Decode(cursor, 2);
        var page = await db.ReadAsync((connection, transaction) =>
            WebhookSql.ListAsync(connection, transaction, take, after?[0], after?[1]), cancellationToken);
        var next = page.HasMore && page.Items.Count > 0 ? PageCursor.Encode(page.Items[^1].CreatedAt, page.Items[^1].Id) : null;
        return new WebhookPageResponse(new WebhookPage(page.Items, page.Total, next, page.HasMore), true);
    }

    [McpServerTool(Name = "create_webhook", Title = "Create webhook", ReadOnly = false, Destructive = false, Idempotent = false,
        OpenWorld = false, UseStructuredContent = true)]
    [Creates]
    [Description("""
        Subscribe a URL to CRM events (contact, deal, organization, service, task; .created/.updated/.deleted), POSTed
        as JSON {id, type, timestamp, data, changed_fields}, signed in X-Crm-Signature (HMAC-SHA256), retried for a day.
        The reply shows the signing secret ONCE: tell the user to store it.
        Example: {"url": "https://example.com/hooks/crm", "events": ["deal.created", "deal.updated"]}
        """)]
    public async Task<WebhookSecretResponse> CreateWebhook(
        [Description("http or https.")] string url,
        [Description("E.g. [\"deal.created\"]; [\"*\"] for all.")] string[] events,
        [Description("What it is for.")] string? description = null,
        CancellationToken cancellationToken = default)
    {
        var target = await UrlAsync(url, cancellationToken);
        var types = Events(events);
        var note = Validate.Text("description", description, 500, "\"Sync deals to billing\"");
        var secret = WebhookSignature.NewSecret();
        var id = Ids.New();
        var webhook = await db.WriteAsync(async (connection, transaction) =>
        {
            await WebhookSql.InsertAsync(connection, transaction, id, target, types, note, secret, Clock.NowIso());
            return (await WebhookSql.FindAsync(connection, transaction, id))!;
        }, cancellationToken);
        return new WebhookSecretResponse(new WebhookSecretData(webhook, secret), true);
    }

    [McpServerTool(Name = "update_webhook", Title = "Update webhook", ReadOnly = false, Destructive = false, Idempotent = false,
        OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Change a webhook's URL, events, description or active flag, or rotate its secret (the new one is shown once);
        fields left out stay. Example: {"webhook_id": "3f2b8a1e-...", "events": ["*"], "active": true}
        """)]
    public async Task<WebhookSecretResponse> UpdateWebhook(
        [Description("UUID from list_webhooks.")] string webhook_id,
        [Description("http or https.")] string? url = null,
        [Description("Replaces the list; [\"*\"] for all.")] string[]? events = null,
        [Description("What it is for.")] string? description = null,
        [Description("false pauses the webhook (no new events queued), true resumes it.")] bool? active = null,
        [Description("true: a new signing secret, shown once; the old one stops working.")] bool? rotate_secret = null,
        CancellationToken cancellationToken = default)
    {
        var id = Validate.Uuid("webhook_id", webhook_id)!;
        var target = url is null ? null : await UrlAsync(url, cancellationToken);
        var types = events is null ? null : Events(events);
        var note = Validate.Text("description", description, 500, "\"Sync deals to billing\"");
        var secret = rotate_secret == true ? WebhookSignature.NewSecret() : null;
        var webhook = await db.WriteAsync(async (connection, transaction) =>
        {
            _ = await WebhookSql.FindAsync(connection, transaction, id) ?? throw NotFound(id);
            await WebhookSql.UpdateAsync(connection, transaction, id, target, types, note, active, secret, Clock.NowIso());
            return (await WebhookSql.FindAsync(connection, transaction, id))!;
        }, cancellationToken);
        return new WebhookSecretResponse(new WebhookSecretData(webhook, secret), true);
    }

    [McpServerTool(Name = "delete_webhook", Title = "Delete webhook", ReadOnly = false, Destructive = true, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Delete a webhook subscription with its delivery history, irreversible; queued deliveries are dropped (to pause:
        update_webhook with active false). Example: {"webhook_id": "3f2b8a1e-..."}
        """)]
    public async Task<WebhookDeletedResponse> DeleteWebhook(
        [Description("UUID from list_webhooks.")] string webhook_id,
        CancellationToken cancellationToken = default)
    {
        var id = Validate.Uuid("webhook_id", webhook_id)!;
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var webhook = await WebhookSql.FindAsync(connection, transaction, id) ?? throw NotFound(id);
            var deliveries = await WebhookSql.DeleteAsync(connection, transaction, id);
            return new WebhookDeletedResponse(new WebhookDeleted(id, webhook.Url, deliveries), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "list_webhook_deliveries", Title = "List webhook deliveries", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("List webhook deliveries, newest first: status (pending, delivered, dead), attempts, last HTTP status or error, body sent. Example: {\"status\": \"dead\"}")]
    public async Task<DeliveryPageResponse> ListWebhookDeliveries(
        [Description("Only this webhook's deliveries (UUID).")] string? webhook_id = null,
        [Description("Only deliveries in this state: \"pending\", \"delivered\" or \"dead\".")] string? status = null,
        [Description("Only this event type, e.g. \"deal.updated\".")] string? event_type = null,
        [Description(ListDocs.Limit)] int? limit = null,
        [Description(ListDocs.Cursor)] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        var id = Validate.Uuid("webhook_id", webhook_id);
        if (status is not null && status is not ("pending" or "delivered" or "dead"))
            throw CrmError.Invalid("status", $"'{Validate.Shorten(status)}' is not a delivery status.", "one of \"pending\", \"delivered\", \"dead\"");
        if (event_type is not null && !WebhookOutbox.EventTypes.Contains(event_type))
            throw CrmError.Invalid("event_type", $"'{Validate.Shorten(event_type)}' is not an event type.", $"one of {string.Join(", ", WebhookOutbox.EventTypes)}");
        var take = Validate.Limit(limit);
        long? beforeSeq = null;
        if (PageCursor.Decode(cursor, 1) is [var last])
            beforeSeq = long.TryParse(last, out var parsed) ? parsed : throw CrmError.Invalid("cursor", "is not a cursor this list produced.", "the next_cursor value from the previous page, unchanged");
        var page = await db.ReadAsync((connection, transaction) => WebhookSql.ListDeliveriesAsync(connection, transaction,
            new WebhookSql.DeliveryFilter(id, status, event_type, take, beforeSeq)), cancellationToken);
        var next = page.HasMore && page.LastSeq is { } seq ? PageCursor.Encode(seq.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null;
        return new DeliveryPageResponse(new DeliveryPage(page.Items, page.Total, next, page.HasMore), true);
    }

    [McpServerTool(Name = "resend_webhook_delivery", Title = "Resend webhook delivery", ReadOnly = false, Destructive = false,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Queue a delivery's event again, due now: retry a dead one or replay a delivered one (same event id, so receivers
        can de-duplicate). Example: {"delivery_id": "3f2b8a1e-..."}
        """)]
    public async Task<DeliveryResponse> ResendWebhookDelivery(
        [Description("UUID from list_webhook_deliveries.")] string delivery_id,
        CancellationToken cancellationToken = default)
    {
        var id = Validate.Uuid("delivery_id", delivery_id)!;
        return await db.WriteAsync(async (connection, transaction) =>
        {
            _ = await WebhookSql.FindDeliveryAsync(connection, transaction, id)
                ?? throw new CrmError(ErrorCodes.NotFound, "delivery_id", $"delivery_id: no webhook delivery has id '{id}'.", "an id from list_webhook_deliveries");
            var newId = Ids.New();
            await WebhookSql.ResendAsync(connection, transaction, id, newId, Clock.NowIso());
            return new DeliveryResponse((await WebhookSql.FindDeliveryAsync(connection, transaction, newId))!, true);
        }, cancellationToken);
    }

    private static CrmError NotFound(string id) =>
        new(ErrorCodes.NotFound, "webhook_id", $"webhook_id: no webhook has id '{id}'.", "an id from list_webhooks");

    private async Task<string> UrlAsync(string url, CancellationToken cancellationToken)
    {
        var text = Validate.Text("url", url, 2000, "\"https://example.com/hooks/crm\"")!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
            throw CrmError.Invalid("url", $"'{Validate.Shorten(text)}' is not an absolute http(s) URL.", "a URL such as \"https://example.com/hooks/crm\"");
        if (!string.IsNullOrEmpty(uri.UserInfo))
            throw CrmError.Invalid("url", "must not carry credentials (user:password@).", "a URL without user info; the signature authenticates the sender");
        await WebhookTargets.CheckUrlAsync("url", uri, settings.AllowPrivateWebhooks, cancellationToken);
        return uri.AbsoluteUri;
    }

    private static IReadOnlyList<string> Events(string[]? events)
    {
        if (events is null || events.Length == 0)
            throw CrmError.Invalid("events", "needs at least one event type.", $"{EventsForm}, e.g. {EventsExample}");
        var list = new List<string>();
        for (var i = 0; i < events.Length; i++)
        {
            var type = events[i]?.Trim().ToLowerInvariant() ?? "";
            if (type != "*" && !WebhookOutbox.EventTypes.Contains(type))
                throw CrmError.Invalid($"events[{i}]", $"'{Validate.Shorten(events[i] ?? "null")}' is not an event type.", EventsForm);
            if (!list.Contains(type)) list.Add(type);
        }
        return list.Contains("*") ? ["*"] : list;
    }
}
