using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.CustomFields;

/// <summary>Custom fields read back on get_deal(s) and get_tasks, filter and sort through the list engine, and show in
/// get_entity_configuration.</summary>
public sealed class CustomFieldListTests
{
    private static async Task<TestServer> SeededAsync()
    {
        var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Seats", type = "number" });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Lead source", type = "single_select", options = new[] { "Inbound", "Referral" } });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Tags", type = "multi_select", options = new[] { "vip", "pilot" } });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Signed", type = "checkbox" });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Kickoff", type = "date" });
        (string Name, object Values)[] deals =
        [
            ("Alpha", new Dictionary<string, object> { ["seats"] = 50, ["lead_source"] = "Referral", ["tags"] = new[] { "vip" }, ["signed"] = true, ["kickoff"] = "2026-02-01" }),
            ("Bravo", new Dictionary<string, object> { ["seats"] = 5, ["lead_source"] = "Inbound", ["tags"] = new[] { "pilot", "vip" }, ["signed"] = false }),
            ("Charlie", new Dictionary<string, object> { ["seats"] = 20, ["kickoff"] = "2026-03-15" }),
            ("Delta", new Dictionary<string, object> { ["signed"] = false }),
        ];
        var n = 1;
        foreach (var (name, values) in deals)
        {
            await server.CallOkAsync("create_deal_draft", new { name });
            await server.CallOkAsync("set_custom_field_values", new { entity = "deals", record = $"DEAL-{n++:000}", values });
        }
        return server;
    }

    private static async Task<List<string>> Names(TestServer server, object args) =>
        (await server.CallOkAsync("get_deals", args)).GetProperty("data").GetProperty("items").EnumerateArray()
            .Select(d => d.GetProperty("name").GetString()!).ToList();

    private static object Rule(string field, string op, object? value = null) => new { field, op, value };

    [Fact]
    public async Task Custom_fields_filter_like_built_in_fields()
    {
        await using var server = await SeededAsync();
        Assert.Equal(["Alpha", "Charlie"], (await Names(server, new { filters = new[] { Rule("seats", "gte", 20) } })).Order());
        Assert.Equal(["Bravo", "Charlie"], (await Names(server, new { filters = new[] { Rule("seats", "between", new[] { 5, 20 }) } })).Order());
        Assert.Equal(["Alpha"], await Names(server, new { filters = new[] { Rule("lead_source", "equals", "referral") } }));
        Assert.Equal(["Charlie", "Delta"], (await Names(server, new { filters = new[] { Rule("lead_source", "is_null") } })).Order());
        Assert.Equal(["Bravo"], await Names(server, new { filters = new[] { Rule("tags", "has_any", new[] { "PILOT" }) } }));
        Assert.Equal(["Charlie", "Delta"], (await Names(server, new { filters = new[] { Rule("tags", "has_none", new[] { "vip" }) } })).Order());
        Assert.Equal(["Alpha"], await Names(server, new { filters = new[] { Rule("signed", "equals", true) } }));
        Assert.Equal(["Charlie"], await Names(server, new { filters = new[] { Rule("kickoff", "gt", "2026-02-01") } }));
        Assert.Equal(["Alpha", "Charlie"], (await Names(server, new
        {
            filters = new object[] { new { any_of = new[] { Rule("lead_source", "equals", "Referral"), Rule("seats", "equals", 20) } } },
        })).Order());
    }

    [Fact]
    public async Task Custom_fields_sort_with_nulls_last_and_page_exactly()
    {
        await using var server = await SeededAsync();
        Assert.Equal(["Alpha", "Charlie", "Bravo", "Delta"], await Names(server, new { sort = new[] { new { field = "seats", direction = "desc" } } }));
        Assert.Equal(["Bravo", "Charlie", "Alpha", "Delta"], await Names(server, new { sort = new[] { new { field = "seats" } } }));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = (await server.CallOkAsync("get_deals", new { sort = new[] { new { field = "lead_source" }, new { field = "seats" } }, limit = 1, cursor })).GetProperty("data");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("name").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
        } while (cursor is not null);
        Assert.Equal(["Bravo", "Alpha", "Charlie", "Delta"], seen);
    }

    [Theory]
    [InlineData("""[{"field": "seats", "op": "gt", "value": "many"}]""", "filters[0].value", "number")]
    [InlineData("""[{"field": "lead_source", "op": "equals", "value": "Cold"}]""", "filters[0].value", "not an option")]
    [InlineData("""[{"field": "tags", "op": "equals", "value": "vip"}]""", "filters[0].op", "does not apply")]
    [InlineData("""[{"field": "seat", "op": "gt", "value": 1}]""", "filters[0].field", "did you mean seats")]
    public async Task Wrong_custom_field_filters_are_errors(string filters, string field, string problem)
    {
        await using var server = await SeededAsync();
        var error = await server.CallErrorAsync("get_deals", new { filters = JsonDocument.Parse(filters).RootElement });
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(problem, error.GetProperty("message").GetString() + error.GetProperty("expected").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Values_read_back_on_get_deal_and_get_tasks()
    {
        await using var server = await SeededAsync();
        var deal = (await server.CallOkAsync("get_deal", new { deal = "DEAL-002" })).GetProperty("data").GetProperty("custom_fields");
        Assert.Equal("""{"seats":5,"lead_source":"Inbound","tags":["pilot","vip"],"signed":false}""", deal.GetRawText());
        var empty = (await server.CallOkAsync("create_deal_draft", new { name = "Echo" })).GetProperty("data").GetProperty("deal").GetProperty("custom_fields");
        Assert.Equal("{}", empty.GetRawText());

        await server.CallOkAsync("create_custom_field", new { entity = "tasks", label = "Effort", type = "number" });
        var task = (await server.CallOkAsync("create_tasks", new { items = new[] { new { title = "Call Alpha" } } })).GetProperty("data");
        var taskId = task.GetRawText().Split("\"id\":\"")[1].Split('"')[0];
        await server.CallOkAsync("set_custom_field_values", new { entity = "tasks", record = taskId, values = new { effort = 3 } });
        await server.CallOkAsync("create_tasks", new { items = new[] { new { title = "Call Bravo" } } });
        var listed = (await server.CallOkAsync("get_tasks", new { view = "full", filters = new[] { Rule("effort", "gte", 2) } })).GetProperty("data").GetProperty("items");
        Assert.Equal(3, Assert.Single(listed.EnumerateArray()).GetProperty("custom_fields").GetProperty("effort").GetDouble());
    }

    [Fact]
    public async Task Companies_and_contacts_read_filter_and_sort_custom_fields()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_custom_field", new { entity = "companies", label = "Tier", type = "single_select", options = new[] { "Gold", "Silver" } });
        await server.CallOkAsync("create_custom_field", new { entity = "contacts", label = "Birthday", type = "date" });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex", people = new[] { new { name = "Hank Scorpio", email = "hank@globex.com" } } });
        await server.CallOkAsync("set_custom_field_values", new { entity = "companies", record = "Acme", values = new { tier = "Gold" } });
        await server.CallOkAsync("set_custom_field_values", new { entity = "companies", record = "Globex", values = new { tier = "Silver" } });
        await server.CallOkAsync("set_custom_field_values", new { entity = "contacts", record = "jane@acme.com", values = new { birthday = "1990-04-01" } });

        var acme = (await server.CallOkAsync("get_company", new { company = "acme" })).GetProperty("data").GetProperty("company");
        Assert.Equal("Gold", acme.GetProperty("custom_fields").GetProperty("tier").GetString());
        var gold = (await server.CallOkAsync("get_companies", new { filters = new[] { Rule("tier", "equals", "gold") } })).GetProperty("data").GetProperty("items");
        Assert.Equal("Acme", Assert.Single(gold.EnumerateArray()).GetProperty("name").GetString());
        var bySilverFirst = (await server.CallOkAsync("get_companies", new { sort = new[] { new { field = "tier", direction = "desc" } } })).GetProperty("data").GetProperty("items");
        Assert.Equal(["Globex", "Acme"], bySilverFirst.EnumerateArray().Select(c => c.GetProperty("name").GetString()));

        var jane = (await server.CallOkAsync("get_contact", new { contact = "jane@acme.com" })).GetProperty("data").GetProperty("contact");
        Assert.Equal("1990-04-01", jane.GetProperty("custom_fields").GetProperty("birthday").GetString());
        var born = (await server.CallOkAsync("get_contacts", new { filters = new[] { Rule("birthday", "lt", "2000-01-01") } })).GetProperty("data").GetProperty("items");
        Assert.Equal("Jane Founder", Assert.Single(born.EnumerateArray()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Built_in_names_are_refused()
    {
        await using var server = await TestServer.StartAsync();
        var error = await server.CallErrorAsync("create_custom_field", new { entity = "deals", label = "Amount", type = "number" });
        Assert.Equal("conflict", error.GetProperty("code").GetString());
        Assert.Contains("built-in field of deals", error.GetProperty("message").GetString());
        var reserved = await server.CallErrorAsync("create_custom_field", new { entity = "tasks", label = "X", name = "custom_fields", type = "text" });
        Assert.Equal("name", reserved.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Configuration_lists_built_in_and_custom_fields_with_operators()
    {
        await using var server = await SeededAsync();
        var all = (await server.CallOkAsync("get_entity_configuration", new { })).GetProperty("data");
        Assert.Equal(["deals", "companies", "contacts", "tasks", "services"], all.GetProperty("entities").EnumerateArray().Select(e => e.GetProperty("entity").GetString()));
        Assert.Contains("multi_select", all.GetProperty("custom_field_types").EnumerateArray().Select(t => t.GetString()));

        var deals = (await server.CallOkAsync("get_entity_configuration", new { entity = "deal" })).GetProperty("data").GetProperty("entities")[0];
        var fields = deals.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        // false, null and the type's own operators are left out: each type's operators are named once, in `operators`.
        TestContext.Current.TestOutputHelper?.WriteLine($"get_entity_configuration (all entities): {System.Text.Encoding.UTF8.GetByteCount(all.GetRawText()):N0} B");
        Assert.False(fields["amount"].TryGetProperty("custom", out _));
        Assert.False(fields["amount"].TryGetProperty("operators", out _));
        Assert.Contains("gte", all.GetProperty("operators").GetProperty(fields["amount"].GetProperty("type").GetString()!).EnumerateArray().Select(o => o.GetString()));
        Assert.Contains("Proposal", fields["stage"].GetProperty("options").EnumerateArray().Select(o => o.GetString()));
        var tags = fields["tags"];
        Assert.True(tags.GetProperty("custom").GetBoolean());
        Assert.Equal("multi_select", tags.GetProperty("type").GetString());
        Assert.Equal(["has_any", "has_none", "is_null", "is_not_null"], all.GetProperty("operators").GetProperty("multi_select").EnumerateArray().Select(o => o.GetString()));
        Assert.False(tags.TryGetProperty("sortable", out _));
        var custom = deals.GetProperty("custom_fields").EnumerateArray().ToList();
        Assert.Equal(["seats", "lead_source", "tags", "signed", "kickoff"], custom.Select(c => c.GetProperty("definition").GetProperty("name").GetString()));
        Assert.All(custom, c => Assert.True(c.GetProperty("filterable").GetBoolean()));
        Assert.Contains("\"Inbound\", \"Referral\"", custom[1].GetProperty("accepts").GetString());

        var error = await server.CallErrorAsync("get_entity_configuration", new { entity = "widgets" });
        Assert.Equal("entity", error.GetProperty("field").GetString());
    }
}
