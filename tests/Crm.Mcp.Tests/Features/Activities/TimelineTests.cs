using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Activities;

public sealed class TimelineTests
{
    private static string[] Titles(JsonElement timeline) =>
        timeline.GetProperty("items").EnumerateArray().Select(i => $"{i.GetProperty("kind").GetString()} | {i.GetProperty("title").GetString()}").ToArray();

    [Fact]
    public async Task A_deals_timeline_has_its_activities_notes_tasks_stage_moves_and_changes_newest_first()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", name = "Acme renewal", amount = 1000, stage_name = "Qualified", people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } });
        await server.CallOkAsync("log_activity", new { type = "call", subject = "Discovery call", occurred_at = "2020-01-02T10:00:00Z", deals = new[] { "DEAL-001" }, outcome = "connected", body = "Budget **approved**" });
        await server.CallOkAsync("update_deal", new { deal = "DEAL-001", stage_name = "Proposal", amount = 1200 });
        await server.CallOkAsync("append_note", new { entity = "deal", record = "DEAL-001", text = "Sent the proposal" });
        await server.CallOkAsync("create_tasks", new { items = new[] { new { title = "Chase signature", type = "follow_up", due = "2030-01-10", deals = new[] { "DEAL-001" } } } });

        var timeline = (await server.CallOkAsync("get_timeline", new { entity = "deal", record = "DEAL-001" })).GetProperty("data");
        Assert.Equal("Acme renewal", timeline.GetProperty("name").GetString());
        var titles = Titles(timeline);
        Assert.Equal("task | follow_up task open (due 2030-01-10): Chase signature", titles[0]);
        Assert.Equal("note | note added", titles[1]);
        Assert.Equal("Sent the proposal", timeline.GetProperty("items")[1].GetProperty("detail").GetString());
        Assert.Contains("stage | stage: Qualified → Proposal", titles);
        Assert.Contains("change | changed amount: 1000.00 → 1200.00", titles);
        Assert.Equal("created | created deal", titles[^2]);
        Assert.Equal("activity | call: Discovery call", titles[^1]);
        Assert.Equal("connected · Budget **approved**", timeline.GetProperty("items")[titles.Length - 1].GetProperty("detail").GetString());
        Assert.False(timeline.GetProperty("has_more").GetBoolean());

        // Paging walks the same items in the same order, none twice.
        var paged = new List<string>();
        string? cursor = null;
        do
        {
            var page = (await server.CallOkAsync("get_timeline", new { entity = "deal", record = "Acme renewal", limit = 2, cursor })).GetProperty("data");
            paged.AddRange(Titles(page));
            cursor = page.GetProperty("next_cursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next_cursor").GetString();
        } while (cursor is not null);
        Assert.Equal(titles, paged);

        var contact = (await server.CallOkAsync("get_timeline", new { entity = "contact", record = "jane@acme.com" })).GetProperty("data");
        Assert.Equal("created | created contact", Assert.Single(Titles(contact)));
        var company = (await server.CallOkAsync("get_timeline", new { entity = "companies", record = "Acme" })).GetProperty("data");
        Assert.Contains("created | created company", Titles(company));
    }

    [Fact]
    public async Task Bad_input_names_the_field()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        Assert.Equal("entity", (await server.CallErrorAsync("get_timeline", new { entity = "task", record = "x" })).GetProperty("field").GetString());
        var missing = await server.CallErrorAsync("get_timeline", new { entity = "deal", record = "DEAL-999" });
        Assert.Equal("record", missing.GetProperty("field").GetString());
        Assert.Equal("not_found", missing.GetProperty("code").GetString());
        Assert.Equal("cursor", (await server.CallErrorAsync("get_timeline", new { entity = "deal", record = "DEAL-001", cursor = "nonsense" })).GetProperty("field").GetString());
        Assert.Equal("limit", (await server.CallErrorAsync("get_timeline", new { entity = "deal", record = "DEAL-001", limit = 500 })).GetProperty("field").GetString());
    }
}
