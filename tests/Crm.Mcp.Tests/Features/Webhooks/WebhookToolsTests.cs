using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Webhooks;

public sealed class WebhookToolsTests
{
    private const string Url = "https://example.com/hooks/crm";

    [Fact]
    public async Task The_secret_is_shown_once_and_rotating_replaces_it()
    {
        await using var server = await TestServer.StartAsync();
        var created = (await server.CallOkAsync("create_webhook", new { url = Url, events = new[] { "deal.created", "DEAL.CREATED", "contact.updated" }, description = "Billing sync" })).GetProperty("data");
        var secret = created.GetProperty("secret").GetString()!;
        Assert.Matches("^whsec_[0-9a-f]{64}$", secret);
        var webhook = created.GetProperty("webhook");
        Assert.Equal(["deal.created", "contact.updated"], webhook.GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.True(webhook.GetProperty("active").GetBoolean());
        var id = webhook.GetProperty("id").GetString();

        var listed = await server.CallOkAsync("list_webhooks");
        Assert.DoesNotContain(secret, JsonSerializer.Serialize(listed));
        Assert.False(listed.GetProperty("data").GetProperty("items")[0].TryGetProperty("secret", out _));

        var paused = (await server.CallOkAsync("update_webhook", new { webhook_id = id, active = false, events = new[] { "*" } })).GetProperty("data");
        Assert.Equal(JsonValueKind.Null, paused.GetProperty("secret").ValueKind);
        Assert.False(paused.GetProperty("webhook").GetProperty("active").GetBoolean());
        Assert.Equal(["*"], paused.GetProperty("webhook").GetProperty("events").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal("Billing sync", paused.GetProperty("webhook").GetProperty("description").GetString());

        var rotated = (await server.CallOkAsync("update_webhook", new { webhook_id = id, rotate_secret = true })).GetProperty("data");
        Assert.NotEqual(secret, rotated.GetProperty("secret").GetString());
    }

    [Fact]
    public async Task A_paused_webhook_queues_nothing_and_a_deleted_one_takes_its_deliveries_along()
    {
        await using var server = await TestServer.StartAsync();
        var id = (await server.CallOkAsync("create_webhook", new { url = Url, events = new[] { "*" } })).GetProperty("data").GetProperty("webhook").GetProperty("id").GetString();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        Assert.Equal(2, await server.Database.CountAsync("webhook_deliveries")); // organization.created, deal.created

        await server.CallOkAsync("update_webhook", new { webhook_id = id, active = false });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" });
        Assert.Equal(2, await server.Database.CountAsync("webhook_deliveries"));

        var deleted = (await server.CallOkAsync("delete_webhook", new { webhook_id = id })).GetProperty("data");
        Assert.Equal(2, deleted.GetProperty("deliveries_deleted").GetInt64());
        Assert.Equal(0, await server.Database.CountAsync("webhooks"));
        Assert.Equal(0, await server.Database.CountAsync("webhook_deliveries"));
        Assert.Equal("not_found", (await server.CallErrorAsync("delete_webhook", new { webhook_id = id })).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Deliveries_list_filters_and_pages_newest_first()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_webhook", new { url = Url, events = new[] { "*" } });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" });

        var deals = (await server.CallOkAsync("list_webhook_deliveries", new { event_type = "deal.created", status = "pending" })).GetProperty("data");
        Assert.Equal(2, deals.GetProperty("total").GetProperty("value").GetInt64());
        Assert.Equal("eq", deals.GetProperty("total").GetProperty("relation").GetString());
        Assert.Equal("Globex deal", deals.GetProperty("items")[0].GetProperty("payload").GetProperty("data").GetProperty("record").GetProperty("name").GetString());

        var first = (await server.CallOkAsync("list_webhook_deliveries", new { limit = 3 })).GetProperty("data");
        Assert.Equal(4, first.GetProperty("total").GetProperty("value").GetInt64());
        Assert.True(first.GetProperty("has_more").GetBoolean());
        var rest = (await server.CallOkAsync("list_webhook_deliveries", new { limit = 3, cursor = first.GetProperty("next_cursor").GetString() })).GetProperty("data");
        Assert.Equal("organization.created", Assert.Single(rest.GetProperty("items").EnumerateArray()).GetProperty("event_type").GetString());
        Assert.Equal(4, rest.GetProperty("total").GetProperty("value").GetInt64());
    }

    [Fact]
    public async Task Deliveries_are_counted_up_to_the_lists_bound_and_then_marked_as_a_lower_bound()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_webhook", new { url = Url, events = new[] { "*" } });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        // 1,200 more deliveries of the draft's deal event, as a month of a busy webhook leaves.
        await Crm.Mcp.Tests.Features.Journal.JournalTests.WriteSqlAsync(server.Db, """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
            INSERT INTO webhook_deliveries (id, webhook_id, event_seq, record_key, status, next_attempt_at, created_at)
            SELECT 'bulk-' || i, d.webhook_id, d.event_seq, d.record_key, 'delivered', d.next_attempt_at, d.created_at
            FROM n CROSS JOIN (SELECT * FROM webhook_deliveries ORDER BY seq DESC LIMIT 1) AS d
            """);

        var page = (await server.CallOkAsync("list_webhook_deliveries", new { limit = 5 })).GetProperty("data");
        Assert.Equal(1000, page.GetProperty("total").GetProperty("value").GetInt64());
        Assert.Equal("gte", page.GetProperty("total").GetProperty("relation").GetString());
        var pending = (await server.CallOkAsync("list_webhook_deliveries", new { status = "pending" })).GetProperty("data");
        Assert.Equal(2, pending.GetProperty("total").GetProperty("value").GetInt64());
        Assert.Equal("eq", pending.GetProperty("total").GetProperty("relation").GetString());
    }

    public static TheoryData<string, string, string> BadInput() => new()
    {
        { "create_webhook", """{"url": "not a url", "events": ["*"]}""", "url" },
        { "create_webhook", """{"url": "ftp://example.com/x", "events": ["*"]}""", "url" },
        { "create_webhook", """{"url": "https://user:pw@example.com/x", "events": ["*"]}""", "url" },
        { "create_webhook", """{"url": "https://example.com/x", "events": []}""", "events" },
        { "create_webhook", """{"url": "https://example.com/x", "events": ["deal.created", "deal.exploded"]}""", "events[1]" },
        { "create_webhook", """{"url": "https://example.com/x", "events": ["*"], "description": " "}""", "description" },
        { "update_webhook", """{"webhook_id": "nope"}""", "webhook_id" },
        { "update_webhook", """{"webhook_id": "3f2b8a1e-5c4d-4e6f-8a9b-0c1d2e3f4a5b", "url": "x"}""", "url" },
        { "update_webhook", """{"webhook_id": "3f2b8a1e-5c4d-4e6f-8a9b-0c1d2e3f4a5b"}""", "webhook_id" },
        { "delete_webhook", """{"webhook_id": "12"}""", "webhook_id" },
        { "list_webhooks", """{"limit": 101}""", "limit" },
        { "list_webhook_deliveries", """{"status": "lost"}""", "status" },
        { "list_webhook_deliveries", """{"event_type": "deal"}""", "event_type" },
        { "list_webhook_deliveries", """{"cursor": "abc"}""", "cursor" },
        { "resend_webhook_delivery", """{"delivery_id": "3f2b8a1e-5c4d-4e6f-8a9b-0c1d2e3f4a5b"}""", "delivery_id" },
    };

    public static TheoryData<string, string> PrivateTargets => new()
    {
        { "http://127.0.0.1/h", "loopback" }, { "http://localhost:5096/h", "loopback" }, { "http://[::1]/h", "loopback" },
        { "http://0.0.0.0/h", "unspecified" }, { "http://[::]/h", "unspecified" }, { "http://10.0.0.1/h", "private" },
        { "http://172.16.5.4/h", "private" }, { "https://192.168.1.1/h", "private" }, { "http://100.64.0.1/h", "carrier-grade NAT" },
        { "http://169.254.169.254/latest/meta-data", "link-local" }, { "http://[fe80::1]/h", "link-local" },
        { "http://[fd00::1]/h", "unique-local" }, { "http://224.0.0.1/h", "multicast" }, { "http://[ff02::1]/h", "multicast" },
        { "http://2130706433/h", "loopback" }, { "http://0x7f.1/h", "loopback" }, { "http://017700000001/h", "loopback" },
        { "http://[::ffff:127.0.0.1]/h", "loopback" }, { "http://[::ffff:a9fe:a9fe]/h", "link-local" },
        { "http://[64:ff9b::a00:1]/h", "private" }, { "http://[2002:7f00:1::]/h", "loopback" },
    };

    [Theory]
    [MemberData(nameof(PrivateTargets))]
    public async Task Private_and_internal_targets_are_refused_in_any_spelling(string url, string why)
    {
        await using var server = await TestServer.StartAsync(settings => new Crm.Mcp.Hosting.ServeOptions { Settings = settings with { AllowPrivateWebhooks = false }, Toolsets = [Crm.Mcp.Hosting.ToolCatalog.AllToolsets] });
        var created = await server.CallErrorAsync("create_webhook", new { url, events = new[] { "*" } });
        Assert.Equal("url", created.GetProperty("field").GetString());
        Assert.Contains(why, created.GetProperty("message").GetString());
        Assert.Contains("CRM_MCP_ALLOW_PRIVATE_WEBHOOKS=1", created.GetProperty("expected").GetString());
        Assert.Equal(0, await server.Database.CountAsync("webhooks"));

        var id = (await server.CallOkAsync("create_webhook", new { url = Url, events = new[] { "*" } })).GetProperty("data").GetProperty("webhook").GetProperty("id").GetString();
        var updated = await server.CallErrorAsync("update_webhook", new { webhook_id = id, url });
        Assert.Equal("url", updated.GetProperty("field").GetString());
        Assert.Equal(Url, (await server.CallOkAsync("list_webhooks")).GetProperty("data").GetProperty("items")[0].GetProperty("url").GetString());
    }

    [Fact]
    public async Task The_operator_can_allow_private_targets()
    {
        await using var server = await TestServer.StartAsync(settings => new Crm.Mcp.Hosting.ServeOptions { Settings = settings with { AllowPrivateWebhooks = true }, Toolsets = [Crm.Mcp.Hosting.ToolCatalog.AllToolsets] });
        foreach (var url in new[] { "http://127.0.0.1:5096/h", "http://10.0.0.1/h", "http://[::1]/h" })
            await server.CallOkAsync("create_webhook", new { url, events = new[] { "*" } });
        Assert.Equal(3, await server.Database.CountAsync("webhooks"));
    }

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_names_the_field_and_writes_nothing(string tool, string arguments, string field)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        var before = await CountsAsync(server);
        var error = await server.CallErrorAsync(tool, JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments));
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("expected").GetString()));
        Assert.Equal(before, await CountsAsync(server));
    }

    private static async Task<string> CountsAsync(TestServer server) =>
        $"{await server.Database.FingerprintAsync()} webhooks={await server.Database.CountAsync("webhooks")} " +
        $"deliveries={await server.Database.CountAsync("webhook_deliveries")} changes={await server.Database.CountAsync("changes")}";
}
