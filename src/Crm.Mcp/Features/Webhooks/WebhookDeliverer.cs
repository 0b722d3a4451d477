using System.Globalization;
using System.Text;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.Webhooks;

/// <summary>When to try again: exponential from FirstDelay, capped at MaxDelay, times a jitter factor in [0.5, 1)
/// so receivers coming back are not hit by every sender at once; dead once a failure happens GiveUpAfter past the
/// delivery's creation. A lease keeps two workers (serve and a CLI pass) from sending the same delivery at once; a
/// worker killed mid-send leaves the delivery pending, and it is sent again once the lease runs out.</summary>
public sealed record WebhookRetryPolicy
{
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromHours(1);
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromHours(24);
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(2);
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Delivered and dead deliveries are deleted this long after they were queued, and an event with them
    /// once no delivery refers to it: every write with a subscriber queues its full record, so history left forever
    /// would outgrow the CRM.</summary>
    public TimeSpan KeepHistory { get; init; } = TimeSpan.FromDays(30);
    /// <summary>How often a long-running worker prunes; a one-off pass (crm-mcp webhooks deliver) prunes every time.</summary>
    public TimeSpan PruneEvery { get; init; } = TimeSpan.FromHours(1);
    public Func<double> Jitter { get; init; } = Random.Shared.NextDouble;

    public TimeSpan DelayAfter(int attempts)
    {
        var exponential = FirstDelay.TotalSeconds * Math.Pow(2, Math.Min(attempts - 1, 30));
        var capped = Math.Min(exponential, MaxDelay.TotalSeconds);
        return TimeSpan.FromSeconds(capped * (0.5 + 0.5 * Math.Clamp(Jitter(), 0, 1)));
    }
}

public sealed record DeliveryPass(int Delivered, int Failed, int Dead);

/// <summary>
/// Sends due deliveries, oldest first, at least once and in order per record: a delivery waits while an earlier
/// one for the same webhook and record is still pending (a dead one no longer holds the line).
/// </summary>
public sealed class WebhookDeliverer(CrmDb db, HttpClient http, TimeProvider time, WebhookRetryPolicy policy)
{
    private const int BatchSize = 50;
    private const int PruneBatch = 500;
    private DateTimeOffset nextPruneAt = DateTimeOffset.MinValue;

    /// <summary>The client deliveries use: its handler refuses private targets at connect time (see WebhookTargets).</summary>
    public static HttpClient CreateHttpClient(WebhookRetryPolicy policy, bool allowPrivate) =>
        new(WebhookTargets.Handler(allowPrivate)) { Timeout = policy.RequestTimeout };

    internal sealed record Due(long Seq, string Id, string Url, string Secret, string EventId, string Type, string Payload, long Attempts, string CreatedAt);

    /// <summary>One pass: sends until nothing is due (a failed delivery is not due again within the pass).</summary>
    public async Task<DeliveryPass> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        if (time.GetUtcNow() >= nextPruneAt)
        {
            await PruneHistoryAsync(cancellationToken);
            nextPruneAt = time.GetUtcNow() + policy.PruneEvery;
        }
        int delivered = 0, failed = 0, dead = 0;
        while (true)
        {
            var batch = await ClaimAsync(cancellationToken);
            if (batch.Count == 0) return new DeliveryPass(delivered, failed, dead);
            foreach (var due in batch)
            {
                var (status, error) = await SendAsync(due, cancellationToken);
                var outcome = await RecordAsync(due, status, error, cancellationToken);
                if (outcome == "delivered") delivered++;
                else if (outcome == "dead") dead++;
                else failed++;
            }
        }
    }

    // Claimers (one per instance) take turns on this key; they never make the tool calls' writes wait (an unkeyed
    // write every PollInterval per instance would: it waits for every write in flight and holds up every new one).
    private static readonly WriteKeys ClaimKeys = new WriteKeys().Add("webhook", "claim");

    /// <summary>Claims due deliveries. A read comes first, outside any write: a CRM without webhooks, or with
    /// nothing due (nearly every poll), never takes the write lock, which every other process writing to a SQLite
    /// file would otherwise queue behind every PollInterval.</summary>
    private async Task<List<Due>> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = Clock.Format(time.GetUtcNow());
        const string anyDueSql = """
            SELECT EXISTS (SELECT 1 FROM webhook_deliveries
                           WHERE status = 'pending' AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now))
            """;
        var anyDue = await db.ReadAsync((connection, transaction) =>
            connection.ExecuteScalarAsync<bool>(anyDueSql, new { now }, transaction), cancellationToken);
        return anyDue ? await ClaimDueAsync(now, cancellationToken) : [];
    }

    private Task<List<Due>> ClaimDueAsync(string now, CancellationToken cancellationToken) =>
        db.WriteAsync(ClaimKeys, async (connection, transaction) =>
        {
            const string claimSql = """
                UPDATE webhook_deliveries SET lease_until = @leaseUntil
                WHERE seq IN (
                    SELECT d.seq FROM webhook_deliveries d
                    WHERE d.status = 'pending' AND d.next_attempt_at <= @now
                      AND (d.lease_until IS NULL OR d.lease_until <= @now)
                      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                                      WHERE e.webhook_id = d.webhook_id AND e.record_key = d.record_key
                                        AND e.status = 'pending' AND e.seq < d.seq)
                    ORDER BY d.seq LIMIT @BatchSize)
                RETURNING seq
                """;
            var seqs = (await connection.QueryAsync<long>(claimSql,
                new { now, leaseUntil = Clock.Format(time.GetUtcNow() + policy.Lease), BatchSize }, transaction)).ToList();
            if (seqs.Count == 0) return [];
            const string loadSql = """
                SELECT d.seq, d.id, w.url, w.secret, e.id AS EventId, e.type, e.payload, d.attempts, d.created_at AS CreatedAt
                FROM webhook_deliveries d
                JOIN webhooks w ON w.id = d.webhook_id
                JOIN webhook_events e ON e.seq = d.event_seq
                WHERE d.seq IN (SELECT CAST(value AS BIGINT) FROM json_each(@seqs)) ORDER BY d.seq
                """;
            return (await connection.QueryAsync<Due>(loadSql, new { seqs = SqlList.Json(seqs) }, transaction)).ToList();
        }, cancellationToken);

    /// <summary>Deletes deliveries and events older than KeepHistory, oldest first, a few hundred rows per write so
    /// tool calls never wait long behind it; returns how many deliveries and events went. Pending deliveries stay
    /// (they go dead first), and so does an event a delivery still refers to.</summary>
    public async Task<(long Deliveries, long Events)> PruneHistoryAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = Clock.Format(time.GetUtcNow() - policy.KeepHistory);
        // Rows are read in seq order, which is creation order, and the walk stops at the first one too young: it never
        // reads the recent history, however long it is.
        const string deliveriesSql = """
            SELECT seq, created_at < @cutoff AS Old, status <> 'pending' AS Finished
            FROM webhook_deliveries WHERE seq > @after ORDER BY seq LIMIT @PruneBatch
            """;
        const string deleteDeliveriesSql = """
            DELETE FROM webhook_deliveries
            WHERE seq IN (SELECT CAST(value AS BIGINT) FROM json_each(@seqs)) AND status <> 'pending'
            """;
        const string eventsSql = """
            SELECT e.seq, e.created_at < @cutoff AS Old,
                   NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = e.seq) AS Finished
            FROM webhook_events e WHERE e.seq > @after ORDER BY e.seq LIMIT @PruneBatch
            """;
        // Checked again under the write: a resend since the read may have given the event a new delivery.
        const string deleteEventsSql = """
            DELETE FROM webhook_events
            WHERE seq IN (SELECT CAST(value AS BIGINT) FROM json_each(@seqs))
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = webhook_events.seq)
            """;
        var deliveries = await PruneAsync(deliveriesSql, deleteDeliveriesSql, cutoff, cancellationToken);
        var events = await PruneAsync(eventsSql, deleteEventsSql, cutoff, cancellationToken);
        return (deliveries, events);
    }

    internal sealed record PruneRow(long Seq, bool Old, bool Finished);
    // A record, not an anonymous object: Dapper.AOT leaves anonymous arguments built in a loop to reflection (see WebhookOutbox.Delivery).
    internal sealed record PruneArgs(string cutoff, long after, int PruneBatch);
    internal sealed record PruneSeqs(string seqs);

    // Pruners take turns on their own key: tool calls' writes never wait for it beyond one batch.
    private static readonly WriteKeys PruneKeys = new WriteKeys().Add("webhook", "prune");

    /// <summary>Reads a batch outside any write and writes only when it found something to delete: a pass with
    /// nothing to prune (the usual case, and every start) takes no write lock.</summary>
    private async Task<long> PruneAsync(string readSql, string deleteSql, string cutoff, CancellationToken cancellationToken)
    {
        long after = 0, deleted = 0;
        while (true)
        {
            var rows = await db.ReadAsync(async (connection, transaction) =>
                (await connection.QueryAsync<PruneRow>(readSql, new PruneArgs(cutoff, after, PruneBatch), transaction)).ToList(), cancellationToken);
            var old = rows.TakeWhile(r => r.Old).ToList();
            var seqs = old.Where(r => r.Finished).Select(r => r.Seq).ToList();
            if (seqs.Count > 0)
                deleted += await db.WriteAsync(PruneKeys, (connection, transaction) =>
                    connection.ExecuteAsync(deleteSql, new PruneSeqs(SqlList.Json(seqs)), transaction), cancellationToken);
            if (old.Count < PruneBatch) return deleted;
            after = old[^1].Seq;
        }
    }

    private async Task<(int? Status, string? Error)> SendAsync(Due due, CancellationToken cancellationToken)
    {
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, due.Url)
        {
            Content = new StringContent(due.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookSignature.EventIdHeader, due.EventId);
        request.Headers.Add(WebhookSignature.EventTypeHeader, due.Type);
        request.Headers.Add(WebhookSignature.DeliveryIdHeader, due.Id);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp);
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(due.Secret, timestamp, due.Payload));
        request.Headers.UserAgent.ParseAdd($"crm-mcp-webhooks/{Hosting.CrmServer.Version}");
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var code = (int)response.StatusCode;
            return (code, code is >= 200 and < 300 ? null : $"HTTP {code} {response.ReasonPhrase}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, e is TaskCanceledException ? $"no response within {policy.RequestTimeout.TotalSeconds:0} s" : WebhookTargets.Describe(e));
        }
    }

    // The delivery's row is leased to this pass alone: its row lock is all the order an outcome needs.
    private Task<string> RecordAsync(Due due, int? status, string? error, CancellationToken cancellationToken) =>
        db.WriteAsync(new WriteKeys(), async (connection, transaction) =>
        {
            var now = time.GetUtcNow();
            var attempts = due.Attempts + 1;
            string outcome;
            string? next = null;
            if (error is null) outcome = "delivered";
            else if (now - DateTimeOffset.Parse(due.CreatedAt, CultureInfo.InvariantCulture) >= policy.GiveUpAfter) outcome = "dead";
            else
            {
                outcome = "pending";
                next = Clock.Format(now + policy.DelayAfter((int)attempts));
            }
            const string sql = """
                UPDATE webhook_deliveries
                SET status = @outcome, attempts = @attempts, last_status = @status, last_error = @error, lease_until = NULL,
                    next_attempt_at = COALESCE(@next, next_attempt_at),
                    delivered_at = CASE WHEN @outcome = 'delivered' THEN @nowIso ELSE delivered_at END
                WHERE seq = @Seq
                """;
            await connection.ExecuteAsync(sql, new { outcome, attempts, status, error, next, nowIso = Clock.Format(now), due.Seq }, transaction);
            return outcome;
        }, CancellationToken.None);
}
