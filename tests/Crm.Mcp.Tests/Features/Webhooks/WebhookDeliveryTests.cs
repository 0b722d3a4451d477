using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Features.Webhooks;
using Crm.Mcp.Tests.Features.Journal;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Features.Webhooks;

/// <summary>Deliveries to a real HTTP receiver on 127.0.0.1, with a hand-moved clock for backoff and leases.</summary>
public sealed class WebhookDeliveryTests
{
    // Jitter 0 makes each delay exactly half the exponential step: 15 s, 30 s, 60 s, ... capped at 30 min.
    private static readonly WebhookRetryPolicy Policy = new() { Jitter = () => 0, RequestTimeout = TimeSpan.FromSeconds(30) };

    private static async Task<string> SubscribeAsync(TestServer server, string url, params string[] events)
    {
        var created = await server.CallOkAsync("create_webhook", new { url, events = events.Length == 0 ? ["*"] : events });
        return created.GetProperty("data").GetProperty("secret").GetString()!;
    }

    /// <summary>A server whose settings allow private webhook targets, as CRM_MCP_ALLOW_PRIVATE_WEBHOOKS=1 does: the
    /// receivers here listen on 127.0.0.1.</summary>
    private static Task<TestServer> StartAsync() =>
        TestServer.StartAsync(settings => new Crm.Mcp.Hosting.ServeOptions { Settings = settings with { AllowPrivateWebhooks = true }, Toolsets = [Crm.Mcp.Hosting.ToolCatalog.AllToolsets] });

    private static WebhookDeliverer Deliverer(TestServer server, HttpClient http, TimeProvider time) => new(server.Db, http, time, Policy);

    private static async Task<List<(string Status, long Attempts, string? Error)>> DeliveriesAsync(TestServer server)
    {
        await using var connection = await server.Db.OpenAsync();
        return (await connection.QueryAsync<(string, long, string?)>("SELECT status, attempts, last_error FROM webhook_deliveries ORDER BY seq")).ToList();
    }

    private static JsonNode Body(TestReceiver.Received received) => JsonNode.Parse(received.Body)!;

    [Fact]
    public async Task Events_arrive_signed_and_the_signature_verifies()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await StartAsync();
        var secret = await SubscribeAsync(server, receiver.Url);
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", people = new object[] { new { name = "Jane", email = "jane@acme.com" } } });

        using var http = new HttpClient();
        var time = ManualClock.StartingNow();
        var pass = await Deliverer(server, http, time).RunOnceAsync(TestContext.Current.CancellationToken);
        Assert.Equal(new DeliveryPass(3, 0, 0), pass);

        var received = receiver.All;
        Assert.Equal(["organization.created", "contact.created", "deal.created"], received.Select(r => (string)Body(r)["type"]!).ToArray());
        foreach (var request in received)
        {
            var body = Body(request);
            Assert.Equal((string)body["id"]!, request.Headers[WebhookSignature.EventIdHeader]);
            Assert.Equal((string)body["type"]!, request.Headers[WebhookSignature.EventTypeHeader]);
            Assert.StartsWith("application/json", request.Headers["Content-Type"]);
            Assert.NotNull((string?)body["timestamp"]);
            var signature = request.Headers[WebhookSignature.SignatureHeader];
            var timestamp = request.Headers[WebhookSignature.TimestampHeader];
            Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds().ToString(), timestamp);
            Assert.True(WebhookSignature.Verify(secret, signature, timestamp, request.Body, time.GetUtcNow(), TimeSpan.FromMinutes(5)));
            Assert.False(WebhookSignature.Verify(secret, signature, timestamp, request.Body + " ", time.GetUtcNow(), TimeSpan.FromMinutes(5)));
            Assert.False(WebhookSignature.Verify("whsec_wrong", signature, timestamp, request.Body, time.GetUtcNow(), TimeSpan.FromMinutes(5)));
            Assert.False(WebhookSignature.Verify(secret, signature, timestamp, request.Body, time.GetUtcNow().AddHours(1), TimeSpan.FromMinutes(5)));
        }
        var deal = Body(received[2])["data"]!;
        Assert.Equal("deal", (string?)deal["entity"]);
        Assert.Equal("Acme deal", (string?)deal["record"]!["name"]);
        Assert.Null(Body(received[0])["data"]!["record"]!["name_key"]); // internal match keys are not published
        Assert.All(await DeliveriesAsync(server), d => Assert.Equal(("delivered", 1L), (d.Status, d.Attempts)));
    }

    [Fact]
    public async Task Only_subscribed_types_are_queued_and_updated_events_carry_the_changed_fields()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await StartAsync();
        await SubscribeAsync(server, receiver.Url, "deal.updated");
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 10 });
        await JournalTests.WriteSqlAsync(server.Db, "UPDATE deals SET amount_minor = 2000, updated_at = '2030-01-01T00:00:00.000Z'");

        using var http = new HttpClient();
        await Deliverer(server, http, ManualClock.StartingNow()).RunOnceAsync(TestContext.Current.CancellationToken);
        var update = Body(Assert.Single(receiver.All));
        Assert.Equal("deal.updated", (string?)update["type"]);
        var changed = update["data"]!["changed_fields"]!.AsObject();
        Assert.Equal(["amount_minor"], changed.Select(p => p.Key).ToArray());
        Assert.Equal(1000, (long)changed["amount_minor"]!["before"]!);
        Assert.Equal(2000, (long)changed["amount_minor"]!["after"]!);
        Assert.Equal(2000, (long)update["data"]!["record"]!["amount_minor"]!);
    }

    [Fact]
    public async Task Delivery_history_is_kept_thirty_days_and_pending_deliveries_keep_their_events()
    {
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await StartAsync();
        await SubscribeAsync(server, receiver.Url);
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        using var http = new HttpClient();
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(new DeliveryPass(2, 0, 0), await Deliverer(server, http, ManualClock.StartingNow()).RunOnceAsync(ct));
        var delivered = (await server.CallOkAsync("list_webhook_deliveries", new { event_type = "deal.created" })).GetProperty("data").GetProperty("items")[0];
        await server.CallOkAsync("resend_webhook_delivery", new { delivery_id = delivered.GetProperty("id").GetString() });

        var clock = ManualClock.StartingNow();
        clock.Advance(TimeSpan.FromDays(29));
        Assert.Equal((0L, 0L), await Deliverer(server, http, clock).PruneHistoryAsync(ct));
        clock.Advance(TimeSpan.FromDays(2));
        // The two delivered ones go with the organization's event; the resent one is pending, so it and its event stay.
        Assert.Equal((2L, 1L), await Deliverer(server, http, clock).PruneHistoryAsync(ct));
        Assert.Equal(("pending", 0L), (await DeliveriesAsync(server)).Select(d => (d.Status, d.Attempts)).Single());
        Assert.Equal(1, await server.Database.CountAsync("webhook_events"));
        Assert.Equal((0L, 0L), await Deliverer(server, http, clock).PruneHistoryAsync(ct));
    }

    [Fact]
    public async Task Pruning_walks_history_longer_than_one_batch_and_stops_at_the_first_recent_delivery()
    {
        await using var server = await StartAsync();
        await SubscribeAsync(server, "http://127.0.0.1:9/never");
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        // 1,300 delivered deliveries of their own events from 40 days ago, then one from today.
        await JournalTests.WriteSqlAsync(server.Db, """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1300)
            INSERT INTO webhook_events (id, change_id, type, record_key, payload, created_at)
            SELECT 'old-' || i, e.change_id, e.type, e.record_key, e.payload, '2000-01-01T00:00:00.000Z'
            FROM n CROSS JOIN (SELECT * FROM webhook_events ORDER BY seq LIMIT 1) AS e
            """);
        await JournalTests.WriteSqlAsync(server.Db, """
            INSERT INTO webhook_deliveries (id, webhook_id, event_seq, record_key, status, next_attempt_at, created_at)
            SELECT 'old-' || e.seq, w.id, e.seq, e.record_key, 'delivered', e.created_at, e.created_at
            FROM webhook_events e CROSS JOIN webhooks w WHERE e.id LIKE 'old-%' ORDER BY e.seq
            """);
        await JournalTests.WriteSqlAsync(server.Db, "UPDATE webhook_deliveries SET created_at = '2000-01-01T00:00:00.000Z' WHERE id NOT LIKE 'old-%'");
        await JournalTests.WriteSqlAsync(server.Db, "UPDATE webhook_events SET created_at = '2000-01-01T00:00:00.000Z' WHERE id NOT LIKE 'old-%'");
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" });

        using var http = new HttpClient();
        var (deliveries, events) = await Deliverer(server, http, ManualClock.StartingNow()).PruneHistoryAsync(TestContext.Current.CancellationToken);
        // The first draft's two deliveries are still pending (never sent): they and their events stay.
        Assert.Equal((1300L, 1300L), (deliveries, events));
        Assert.Equal(4, await server.Database.CountAsync("webhook_deliveries"));
        Assert.Equal(4, await server.Database.CountAsync("webhook_events"));
    }

    [Fact]
    public async Task A_pass_with_nothing_due_takes_no_write_lock()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("SQLite's file write lock; PostgreSQL claimers take a keyed lock of their own");
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await StartAsync();
        await SubscribeAsync(server, receiver.Url);
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        using var http = new HttpClient();
        var time = ManualClock.StartingNow();
        Assert.Equal(new DeliveryPass(2, 0, 0), await Deliverer(server, http, time).RunOnceAsync(ct));

        // Another process holds the file's write lock: a poll that finds nothing due answers without waiting for it.
        await using var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={server.Database.Path}");
        await other.OpenAsync(ct);
        await other.ExecuteAsync("BEGIN IMMEDIATE");
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(20));
        Assert.Equal(new DeliveryPass(0, 0, 0), await Deliverer(server, http, time).RunOnceAsync(bounded.Token));
        await other.ExecuteAsync("ROLLBACK");
    }

    [Fact]
    public async Task An_update_that_changes_nothing_sends_nothing()
    {
        await using var server = await StartAsync();
        await SubscribeAsync(server, "http://127.0.0.1:9/never");
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        var events = await server.Database.CountAsync("webhook_events");
        await JournalTests.WriteSqlAsync(server.Db, "UPDATE deals SET name = name, updated_at = '2030-01-01T00:00:00.000Z'");
        await JournalTests.WriteSqlAsync(server.Db, "UPDATE companies SET name = name");
        Assert.Equal(events, await server.Database.CountAsync("webhook_events"));
        Assert.Equal(events, await server.Database.CountAsync("webhook_deliveries"));
    }

    [Fact]
    public async Task A_delivery_is_retried_with_backoff_and_arrives_once_the_receiver_is_back()
    {
        var port = TestReceiver.FreePort();
        await using var server = await StartAsync();
        var secret = await SubscribeAsync(server, $"http://127.0.0.1:{port}/hooks", "deal.created");
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        using var http = new HttpClient();
        var time = ManualClock.StartingNow();
        var deliverer = Deliverer(server, http, time);
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(new DeliveryPass(0, 1, 0), await deliverer.RunOnceAsync(ct));
        var (status, attempts, error) = Assert.Single(await DeliveriesAsync(server));
        Assert.Equal(("pending", 1L), (status, attempts));
        Assert.False(string.IsNullOrEmpty(error));
        time.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(new DeliveryPass(0, 0, 0), await deliverer.RunOnceAsync(ct)); // not due yet: 15 s after attempt 1
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new DeliveryPass(0, 1, 0), await deliverer.RunOnceAsync(ct)); // attempt 2 fails too; next in 30 s

        await using var receiver = await TestReceiver.StartAsync(port);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(new DeliveryPass(1, 0, 0), await deliverer.RunOnceAsync(ct));
        var request = Assert.Single(receiver.All);
        Assert.True(WebhookSignature.Verify(secret, request.Headers[WebhookSignature.SignatureHeader],
            request.Headers[WebhookSignature.TimestampHeader], request.Body, time.GetUtcNow(), TimeSpan.FromMinutes(5)));
        Assert.Equal(("delivered", 3L, (string?)null), Assert.Single(await DeliveriesAsync(server)));
    }

    [Fact]
    public async Task A_delivery_failing_for_a_day_goes_dead_and_can_be_resent()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.Respond = () => 500;
        await using var server = await StartAsync();
        await SubscribeAsync(server, receiver.Url, "deal.created");
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        using var http = new HttpClient();
        var time = ManualClock.StartingNow();
        var start = time.Now;
        var deliverer = Deliverer(server, http, time);
        var ct = TestContext.Current.CancellationToken;

        DeliveryPass pass;
        var rounds = 0;
        do
        {
            pass = await deliverer.RunOnceAsync(ct);
            await using var connection = await server.Db.OpenAsync(ct);
            var next = await connection.ExecuteScalarAsync<string>("SELECT next_attempt_at FROM webhook_deliveries");
            time.Set(DateTimeOffset.Parse(next!, System.Globalization.CultureInfo.InvariantCulture));
        } while (pass.Dead == 0 && ++rounds < 200);

        var (status, attempts, error) = Assert.Single(await DeliveriesAsync(server));
        Assert.Equal("dead", status);
        Assert.Equal("HTTP 500 Internal Server Error", error);
        Assert.Equal(attempts, receiver.All.Count);
        Assert.InRange(attempts, 30, 80); // exponential, then every 30 min (jitter 0) until a day has passed
        var lastAttempt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(receiver.All[^1].Headers[WebhookSignature.TimestampHeader]));
        Assert.True(lastAttempt - start >= TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.True(lastAttempt - start < TimeSpan.FromHours(25));

        var dead = (await server.CallOkAsync("list_webhook_deliveries", new { status = "dead" })).GetProperty("data");
        var deadDelivery = Assert.Single(dead.GetProperty("items").EnumerateArray());
        Assert.Equal(500, deadDelivery.GetProperty("last_status").GetInt64());
        Assert.Equal(1, (await server.CallOkAsync("list_webhooks")).GetProperty("data").GetProperty("items")[0].GetProperty("dead_deliveries").GetInt64());

        receiver.Respond = () => 204;
        var resent = (await server.CallOkAsync("resend_webhook_delivery", new { delivery_id = deadDelivery.GetProperty("id").GetString() })).GetProperty("data");
        Assert.Equal("pending", resent.GetProperty("status").GetString());
        Assert.Equal(deadDelivery.GetProperty("event_id").GetString(), resent.GetProperty("event_id").GetString());
        time.Set(DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(new DeliveryPass(1, 0, 0), await deliverer.RunOnceAsync(ct));
        Assert.Equal(Body(receiver.All[0])["id"]!.ToString(), Body(receiver.All[^1])["id"]!.ToString());
    }

    [Fact]
    public async Task Events_of_one_record_arrive_in_order_even_when_the_first_one_fails()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var calls = 0;
        receiver.Respond = () => Interlocked.Increment(ref calls) == 1 ? 503 : 200;
        await using var server = await StartAsync();
        await SubscribeAsync(server, receiver.Url, "deal.created", "deal.updated", "deal.deleted");
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        await JournalTests.WriteSqlAsync(server.Db, "UPDATE deals SET name = 'Second'");
        await JournalTests.WriteSqlAsync(server.Db, "UPDATE deals SET name = 'Third'");
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" }); // another record: not held back
        await JournalTests.WriteSqlAsync(server.Db, "DELETE FROM deals WHERE name = 'Third'");
        using var http = new HttpClient();
        var time = ManualClock.StartingNow();
        var deliverer = Deliverer(server, http, time);
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(new DeliveryPass(1, 1, 0), await deliverer.RunOnceAsync(ct));
        Assert.Equal(["deal.created", "deal.created"], receiver.All.Select(r => (string)Body(r)["type"]!).ToArray());
        Assert.Equal("Globex deal", (string?)Body(receiver.All[1])["data"]!["record"]!["name"]);

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(new DeliveryPass(4, 0, 0), await deliverer.RunOnceAsync(ct));
        var acme = receiver.All.Where(r => (string?)Body(r)["data"]!["record"]!["company_id"] != (string?)Body(receiver.All[1])["data"]!["record"]!["company_id"])
            .Select(r => $"{Body(r)["type"]}:{Body(r)["data"]!["record"]!["name"]}").ToArray();
        Assert.Equal(["deal.created:Acme deal", "deal.created:Acme deal", "deal.updated:Second", "deal.updated:Third", "deal.deleted:Third"], acme);
    }

    [Fact]
    public async Task Nothing_is_lost_when_the_delivering_process_is_killed_mid_request()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await TestReceiver.StartAsync();
        var release = new TaskCompletionSource();
        receiver.Hold = release.Task;
        await using var server = await StartAsync();
        await SubscribeAsync(server, receiver.Url, "deal.created");
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });

        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "crm-mcp.dll"), "webhooks", "deliver", "--db", server.Database.Path },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { [Crm.Mcp.Common.CrmSettings.AllowPrivateWebhooksVariable] = "1" },
        };
        using var child = Process.Start(start)!;
        try
        {
            var first = await receiver.NextAsync(); // the child is now waiting for our answer
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync(ct);
            receiver.Hold = null;
            release.SetResult();

            Assert.Equal(("pending", 0L, (string?)null), Assert.Single(await DeliveriesAsync(server)));
            using var http = new HttpClient();
            var time = ManualClock.StartingNow();
            var deliverer = Deliverer(server, http, time);
            Assert.Equal(new DeliveryPass(0, 0, 0), await deliverer.RunOnceAsync(ct)); // the dead worker's lease still holds
            time.Advance(Policy.Lease + TimeSpan.FromSeconds(1));
            Assert.Equal(new DeliveryPass(1, 0, 0), await deliverer.RunOnceAsync(ct));

            Assert.Equal(2, receiver.All.Count); // at least once: the same event again, receivers de-duplicate by id
            Assert.Equal(first.Headers[WebhookSignature.EventIdHeader], receiver.All[1].Headers[WebhookSignature.EventIdHeader]);
            Assert.Equal(("delivered", 1L, (string?)null), Assert.Single(await DeliveriesAsync(server)));
        }
        finally
        {
            if (!child.HasExited) child.Kill(entireProcessTree: true);
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task Delivery_refuses_a_target_that_resolves_to_a_private_address_when_it_connects()
    {
        // Created while the name still looked public (here: while private targets were allowed); by delivery time it
        // resolves to loopback, as with DNS rebinding. The connect step checks the address it is about to use.
        await using var receiver = await TestReceiver.StartAsync();
        await using var server = await StartAsync();
        var port = new Uri(receiver.Url).Port;
        await SubscribeAsync(server, $"http://localhost:{port}/hooks", "deal.created");
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });

        using (var guarded = WebhookDeliverer.CreateHttpClient(Policy, allowPrivate: false))
            Assert.Equal(new DeliveryPass(0, 1, 0), await Deliverer(server, guarded, ManualClock.StartingNow()).RunOnceAsync(TestContext.Current.CancellationToken));
        Assert.Empty(receiver.All);
        var error = (await server.CallOkAsync("list_webhook_deliveries")).GetProperty("data").GetProperty("items")[0].GetProperty("last_error").GetString()!;
        Assert.StartsWith("refused: the host resolves to a loopback address", error);
        Assert.DoesNotContain("127.0.0.1", error);
        Assert.DoesNotContain(port.ToString(), error);

        var time = ManualClock.StartingNow();
        time.Advance(TimeSpan.FromHours(1));
        using var allowed = WebhookDeliverer.CreateHttpClient(Policy, allowPrivate: true);
        Assert.Equal(new DeliveryPass(1, 0, 0), await Deliverer(server, allowed, time).RunOnceAsync(TestContext.Current.CancellationToken));
        Assert.Single(receiver.All);
    }

    [Fact]
    public async Task A_delivery_error_says_what_failed_not_what_listens_where()
    {
        var port = TestReceiver.FreePort();
        await using var server = await StartAsync();
        await SubscribeAsync(server, $"http://127.0.0.1:{port}/hooks", "deal.created");
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        using var http = WebhookDeliverer.CreateHttpClient(Policy, allowPrivate: true);
        await Deliverer(server, http, ManualClock.StartingNow()).RunOnceAsync(TestContext.Current.CancellationToken);

        var error = (await server.CallOkAsync("list_webhook_deliveries")).GetProperty("data").GetProperty("items")[0].GetProperty("last_error").GetString()!;
        Assert.Equal("could not connect to the receiver", error);
    }

    [Fact]
    public async Task Migration_0095_rewrites_stored_errors_that_named_an_address()
    {
        await using var server = await StartAsync();
        await SubscribeAsync(server, "https://example.com/hooks");
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        await using (var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken))
        {
            await connection.ExecuteAsync("UPDATE webhook_deliveries SET last_error = 'Connection refused (127.0.0.1:5096)' WHERE seq = (SELECT MIN(seq) FROM webhook_deliveries)");
            await connection.ExecuteAsync("UPDATE webhook_deliveries SET last_error = 'HTTP 500 Internal Server Error' WHERE seq = (SELECT MAX(seq) FROM webhook_deliveries)");
            await connection.ExecuteAsync("DELETE FROM schema_migrations WHERE version = 95");
        }
        Assert.Equal([95], await new Crm.Mcp.Data.Migrator(server.Db).MigrateAsync(TestContext.Current.CancellationToken));
        Assert.Equal(["could not connect to the receiver", "HTTP 500 Internal Server Error"], (await DeliveriesAsync(server)).Select(d => d.Error));
    }
}
