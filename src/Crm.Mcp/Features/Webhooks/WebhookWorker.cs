using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.Mcp.Features.Webhooks;

/// <summary>The delivery worker of a running server: a pass every PollInterval. A pass that fails (a locked or
/// broken database) is logged and retried on the next tick; deliveries stay pending, so nothing is lost.</summary>
public sealed class WebhookWorker(CrmDb db, CrmSettings settings, ILogger<WebhookWorker> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var policy = new WebhookRetryPolicy();
        using var http = WebhookDeliverer.CreateHttpClient(policy, settings.AllowPrivateWebhooks);
        var deliverer = new WebhookDeliverer(db, http, TimeProvider.System, policy);
        using var timer = new PeriodicTimer(PollInterval);
        do
        {
            try
            {
                var pass = await deliverer.RunOnceAsync(stoppingToken);
                if (pass.Delivered + pass.Failed + pass.Dead > 0)
                    logger.LogInformation("Webhooks: {Delivered} delivered, {Failed} to retry, {Dead} dead", pass.Delivered, pass.Failed, pass.Dead);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Webhook delivery pass failed; retrying in {Interval}", PollInterval);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
