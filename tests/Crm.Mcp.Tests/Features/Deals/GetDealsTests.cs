using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Deals;

public sealed class GetDealsTests
{
    [Fact]
    public async Task Get_deal_finds_by_id_and_by_identifier_in_any_case()
    {
        await using var server = await TestServer.StartAsync();
        var created = (await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 10 })).GetProperty("data").GetProperty("deal");
        var byId = await server.CallOkAsync("get_deal", new { deal = created.GetProperty("id").GetString() });
        var byIdentifier = await server.CallOkAsync("get_deal", new { deal = "deal-001" });
        Assert.Equal(created.GetRawText(), byId.GetProperty("data").GetRawText());
        Assert.Equal(created.GetRawText(), byIdentifier.GetProperty("data").GetRawText());

        var missing = await server.CallErrorAsync("get_deal", new { deal = "DEAL-999" });
        Assert.Equal("not_found", missing.GetProperty("code").GetString());
        Assert.Equal("deal", missing.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Pages_through_every_deal_once_with_the_cursor()
    {
        await using var server = await TestServer.StartAsync();
        for (var i = 0; i < 23; i++)
            await server.CallOkAsync("create_deal_draft", new { company_name = i % 2 == 0 ? "Even Co" : "Odd Co", stage_name = i % 3 == 0 ? "Proposal" : null });

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = (await server.CallOkAsync("get_deals", new { limit = 5, cursor })).GetProperty("data");
            Assert.Equal(23, page.GetProperty("total").GetProperty("value").GetInt64());
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("identifier").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
            Assert.Equal(cursor is not null, page.GetProperty("has_more").GetBoolean());
            pages++;
        } while (cursor is not null);

        Assert.Equal(5, pages);
        Assert.Equal(23, seen.Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 23).Reverse().Select(n => $"DEAL-{n:000}"), seen);
    }

    [Fact]
    public async Task Filters_by_stage_company_and_draft_flag()
    {
        await using var server = await TestServer.StartAsync();
        for (var i = 0; i < 6; i++)
            await server.CallOkAsync("create_deal_draft", new { company_name = i % 2 == 0 ? "Even Co" : "Odd Co", stage_name = i < 3 ? "Proposal" : "Discovery" });

        async Task<long> Total(object args) => (await server.CallOkAsync("get_deals", args)).GetProperty("data").GetProperty("total").GetProperty("value").GetInt64();
        Assert.Equal(3, await Total(new { stage = "proposal" }));
        Assert.Equal(3, await Total(new { company = "EVEN CO." }));
        Assert.Equal(2, await Total(new { company = "Even Co", stage = "Proposal" }));
        Assert.Equal(6, await Total(new { is_draft = true }));
        Assert.Equal(0, await Total(new { is_draft = false }));
    }

    [Theory]
    [InlineData("""{"stage": "Nowhere"}""", "stage", "no stage")]
    [InlineData("""{"company": "Nobody Inc"}""", "company", "no company")]
    [InlineData("""{"limit": 0}""", "limit", "out of range")]
    [InlineData("""{"limit": 101}""", "limit", "out of range")]
    [InlineData("""{"limit": 2.5}""", "limit", "not integer")]
    [InlineData("""{"cursor": "garbage"}""", "cursor", "not a cursor")]
    public async Task Bad_list_arguments_are_errors_not_empty_lists(string arguments, string field, string problem)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        var error = await server.CallErrorAsync("get_deals", JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments));
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(problem, error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }
}
