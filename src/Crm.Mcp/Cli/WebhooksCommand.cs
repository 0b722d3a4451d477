using System.CommandLine;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Webhooks;

namespace Crm.Mcp.Cli;

/// <summary>`crm-mcp webhooks ...`: the webhook tools from a shell (same validation, same JSON on stdout), plus
/// `deliver`, one delivery pass for cron or when no server is running.</summary>
public static class WebhooksCommand
{
    public static Command Build()
    {
        var webhooks = new Command("webhooks", "Manage webhook subscriptions and deliveries; `deliver` sends what is due");

        var list = Command("list", "List webhooks (JSON)");
        list.SetAction((parse, ct) => Run(parse, ct, tools => tools.ListWebhooks(100, null, ct)));

        var url = new Option<string>("--url") { Description = "Receiver URL, e.g. https://example.com/hooks/crm", Required = true };
        var events = new Option<string[]>("--events")
        {
            Description = $"Event types, comma-separated, or * for all: {string.Join(", ", WebhookOutbox.EventTypes)}",
            Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var description = new Option<string?>("--description") { Description = "What the webhook is for" };
        var create = Command("create", "Create a webhook; prints its signing secret once", url, events, description);
        create.SetAction((parse, ct) => Run(parse, ct, tools =>
            tools.CreateWebhook(parse.GetValue(url)!, Split(parse.GetValue(events)) ?? [], parse.GetValue(description), ct)));

        var id = new Argument<string>("webhook-id") { Description = "The webhook's id (see `webhooks list`)" };
        var newUrl = new Option<string?>("--url") { Description = "New receiver URL" };
        var newEvents = new Option<string[]?>("--events") { Description = "New event types, comma-separated", AllowMultipleArgumentsPerToken = true };
        var active = new Option<bool?>("--active") { Description = "false pauses the webhook, true resumes it" };
        var rotate = new Option<bool>("--rotate-secret") { Description = "Generate a new signing secret (printed once)" };
        var update = Command("update", "Change a webhook", id, newUrl, newEvents, description, active, rotate);
        update.SetAction((parse, ct) => Run(parse, ct, tools => tools.UpdateWebhook(parse.GetValue(id)!, parse.GetValue(newUrl),
            Split(parse.GetValue(newEvents)), parse.GetValue(description), parse.GetValue(active), parse.GetValue(rotate), ct)));

        var delete = Command("delete", "Delete a webhook and its delivery history (irreversible)", id);
        delete.SetAction((parse, ct) => Run(parse, ct, tools => tools.DeleteWebhook(parse.GetValue(id)!, ct)));

        var webhookFilter = new Option<string?>("--webhook") { Description = "Only this webhook's deliveries" };
        var status = new Option<string?>("--status") { Description = "pending, delivered or dead" };
        var eventType = new Option<string?>("--event-type") { Description = "e.g. deal.updated" };
        var limit = new Option<int?>("--limit") { Description = "How many, 1 to 100 (default 25)" };
        var deliveries = Command("deliveries", "List deliveries, newest first (JSON)", webhookFilter, status, eventType, limit);
        deliveries.SetAction((parse, ct) => Run(parse, ct, tools => tools.ListWebhookDeliveries(parse.GetValue(webhookFilter),
            parse.GetValue(status), parse.GetValue(eventType), parse.GetValue(limit), null, ct)));

        var deliveryId = new Argument<string>("delivery-id") { Description = "The delivery's id (see `webhooks deliveries`)" };
        var resend = Command("resend", "Queue a delivery's event again, due now", deliveryId);
        resend.SetAction((parse, ct) => Run(parse, ct, tools => tools.ResendWebhookDelivery(parse.GetValue(deliveryId)!, ct)));

        var deliver = Command("deliver", "Send every delivery that is due, once, then exit (the server does this continuously)");
        deliver.SetAction(async (parse, ct) =>
        {
            var (db, settings) = await OpenAsync(parse, ct);
            var policy = new WebhookRetryPolicy();
            using var http = WebhookDeliverer.CreateHttpClient(policy, settings.AllowPrivateWebhooks);
            var pass = await new WebhookDeliverer(db, http, TimeProvider.System, policy).RunOnceAsync(ct);
            Console.Error.WriteLine($"webhooks: {pass.Delivered} delivered, {pass.Failed} to retry, {pass.Dead} dead");
            return 0;
        });

        foreach (var sub in new[] { list, create, update, delete, deliveries, resend, deliver }) webhooks.Add(sub);
        return webhooks;
    }

    private static Command Command(string name, string description, params Symbol[] symbols)
    {
        var command = new Command(name, description) { CrmCli.Db };
        foreach (var symbol in symbols)
        {
            if (symbol is Option option) command.Add(option);
            else if (symbol is Argument argument) command.Add(argument);
        }
        return command;
    }

    /// <summary>Comma-separated or repeated values; an option not given (System.CommandLine: empty array) is null.</summary>
    private static string[]? Split(string[]? values) =>
        values is null || values.Length == 0 ? null
            : values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();

    private static async Task<(CrmDb, CrmSettings)> OpenAsync(ParseResult parse, CancellationToken ct)
    {
        var settings = new CrmSettings { DatabasePath = DatabasePath.Resolve(parse.GetValue(CrmCli.Db)) };
        var db = new CrmDb(settings.DatabasePath);
        await new Migrator(db).MigrateAsync(ct);
        return (db, settings);
    }

    private static async Task<int> Run<T>(ParseResult parse, CancellationToken ct, Func<WebhookTools, Task<T>> call)
    {
        try
        {
            var (db, settings) = await OpenAsync(parse, ct);
            var result = await call(new WebhookTools(db, settings));
            Console.Out.WriteLine(CrmJson.Serialize(result));
            return 0;
        }
        catch (CrmError error)
        {
            return CrmCli.Fail(error.Message + (error.Expected is null ? "" : $" Expected {error.Expected}."));
        }
    }
}
