using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Services;

public sealed class ServiceToolsTests
{
    private static async Task<JsonElement> DealAsync(TestServer server, string deal = "DEAL-001") =>
        (await server.CallOkAsync("get_deal", new { deal })).GetProperty("data");

    [Fact]
    public async Task A_deal_reports_total_value_and_quantity_from_its_services()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 5000 });
        var empty = await DealAsync(server);
        Assert.Equal("0", empty.GetProperty("total_value").GetString());
        Assert.Equal(0, empty.GetProperty("total_quantity").GetInt64());
        Assert.Equal("$0.00", empty.GetProperty("total_value_display").GetProperty("formatted").GetString());

        var created = (await server.CallOkAsync("create_services", new
        {
            deal = "deal-001",
            items = new object[]
            {
                new { name = "Licence", amount = 1200.50, quantity = 10 },
                new { name = "Onboarding workshop", amount = 2500, currency = "usd" },
            },
        })).GetProperty("data");
        Assert.Equal(2, created.GetProperty("succeeded").GetInt32());
        var written = created.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("result")).ToList();
        Assert.Equal(["Licence", "Onboarding workshop"], written.Select(i => i.GetProperty("name").GetString()));
        var items = (await server.CallOkAsync("get_services", new { view = "full", deal = "DEAL-001" })).GetProperty("data").GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(written.Select(w => w.GetProperty("id").GetString()), items.Select(i => i.GetProperty("id").GetString()));
        Assert.Equal("120050", items[0].GetProperty("amount").GetString());
        Assert.Equal("1200500", items[0].GetProperty("total").GetString());
        Assert.Equal("$12.01K", items[0].GetProperty("total_display").GetProperty("formatted").GetString());
        Assert.Equal(1, items[1].GetProperty("quantity").GetInt64());
        Assert.Equal([1L, 2], items.Select(i => i.GetProperty("position").GetInt64()));
        Assert.Equal("DEAL-001", items[0].GetProperty("deal").GetProperty("identifier").GetString());

        var deal = await DealAsync(server);
        Assert.Equal("1450500", deal.GetProperty("total_value").GetString());
        Assert.Equal(14505.0, deal.GetProperty("total_value_display").GetProperty("value").GetDouble());
        Assert.Equal(11, deal.GetProperty("total_quantity").GetInt64());
        Assert.Equal("500000", deal.GetProperty("amount").GetString());

        var updated = (await server.CallOkAsync("update_service", new { service = items[0].GetProperty("id").GetString(), quantity = 2, name = "Licence (2 seats)" })).GetProperty("data");
        Assert.Equal("Licence (2 seats)", updated.GetProperty("service").GetProperty("name").GetString());
        Assert.Equal("240100", updated.GetProperty("service").GetProperty("total").GetString());
        Assert.Equal("490100", updated.GetProperty("deal_totals").GetProperty("total_value").GetString());
        Assert.Equal(3, (await DealAsync(server)).GetProperty("total_quantity").GetInt64());

        var deleted = (await server.CallOkAsync("delete_services", new { services = new[] { items[1].GetProperty("id").GetString() } })).GetProperty("data");
        Assert.Equal("Onboarding workshop", deleted.GetProperty("results")[0].GetProperty("result").GetProperty("name").GetString());
        Assert.Equal("240100", (await DealAsync(server)).GetProperty("total_value").GetString());

        // get_deals carries the totals too, and filters and sorts on them.
        var listed = (await server.CallOkAsync("get_deals", new { view = "full" })).GetProperty("data").GetProperty("items")[0];
        Assert.Equal("240100", listed.GetProperty("total_value").GetString());
        await server.CallOkAsync("create_deal_draft", new { });
        async Task<long> Total(string op, double value) => (await server.CallOkAsync("get_deals", new { view = "full", filters = new[] { new { field = "total_value", op, value } } }))
            .GetProperty("data").GetProperty("total").GetProperty("value").GetInt64();
        Assert.Equal(1, await Total("gt", 2400));
        Assert.Equal(0, await Total("gt", 2401));
        Assert.Equal(2, await Total("gte", 0));
    }

    [Fact]
    public async Task Totals_use_the_deal_currency_and_stay_exact_beyond_64_bits()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { currency = "JPY" });
        var created = (await server.CallOkAsync("create_services", new
        {
            deal = "DEAL-001",
            items = new[] { new { name = "Plant", amount = 900_000_000_000_000_000.0, quantity = 1_000_000 } },
        })).GetProperty("data").GetProperty("results")[0].GetProperty("result");
        created = (await server.CallOkAsync("get_services", new { view = "full", deal = "DEAL-001" })).GetProperty("data").GetProperty("items")
            .EnumerateArray().Single(s => s.GetProperty("id").GetString() == created.GetProperty("id").GetString());
        Assert.Equal("JPY", created.GetProperty("currency").GetString());
        Assert.Equal("900000000000000000000000", created.GetProperty("total").GetString());
        Assert.Equal("900000000000000000000000", (await DealAsync(server)).GetProperty("total_value").GetString());
    }

    [Fact]
    public async Task Get_services_filters_by_deal_and_name_and_pages()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { name = "First" });
        await server.CallOkAsync("create_deal_draft", new { name = "Second" });
        await server.CallOkAsync("create_services", new { deal = "First", items = Enumerable.Range(1, 7).Select(i => new { name = $"Item {i}", amount = i }).ToArray() });
        await server.CallOkAsync("create_services", new { deal = "DEAL-002", items = new[] { new { name = "Workshop", amount = 10 } } });

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = (await server.CallOkAsync("get_services", new { view = "full", deal = "DEAL-001", limit = 3, cursor })).GetProperty("data");
            Assert.Equal(7, page.GetProperty("total").GetProperty("value").GetInt64());
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("name").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
            Assert.Equal(cursor is not null, page.GetProperty("has_more").GetBoolean());
        } while (cursor is not null);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => $"Item {i}"), seen);

        var search = (await server.CallOkAsync("get_services", new { view = "full", search = "WORK" })).GetProperty("data");
        Assert.Equal(1, search.GetProperty("total").GetProperty("value").GetInt64());
        Assert.Equal("DEAL-002", search.GetProperty("items")[0].GetProperty("deal").GetProperty("identifier").GetString());
        Assert.Equal(8, (await server.CallOkAsync("get_services", new { view = "full" })).GetProperty("data").GetProperty("total").GetProperty("value").GetInt64());

        var big = (await server.CallOkAsync("get_services", new
        {
            view = "full",
            filters = new[] { new { field = "amount", op = "gte", value = (object)5 } },
            sort = new[] { new { field = "amount", direction = "desc" } },
        })).GetProperty("data");
        Assert.Equal(["Workshop", "Item 7", "Item 6", "Item 5"], big.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!));
    }

    [Fact]
    public async Task Services_go_with_their_deal()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { });
        await server.CallOkAsync("create_services", new { deal = "DEAL-001", items = new[] { new { name = "Item", amount = 1 } } });
        await using (var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken))
            await Dapper.SqlMapper.ExecuteAsync(connection, "DELETE FROM deals");
        Assert.Equal(0, await server.Database.CountAsync("services"));
    }

    private const string Missing = "5b0c3f7e-1d2a-4c3b-9e8f-0a1b2c3d4e5f";

    public static TheoryData<string, string, string> BadInput() => new()
    {
        { "create_services", """{"deal": "DEAL-404", "items": [{"name": "X", "amount": 1}]}""", "deal" },
        { "create_services", """{"deal": "DEAL-001", "items": []}""", "items" },
        { "create_services", """{"deal": "DEAL-001", "items": [{"name": "Ok", "amount": 1}, {"amount": 1}]}""", "items[1].name" },
        { "create_services", """{"deal": "DEAL-001", "items": [{"name": "Ok", "amount": 1}, {"name": "X"}]}""", "items[1].amount" },
        { "create_services", """{"deal": "DEAL-001", "items": [{"name": "X", "amount": -5}]}""", "items[0].amount" },
        { "create_services", """{"deal": "DEAL-001", "items": [{"name": "X", "amount": 1.005}]}""", "items[0].amount" },
        { "create_services", """{"deal": "DEAL-001", "items": [{"name": "X", "amount": 1, "quantity": 0}]}""", "items[0].quantity" },
        { "create_services", """{"deal": "DEAL-001", "items": [{"name": "X", "amount": 1, "currency": "EUR"}]}""", "items[0].currency" },
        { "create_services", """{"deal": "DEAL-001", "items": [{"name": "X", "amount": 1, "price": 2}]}""", "items[0].price" },
        { "get_services", """{"deal": "DEAL-404"}""", "deal" },
        { "get_services", """{"limit": 500}""", "limit" },
        { "get_services", """{"cursor": "nope"}""", "cursor" },
        { "get_services", """{"filters": [{"field": "price", "op": "gt", "value": 1}]}""", "filters[0].field" },
        { "get_services", """{"filters": [{"field": "quantity", "op": "gt", "value": "many"}]}""", "filters[0].value" },
        { "update_service", """{"service": "not-a-uuid", "quantity": 2}""", "service" },
        { "update_service", $$"""{"service": "{{Missing}}", "quantity": 2}""", "service" },
        { "update_service", $$"""{"service": "{{Missing}}"}""", "name" },
        { "update_service", $$"""{"service": "{{Missing}}", "quantity": 2000000}""", "quantity" },
        { "delete_services", """{"services": []}""", "services" },
        { "delete_services", """{"services": ["bad"]}""", "services[0]" },
        { "delete_services", $$"""{"services": ["{{Missing}}"]}""", "services[0]" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_names_the_field_and_writes_nothing(string tool, string arguments, string field)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { });
        var existing = (await server.CallOkAsync("create_services", new { deal = "DEAL-001", items = new[] { new { name = "Kept", amount = 3 } } }))
            .GetProperty("data").GetProperty("results")[0].GetProperty("result").GetProperty("id").GetString();
        var before = await server.Database.FingerprintAsync();

        var error = await server.CallErrorAsync(tool, JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments));
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("expected").GetString()));
        Assert.Equal(before, await server.Database.FingerprintAsync());

        // A bad update or delete next to a good id leaves the good one alone.
        var mixed = await server.CallErrorAsync("delete_services", new { services = new[] { existing, Missing } });
        Assert.Equal("not_found", mixed.GetProperty("code").GetString());
        Assert.Equal("services[1]", mixed.GetProperty("field").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }
}
