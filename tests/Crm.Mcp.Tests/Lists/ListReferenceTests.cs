using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Lists;

/// <summary>Lists and lookups that never go silently empty or wrong.</summary>
public sealed class ListReferenceTests
{
    private static object Args(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    private static List<string?> Names(JsonElement page) =>
        page.GetProperty("data").GetProperty("items").EnumerateArray().Select(d => d.GetProperty("name").GetString()).ToList();

    [Fact]
    public async Task Reference_filters_compare_through_the_resolver_s_keys()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { name = "Acme deal", company_name = "Acme, Inc.", stage_name = "Proposal", people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } });
        await server.CallOkAsync("create_deal_draft", new { name = "Globex deal", company_name = "Globex", stage_name = "Qualified" });

        Assert.Equal(["Acme deal"], Names(await server.CallOkAsync("get_deals", Args("""{"filters": [{"field": "company", "op": "equals", "value": "Acme"}]}"""))));
        Assert.Equal(2, (await server.CallOkAsync("get_deals", Args("""{"filters": [{"field": "company", "op": "in", "value": ["ACME corp", "globex"]}]}"""))).GetProperty("data").GetProperty("total").GetProperty("value").GetInt64());
        Assert.Equal(["Globex deal"], Names(await server.CallOkAsync("get_deals", Args("""{"filters": [{"field": "company", "op": "not_equals", "value": "acme inc"}]}"""))));
        Assert.Equal(["Acme deal"], Names(await server.CallOkAsync("get_deals", Args("""{"filters": [{"field": "stage", "op": "equals", "value": "proposal"}]}"""))));
        Assert.Equal(["Acme deal"], Names(await server.CallOkAsync("get_deals", Args("""{"filters": [{"field": "contact", "op": "has_any", "value": ["JANE@acme.com"]}]}"""))));
        Assert.Equal(["Acme deal"], Names(await server.CallOkAsync("get_deals", Args("""{"filters": [{"field": "people", "op": "has_any", "value": ["jane founder"]}]}"""))));
        Assert.Equal(2, (await server.CallOkAsync("get_deals", Args("""{"filters": [{"field": "pipeline", "op": "equals", "value": "SALES"}]}"""))).GetProperty("data").GetProperty("total").GetProperty("value").GetInt64());
    }

    [Fact]
    public async Task A_reference_filter_that_names_nothing_says_so_with_candidates()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme Robotics" });
        var error = await server.CallErrorAsync("get_deals", Args("""{"filters": [{"field": "company", "op": "equals", "value": "Acme Robtics"}]}"""));
        Assert.Equal(("not_found", "filters[0].value"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
        Assert.Equal("Acme Robotics", error.GetProperty("candidates")[0].GetProperty("name").GetString());
        var stage = await server.CallErrorAsync("get_deals", Args("""{"filters": [{"any_of": [{"field": "stage", "op": "in", "value": ["Proposal", "Negotiatoin"]}]}]}"""));
        Assert.Equal("filters[0].any_of[0].value[1]", stage.GetProperty("field").GetString());
        Assert.Equal("Negotiation", stage.GetProperty("candidates")[0].GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("value")]
    [InlineData("deal value")]
    [InlineData("Price")]
    [InlineData("size")]
    public async Task Usual_names_for_the_amount_lead_to_amount(string alias)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { name = "Big", company_name = "Acme", amount = 90000 });
        await server.CallOkAsync("create_deal_draft", new { name = "Small", company_name = "Acme", amount = 100 });
        var page = await server.CallOkAsync("get_deals", new { filters = new[] { new { field = alias, op = "gte", value = 1000 } }, sort = new[] { new { field = alias, direction = "desc" } } });
        Assert.Equal(["Big"], Names(page));
    }

    [Fact]
    public async Task Every_tool_takes_a_deal_by_uuid_identifier_or_exact_name_and_a_miss_has_candidates()
    {
        await using var server = await TestServer.StartAsync();
        var created = (await server.CallOkAsync("create_deal_draft", new { name = "Acme platform license", company_name = "Acme" })).GetProperty("data").GetProperty("deal");
        var id = created.GetProperty("id").GetString();
        foreach (var reference in new[] { id, "deal-001", "acme PLATFORM license" })
            Assert.Equal(id, (await server.CallOkAsync("get_deal", new { deal = reference })).GetProperty("data").GetProperty("id").GetString());

        var padded = await server.CallErrorAsync("get_deal", new { deal = "DEAL-1" });
        Assert.Equal(("not_found", id), (padded.GetProperty("code").GetString(), padded.GetProperty("candidates")[0].GetProperty("id").GetString()));
        Assert.Contains("zero-padded", padded.GetProperty("candidates")[0].GetProperty("why").GetString());
        var near = await server.CallErrorAsync("update_deal", new { deal = "Acme platform licence", amount = 5 });
        Assert.Equal(id, near.GetProperty("candidates")[0].GetProperty("id").GetString());
        var company = await server.CallErrorAsync("get_deal", new { deal = "Acme deal" });
        Assert.Contains(company.GetProperty("candidates").EnumerateArray(), c => c.GetProperty("id").GetString() == id);
        // The custom field tools take the same references.
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Seats", type = "number" });
        await server.CallOkAsync("set_custom_field_values", new { entity = "deals", record = "Acme Platform License", values = new { seats = 25 } });
        var missed = await server.CallErrorAsync("set_custom_field_values", new { entity = "deals", record = "DEAL-1", values = new { seats = 5 } });
        Assert.Equal(id, missed.GetProperty("candidates")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Amounts_sort_within_currency_and_a_mixed_comparison_is_refused()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { name = "Pounds", company_name = "Acme", amount = 100200, currency = "GBP" });
        await server.CallOkAsync("create_deal_draft", new { name = "Dollars", company_name = "Acme", amount = 92400, currency = "USD" });
        await server.CallOkAsync("create_deal_draft", new { name = "More pounds", company_name = "Acme", amount = 150000, currency = "GBP" });

        var sorted = Names(await server.CallOkAsync("get_deals", new { sort = new[] { new { field = "amount", direction = "desc" } } }));
        Assert.Equal(["More pounds", "Pounds", "Dollars"], sorted); // GBP before USD, each by amount

        var error = await server.CallErrorAsync("get_deals", new { filters = new[] { new { field = "amount", op = "gte", value = 50000 } } });
        Assert.Equal(("invalid_argument", "filters[0]"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
        Assert.Contains("GBP, USD", error.GetProperty("message").GetString());
        var pinned = await server.CallOkAsync("get_deals", Args("""{"filters": [{"field": "amount", "op": "gte", "value": 50000}, {"field": "currency", "op": "equals", "value": "GBP"}]}"""));
        Assert.Equal(2, pinned.GetProperty("data").GetProperty("total").GetProperty("value").GetInt64());
    }

    [Theory]
    [InlineData("Friday")]
    [InlineData("next week")]
    public async Task A_relative_date_error_states_today_s_date_and_weekday(string typed)
    {
        await using var server = await TestServer.StartAsync();
        var today = DateTime.UtcNow;
        var write = await server.CallErrorAsync("create_deal_draft", new { company_name = "Acme", expected_close_date = typed });
        var filter = await server.CallErrorAsync("get_deals", new { filters = new[] { new { field = "expected_close_date", op = "lte", value = typed } } });
        foreach (var error in new[] { write, filter })
        {
            var message = error.GetProperty("message").GetString();
            Assert.Contains(today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), message);
            Assert.Contains(today.DayOfWeek.ToString(), message);
        }
    }
}
