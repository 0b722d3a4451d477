using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Deals;

public sealed class DealWriteTests
{
    private static object Args(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Fact]
    public async Task Create_deals_resolves_names_per_item_and_publishes_by_default()
    {
        await using var server = await TestServer.StartAsync();
        var data = (await server.CallOkAsync("create_deals", Args("""
            {"items": [
              {"name": "Acme renewal", "company_name": "Acme, Inc.", "amount": 50000, "stage_name": "Proposal", "people": [{"name": "Jane Founder", "email": "jane@acme.com"}]},
              {"company_name": "ACME inc", "amount": 1200.5, "currency": "EUR", "people": [{"email": "JANE@acme.com"}]},
              {"name": "Draft one", "is_draft": true, "expected_close_date": "2026-12-31"}]}
            """))).GetProperty("data");
        Assert.Equal(3, data.GetProperty("succeeded").GetInt32());
        var results = data.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("result")).ToList();
        Assert.Equal(["DEAL-001", "DEAL-002", "DEAL-003"], results.Select(r => r.GetProperty("deal").GetProperty("identifier").GetString()));
        // Each item names its deal (id, identifier, name) and how each name was resolved; get_deal has the rest.
        Assert.Equal(["id", "identifier", "name"], results[0].GetProperty("deal").EnumerateObject().Select(p => p.Name));
        var deals = new List<JsonElement>();
        foreach (var identifier in new[] { "DEAL-001", "DEAL-002", "DEAL-003" })
            deals.Add((await server.CallOkAsync("get_deal", new { deal = identifier })).GetProperty("data"));
        Assert.Equal([false, false, true], deals.Select(d => d.GetProperty("is_draft").GetBoolean()));
        Assert.True(results[0].GetProperty("company").GetProperty("created").GetBoolean());
        Assert.Equal("name", results[1].GetProperty("company").GetProperty("matched_by").GetString());
        Assert.Equal("email", results[1].GetProperty("people")[0].GetProperty("matched_by").GetString());
        Assert.Equal("Acme, Inc. deal", results[1].GetProperty("deal").GetProperty("name").GetString());
        Assert.Equal("120050", deals[1].GetProperty("amount").GetString());
        Assert.Equal(JsonValueKind.Null, results[2].GetProperty("company").ValueKind);
        Assert.Equal(1, await server.Database.CountAsync("companies"));
        Assert.Equal(1, await server.Database.CountAsync("people"));
    }

    [Fact]
    public async Task Update_deal_moves_stage_publishes_and_changes_any_field()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 100.5, stage_name = "Negotiation", expected_close_date = "2026-06-30" });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", stage_name = "Proposal" });
        var data = (await server.CallOkAsync("update_deal", Args("""
            {"deal": "deal-001", "stage_name": "proposal", "is_draft": false, "name": "Acme expansion", "currency": "EUR",
             "company_name": "Globex", "people": [{"name": "Bob Builder"}], "clear": ["expected_close_date"]}
            """))).GetProperty("data");
        var deal = data.GetProperty("deal");
        Assert.Equal("Proposal", deal.GetProperty("stage").GetProperty("name").GetString());
        Assert.Equal(1, deal.GetProperty("order_in_stage").GetInt64());
        Assert.False(deal.GetProperty("is_draft").GetBoolean());
        Assert.Equal("Acme expansion", deal.GetProperty("name").GetString());
        Assert.Equal("EUR", deal.GetProperty("currency").GetString());
        Assert.Equal("10050", deal.GetProperty("amount").GetString());
        Assert.Equal("Globex", deal.GetProperty("company").GetProperty("name").GetString());
        Assert.True(data.GetProperty("company").GetProperty("created").GetBoolean());
        Assert.Equal("Bob Builder", deal.GetProperty("people")[0].GetProperty("person").GetProperty("full_name").GetString());
        Assert.Equal(JsonValueKind.Null, deal.GetProperty("expected_close_date").ValueKind);

        // A currency with fewer decimals keeps the major amount only when it is exact.
        var error = await server.CallErrorAsync("update_deal", new { deal = "DEAL-001", currency = "JPY" });
        Assert.Equal("currency", error.GetProperty("field").GetString());
        var yen = (await server.CallOkAsync("update_deal", new { deal = "DEAL-001", currency = "JPY", amount = 15000 })).GetProperty("data").GetProperty("deal");
        Assert.Equal("15000", yen.GetProperty("amount").GetString());
        var cleared = (await server.CallOkAsync("update_deal", Args("""{"deal": "Acme expansion", "clear": ["people", "company", "amount"]}"""))).GetProperty("data").GetProperty("deal");
        Assert.Equal(0, cleared.GetProperty("people").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("company").ValueKind);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("amount").ValueKind);
    }

    [Fact]
    public async Task Update_deals_without_atomic_applies_the_valid_items()
    {
        await using var server = await TestServer.StartAsync();
        for (var i = 0; i < 3; i++) await server.CallOkAsync("create_deal_draft", new { amount = 10 });
        var data = (await server.CallOkAsync("update_deals", Args("""
            {"atomic": false, "items": [{"deal": "DEAL-001", "stage_name": "Closed Won"}, {"deal": "DEAL-002", "stage_name": "Closed Wonn"}, {"deal": "DEAL-003", "is_draft": false}]}
            """))).GetProperty("data");
        Assert.Equal(2, data.GetProperty("succeeded").GetInt32());
        var failure = data.GetProperty("results")[1].GetProperty("error");
        Assert.Equal("items[1].stage_name", failure.GetProperty("field").GetString());
        Assert.Contains("Closed Won", failure.GetProperty("expected").GetString());
        var won = (await server.CallOkAsync("get_deals", Args("""{"filters": [{"field": "stage_kind", "op": "equals", "value": "won"}]}"""))).GetProperty("data");
        Assert.Equal(1, won.GetProperty("total").GetProperty("value").GetInt64());
        Assert.Equal(1, (await server.CallOkAsync("get_deals", new { is_draft = false })).GetProperty("data").GetProperty("total").GetProperty("value").GetInt64());
        Assert.Equal(6, await server.Database.CountAsync("stages"));
    }

    [Fact]
    public async Task Delete_deals_removes_the_deals_and_keeps_their_people_and_company()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", people = new[] { new { name = "Jane Founder" } } });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        var data = (await server.CallOkAsync("delete_deals", new { deals = new[] { "DEAL-001" } })).GetProperty("data");
        Assert.Equal("DEAL-001 Acme deal", data.GetProperty("results")[0].GetProperty("result").GetProperty("name").GetString());
        Assert.Equal(1, await server.Database.CountAsync("deals"));
        Assert.Equal(0, await server.Database.CountAsync("deal_people"));
        Assert.Equal(1, await server.Database.CountAsync("people"));
        Assert.Equal(1, await server.Database.CountAsync("companies"));
    }

    [Theory]
    [InlineData("create_deals", """{"items": []}""", "items", "has 0 items")]
    [InlineData("create_deals", """{"items": [{"amount": 1}, {"amount": -5}]}""", "items[1].amount", "is negative")]
    [InlineData("create_deals", """{"items": [{"currency": "XYZ"}]}""", "items[0].currency", "not a supported currency")]
    [InlineData("create_deals", """{"items": [{"identifier_template": "NOPE"}]}""", "items[0].identifier_template", "exactly one {seq}")]
    [InlineData("create_deals", """{"items": [{"people": [{"title": "CEO"}]}]}""", "items[0].people[0]", "needs a name or an email")]
    [InlineData("create_deals", """{"items": [{"stage_id": "00000000-0000-4000-8000-00000000dead"}]}""", "items[0].stage_id", "no stage has id")]
    [InlineData("update_deal", """{"deal": "DEAL-404", "name": "x"}""", "deal", "no deal is named")]
    [InlineData("update_deal", """{"deal": "DEAL-001", "stage_name": "Nowhere"}""", "stage_name", "no stage is named")]
    [InlineData("update_deal", """{"deal": "DEAL-001", "amount": 5, "clear": ["amount"]}""", "amount", "both given a value")]
    [InlineData("update_deal", """{"deal": "DEAL-001", "clear": ["identifier"]}""", "clear[0]", "cannot be cleared")]
    [InlineData("update_deal", """{"deal": "DEAL-001", "expected_close_date": "soon"}""", "expected_close_date", "not an ISO 8601 date")]
    [InlineData("update_deal", """{"deal": "DEAL-001", "person_ids": ["00000000-0000-4000-8000-00000000dead"]}""", "person_ids[0]", "no person has id")]
    [InlineData("update_deal", """{"deal": "DEAL-001", "is_draft": "no"}""", "is_draft", "not boolean")]
    [InlineData("update_deals", """{"items": [{"deal": "DEAL-001", "name": "ok"}, {"name": "no deal"}]}""", "items[1].deal", "is required")]
    [InlineData("delete_deals", """{"deals": ["DEAL-001", "DEAL-999"]}""", "deals[1]", "no deal is named")]
    [InlineData("delete_deals", """{"deals": []}""", "deals", "has 0 entries")]
    public async Task Bad_input_names_the_field_and_writes_nothing(string tool, string arguments, string field, string problem)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 10 });
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync(tool, Args(arguments));
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(problem, error.GetProperty("message").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }
}
