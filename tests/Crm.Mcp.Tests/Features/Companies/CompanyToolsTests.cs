using System.Text.Json;
using System.Threading.Channels;
using Crm.Mcp.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Tests.Features.Companies;

public sealed class CompanyToolsTests
{
    private static object Args(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Fact]
    public async Task Creates_lists_gets_updates_and_deletes_companies()
    {
        await using var server = await TestServer.StartAsync();
        var created = (await server.CallOkAsync("create_companies", Args("""
            {"items": [{"name": "Acme, Inc.", "website": "www.acme.com/about", "industry": "Software", "phone": "+1 415 555 0100"},
                       {"name": "Globex GmbH", "domain": "https://www.Globex.de/x"}]}
            """))).GetProperty("data");
        Assert.Equal(2, created.GetProperty("succeeded").GetInt32());
        Assert.True(created.GetProperty("atomic").GetBoolean());
        // Each item answers with id and name only; the record itself is get_company's.
        var acmeRef = created.GetProperty("results")[0].GetProperty("result");
        Assert.Equal("Acme, Inc.", acmeRef.GetProperty("name").GetString());
        Assert.Equal(["id", "name"], acmeRef.EnumerateObject().Select(p => p.Name));
        var acme = (await server.CallOkAsync("get_company", new { company = acmeRef.GetProperty("id").GetString() })).GetProperty("data").GetProperty("company");
        Assert.Equal("acme.com", acme.GetProperty("domain").GetString());
        Assert.Equal("https://www.acme.com/about", acme.GetProperty("website").GetString());
        var globexId = created.GetProperty("results")[1].GetProperty("result").GetProperty("id").GetString();
        Assert.Equal("globex.de", (await server.CallOkAsync("get_company", new { company = globexId })).GetProperty("data").GetProperty("company").GetProperty("domain").GetString());

        await server.CallOkAsync("create_deal_draft", new { company_name = "ACME inc", people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } });
        var detail = (await server.CallOkAsync("get_company", new { company = "acme" })).GetProperty("data");
        Assert.Equal(1, detail.GetProperty("company").GetProperty("deal_count").GetInt64());
        Assert.Equal("Jane Founder", detail.GetProperty("contacts")[0].GetProperty("name").GetString());
        Assert.Equal("DEAL-001", detail.GetProperty("deals")[0].GetProperty("identifier").GetString());

        var list = (await server.CallOkAsync("get_companies", Args("""{"filters": [{"field": "deal_count", "op": "gte", "value": 1}]}"""))).GetProperty("data");
        Assert.Equal(1, list.GetProperty("total").GetProperty("value").GetInt64());
        Assert.Equal("Acme, Inc.", list.GetProperty("items")[0].GetProperty("name").GetString());
        var searched = (await server.CallOkAsync("get_companies", new { search = "globex.de" })).GetProperty("data");
        Assert.Equal("Globex GmbH", searched.GetProperty("items")[0].GetProperty("name").GetString());

        var updated = (await server.CallOkAsync("update_company", Args("""{"company": "Acme", "name": "Acme Robotics", "industry": "Robotics", "clear": ["phone"]}"""))).GetProperty("data");
        Assert.Equal("Acme Robotics", updated.GetProperty("name").GetString());
        Assert.Equal("Robotics", updated.GetProperty("industry").GetString());
        Assert.Equal(JsonValueKind.Null, updated.GetProperty("phone").ValueKind);
        Assert.Equal("acme.com", updated.GetProperty("domain").GetString());

        var deleted = (await server.CallOkAsync("delete_companies", new { companies = new[] { "acme robotics" } })).GetProperty("data");
        Assert.Equal("Acme Robotics", deleted.GetProperty("results")[0].GetProperty("result").GetProperty("name").GetString());
        var deal = (await server.CallOkAsync("get_deal", new { deal = "DEAL-001" })).GetProperty("data");
        Assert.Equal(JsonValueKind.Null, deal.GetProperty("company").ValueKind);
        Assert.Equal(1, await server.Database.CountAsync("people"));
    }

    [Fact]
    public async Task Atomic_create_writes_nothing_when_one_item_fails_and_lists_every_failure()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_companies", Args("""{"items": [{"name": "Acme, Inc."}]}"""));
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync("create_companies", Args("""
            {"items": [{"name": "Fine Co"}, {"name": "ACME LLC"}, {"name": "Bad Domain", "domain": "not a domain"}]}
            """));
        Assert.Equal("conflict", error.GetProperty("code").GetString());
        Assert.Equal("items[1].name", error.GetProperty("field").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("2 of 3 items failed; nothing was written", message);
        Assert.Contains("is taken by the company 'Acme, Inc.'", message);
        Assert.Contains("items[2].domain", message);
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task Non_atomic_create_writes_the_valid_items_and_reports_each_failure()
    {
        await using var server = await TestServer.StartAsync();
        var data = (await server.CallOkAsync("create_companies", Args("""
            {"atomic": false, "items": [{"name": "Fine Co"}, {"name": "fine co."}, {"name": "Other Co", "website": "ftp://x"}, {"name": "Third"}]}
            """))).GetProperty("data");
        Assert.Equal(2, data.GetProperty("succeeded").GetInt32());
        Assert.Equal(2, data.GetProperty("failed").GetInt32());
        var results = data.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([true, false, false, true], results.Select(r => r.GetProperty("ok").GetBoolean()));
        Assert.Equal("items[1].name", results[1].GetProperty("error").GetProperty("field").GetString());
        Assert.Equal("items[2].website", results[2].GetProperty("error").GetProperty("field").GetString());
        Assert.Equal(JsonValueKind.Null, results[1].GetProperty("result").ValueKind);
        Assert.Equal(2, await server.Database.CountAsync("companies"));
    }

    [Fact]
    public async Task Bulk_writes_send_progress_to_a_client_that_passes_a_progress_token()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await TestServer.StartAsync();
        var received = Channel.CreateUnbounded<ProgressNotificationParams>();
        await using var handler = server.Client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (notification, _) =>
        {
            received.Writer.TryWrite(JsonSerializer.Deserialize<ProgressNotificationParams>(notification.Params, McpJsonUtilities.DefaultOptions)!);
            return default;
        });
        var arguments = new Dictionary<string, object?> { ["items"] = new[] { new { name = "One" }, new { name = "Two" }, new { name = "Three" } } };
        var result = await server.Client.CallToolAsync("create_companies", arguments,
            options: new RequestOptions { ProgressToken = new ProgressToken("bulk-1") }, cancellationToken: ct);
        Assert.True(result.IsError is not true);

        // Notifications may arrive after the response: wait for all three; the bound only turns a missing one into a failure, not a hang.
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(TimeSpan.FromSeconds(30));
        var seen = new List<ProgressNotificationParams>();
        while (seen.Count < 3) seen.Add(await received.Reader.ReadAsync(bound.Token));
        Assert.All(seen, p => Assert.Equal("bulk-1", p.ProgressToken.ToString()));
        Assert.Equal([1.0, 2.0, 3.0], seen.Select(p => (double)p.Progress.Progress).Order());
        Assert.All(seen, p => Assert.Equal(3f, p.Progress.Total));
    }

    [Theory]
    [InlineData("create_companies", """{"items": []}""", "items", "has 0 items")]
    [InlineData("create_companies", """{"items": [{"domain": "acme.com"}]}""", "items[0].name", "is required")]
    [InlineData("create_companies", """{"items": [{"name": "..."}]}""", "items[0].name", "no letters or digits")]
    [InlineData("create_companies", """{"items": [{"name": "A", "owner_id": "nope"}]}""", "items[0].owner_id", "not a UUID")]
    [InlineData("create_companies", """{"items": [{"name": "A", "nmae": "B"}]}""", "items[0].nmae", "not a known field")]
    [InlineData("get_company", """{"company": "Nobody"}""", "company", "no company is named")]
    [InlineData("get_companies", """{"filters": [{"field": "revenue", "op": "gt", "value": 1}]}""", "filters[0].field", "not a field of companies")]
    [InlineData("update_company", """{"company": "Acme", "name": "Globex"}""", "name", "is taken by the company 'Globex'")]
    [InlineData("update_company", """{"company": "Acme", "clear": ["name"]}""", "clear[0]", "cannot be cleared")]
    [InlineData("update_company", """{"company": "Acme", "phone": "1", "clear": ["phone"]}""", "phone", "both given a value and listed in clear")]
    [InlineData("update_company", """{"company": "Acme", "website": "not a site"}""", "website", "not a web address")]
    [InlineData("update_company", """{"company": "Nobody", "industry": "x"}""", "company", "no company is named")]
    [InlineData("delete_companies", """{"companies": ["Acme", "Nobody"]}""", "companies[1]", "no company is named")]
    [InlineData("delete_companies", """{"companies": []}""", "companies", "has 0 entries")]
    public async Task Bad_input_names_the_field_and_writes_nothing(string tool, string arguments, string field, string problem)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_companies", Args("""{"items": [{"name": "Acme"}, {"name": "Globex"}]}"""));
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync(tool, Args(arguments));
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(problem, error.GetProperty("message").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }
}
