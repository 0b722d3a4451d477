using System.Text;
using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Lists;

/// <summary>What every get_&lt;plural&gt; tool answers: compact items sized for a model, `fields`, `view: "full"`.</summary>
public sealed class ListToolTests
{
    private static async Task SeedAsync(TestServer server, int count)
    {
        var deals = Enumerable.Range(1, count).Select(i => new
        {
            name = $"Platform license {i}",
            company_name = $"Company {i % 7}, Inc.",
            amount = 1000 * i + 0.5,
            stage_name = i % 2 == 0 ? "Proposal" : "Negotiation",
            expected_close_date = "2027-01-15",
            people = new[] { new { name = $"Person {i}", email = $"person{i}@example.com" } },
        });
        await server.CallOkAsync("create_deals", new { items = deals });
    }

    private static int Bytes(JsonElement reply) => Encoding.UTF8.GetByteCount(reply.GetRawText());

    [Fact]
    public async Task A_page_of_25_deals_is_compact_by_default_and_within_8_KB()
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server, 25);
        var compact = await server.CallOkAsync("get_deals", new { limit = 25 });
        var full = await server.CallOkAsync("get_deals", new { limit = 25, view = "full" });
        var contacts = await server.CallOkAsync("get_contacts", new { limit = 25 });
        var contactsFull = await server.CallOkAsync("get_contacts", new { limit = 25, view = "full" });
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"reply sizes: get_deals 25 compact {Bytes(compact):N0} B, full {Bytes(full):N0} B; get_contacts 25 compact {Bytes(contacts):N0} B, full {Bytes(contactsFull):N0} B");
        Assert.True(Bytes(compact) <= 8 * 1024, $"a page of 25 deals is {Bytes(compact):N0} bytes");

        var items = compact.GetProperty("data").GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(25, items.Count);
        var deal = items.Single(d => d.GetProperty("name").GetString() == "Platform license 3");
        // No owner was set, so none is written: compact items leave out what is empty.
        Assert.Equal(["identifier", "name", "company", "stage", "amount", "expected_close_date"], deal.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Company 3, Inc.", deal.GetProperty("company").GetString());
        Assert.Equal("Negotiation", deal.GetProperty("stage").GetString());
        Assert.Equal("3000.50 USD", deal.GetProperty("amount").GetString());
        Assert.DoesNotContain("null", compact.GetProperty("data").GetProperty("items").GetRawText());
        Assert.Equal(JsonValueKind.Object, full.GetProperty("data").GetProperty("items")[0].GetProperty("stage").ValueKind);
    }

    [Fact]
    public async Task Fields_pick_fields_of_the_whole_item_after_its_key()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 10 });
        var page = await server.CallOkAsync("get_deals", new { fields = new[] { "amount", "custom_fields", "amount" } });
        var item = page.GetProperty("data").GetProperty("items")[0];
        Assert.Equal(["identifier", "amount", "custom_fields"], item.EnumerateObject().Select(p => p.Name));
        Assert.Equal("1000", item.GetProperty("amount").GetString());

        var contacts = await server.CallOkAsync("get_contacts", new { fields = new[] { "notes" } });
        Assert.Empty(contacts.GetProperty("data").GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task An_unknown_field_or_view_names_the_argument_and_the_accepted_values()
    {
        await using var server = await TestServer.StartAsync();
        var field = await server.CallErrorAsync("get_companies", new { fields = new[] { "name", "revenue" } });
        Assert.Equal("fields[1]", field.GetProperty("field").GetString());
        Assert.Contains("domain", field.GetProperty("expected").GetString());
        var view = await server.CallErrorAsync("get_tasks", new { view = "everything" });
        Assert.Equal("view", view.GetProperty("field").GetString());
        Assert.Contains("full", view.GetProperty("expected").GetString());
    }

    [Fact]
    public async Task Every_list_tool_answers_compact_items_without_nulls()
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server, 3);
        await server.CallOkAsync("create_tasks", new { items = new[] { new { title = "Call Person 1", due = "2027-01-02", deals = new[] { "DEAL-001" } } } });
        await server.CallOkAsync("create_services", new { deal = "DEAL-001", items = new[] { new { name = "Seats", amount = 25, quantity = 4 } } });
        foreach (var (tool, key) in new[] { ("get_deals", "identifier"), ("get_companies", "id"), ("get_contacts", "id"), ("get_tasks", "id"), ("get_services", "id"), ("get_users", "id") })
        {
            var page = await server.CallOkAsync(tool);
            var items = page.GetProperty("data").GetProperty("items").EnumerateArray().ToList();
            Assert.NotEmpty(items);
            Assert.All(items, i => Assert.Equal(key, i.EnumerateObject().First().Name));
            Assert.DoesNotContain("null", page.GetProperty("data").GetProperty("items").GetRawText());
        }
        var task = (await server.CallOkAsync("get_tasks")).GetProperty("data").GetProperty("items")[0];
        Assert.Equal("DEAL-001", task.GetProperty("deals")[0].GetString());
        var service = (await server.CallOkAsync("get_services")).GetProperty("data").GetProperty("items")[0];
        Assert.Equal("100.00 USD", service.GetProperty("total").GetString());
    }
}
