using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Pipelines;

public sealed class PipelineToolsTests
{
    private static async Task<JsonElement> SalesAsync(TestServer server, object? args = null) =>
        (await server.CallOkAsync("get_pipelines", args)).GetProperty("data").GetProperty("items")[0];

    private static string[] Names(JsonElement pipeline) =>
        pipeline.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToArray();

    private static JsonElement Stage(JsonElement pipeline, string name) =>
        pipeline.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);

    [Fact]
    public async Task Lists_the_default_pipeline_with_stages_in_order_and_deal_counts_and_amounts_per_currency()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 1000, stage_name = "Proposal" });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 250.5, stage_name = "Proposal" });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Beta", amount = 900, currency = "EUR", stage_name = "Proposal" });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Gamma" });

        var response = (await server.CallOkAsync("get_pipelines")).GetProperty("data");
        Assert.Equal(1, response.GetProperty("total").GetInt64());
        var sales = response.GetProperty("items")[0];
        Assert.Equal("Sales", sales.GetProperty("name").GetString());
        Assert.True(sales.GetProperty("is_default").GetBoolean());
        Assert.Equal(["Qualified", "Discovery", "Proposal", "Negotiation", "Closed Won", "Closed Lost"], Names(sales));
        Assert.Equal([1L, 2, 3, 4, 5, 6], sales.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("position").GetInt64()));
        Assert.Equal(["open", "open", "open", "open", "won", "lost"], sales.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("kind").GetString()));

        var proposal = Stage(sales, "Proposal");
        Assert.Equal(3, proposal.GetProperty("deal_count").GetInt64());
        var totals = proposal.GetProperty("totals").EnumerateArray().ToList();
        Assert.Equal(["EUR", "USD"], totals.Select(t => t.GetProperty("currency").GetString()));
        Assert.Equal("90000", totals[0].GetProperty("amount").GetString());
        Assert.Equal("125050", totals[1].GetProperty("amount").GetString());
        Assert.Equal("$1.25K", totals[1].GetProperty("amount_display").GetProperty("formatted").GetString());
        Assert.Equal(2, totals[1].GetProperty("deal_count").GetInt64());

        var qualified = Stage(sales, "Qualified");
        Assert.Equal(1, qualified.GetProperty("deal_count").GetInt64());
        Assert.Equal("0", qualified.GetProperty("totals")[0].GetProperty("amount").GetString());
        Assert.Equal(4, sales.GetProperty("deal_count").GetInt64());
        Assert.Equal(0, Stage(sales, "Closed Won").GetProperty("totals").GetArrayLength());

        var published = await SalesAsync(server, new { pipeline = "sales", include_drafts = false });
        Assert.Equal(0, published.GetProperty("deal_count").GetInt64());
    }

    [Fact]
    public async Task Totals_of_huge_amounts_are_exact()
    {
        await using var server = await TestServer.StartAsync();
        for (var i = 0; i < 12; i++)
            await server.CallOkAsync("create_deal_draft", new { amount = 8_000_000_000_000_000.0, currency = "JPY", stage_name = "Proposal" });
        var total = Stage(await SalesAsync(server), "Proposal").GetProperty("totals")[0];
        Assert.Equal("96000000000000000", total.GetProperty("amount").GetString());
    }

    [Fact]
    public async Task Create_stage_goes_after_the_last_open_stage_or_at_the_position_asked_for()
    {
        await using var server = await TestServer.StartAsync();
        var created = (await server.CallOkAsync("create_stage", new { name = "Legal review" })).GetProperty("data");
        Assert.Equal(5, created.GetProperty("stage").GetProperty("position").GetInt64());
        Assert.Equal("open", created.GetProperty("stage").GetProperty("kind").GetString());
        Assert.Equal(["Qualified", "Discovery", "Proposal", "Negotiation", "Legal review", "Closed Won", "Closed Lost"], Names(created.GetProperty("pipeline")));

        await server.CallOkAsync("create_stage", new { name = "Lead", position = 1 });
        await server.CallOkAsync("create_stage", new { name = "Churned", kind = "lost" });
        var sales = await SalesAsync(server);
        Assert.Equal(["Lead", "Qualified", "Discovery", "Proposal", "Negotiation", "Legal review", "Closed Won", "Closed Lost", "Churned"], Names(sales));
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), sales.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("position").GetInt64()));

        // The resolver's "create the stage a deal names" keeps working with the new order.
        var deal = (await server.CallOkAsync("create_deal_draft", new { stage_name = "Demo" })).GetProperty("data").GetProperty("deal");
        Assert.Equal("Demo", deal.GetProperty("stage").GetProperty("name").GetString());
        Assert.Equal(7, Stage(await SalesAsync(server), "Demo").GetProperty("position").GetInt64());
    }

    [Fact]
    public async Task Update_stage_renames_reorders_and_changes_kind()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { stage_name = "Proposal" });

        var renamed = (await server.CallOkAsync("update_stage", new { stage = "proposal", name = "Quote sent", position = 1 })).GetProperty("data");
        Assert.Equal("Quote sent", renamed.GetProperty("stage").GetProperty("name").GetString());
        Assert.Equal(1, renamed.GetProperty("stage").GetProperty("deal_count").GetInt64());
        Assert.Equal(["Quote sent", "Qualified", "Discovery", "Negotiation", "Closed Won", "Closed Lost"], Names(renamed.GetProperty("pipeline")));

        // Case-only rename of itself is not a clash.
        await server.CallOkAsync("update_stage", new { stage = "Quote sent", name = "QUOTE SENT" });

        // An open stage turned won moves to the start of the closed stages.
        var won = (await server.CallOkAsync("update_stage", new { stage = "Discovery", kind = "won" })).GetProperty("data");
        Assert.Equal(["QUOTE SENT", "Qualified", "Negotiation", "Discovery", "Closed Won", "Closed Lost"], Names(won.GetProperty("pipeline")));
        Assert.Equal("won", won.GetProperty("stage").GetProperty("kind").GetString());

        var last = (await server.CallOkAsync("update_stage", new { stage = "Closed Won", position = 6 })).GetProperty("data");
        Assert.Equal(["QUOTE SENT", "Qualified", "Negotiation", "Discovery", "Closed Lost", "Closed Won"], Names(last.GetProperty("pipeline")));
    }

    [Fact]
    public async Task The_last_open_stage_can_neither_close_nor_be_deleted()
    {
        await using var server = await TestServer.StartAsync();
        foreach (var name in new[] { "Qualified", "Discovery", "Proposal" })
            await server.CallOkAsync("delete_stage", new { stage = name });
        var before = await server.Database.FingerprintAsync();

        var close = await server.CallErrorAsync("update_stage", new { stage = "Negotiation", kind = "won" });
        Assert.Equal("kind", close.GetProperty("field").GetString());
        var delete = await server.CallErrorAsync("delete_stage", new { stage = "Negotiation", move_deals_to = "Closed Won" });
        Assert.Equal("stage", delete.GetProperty("field").GetString());
        Assert.Contains("only open stage", delete.GetProperty("message").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
        Assert.Equal(["Negotiation", "Closed Won", "Closed Lost"], Names(await SalesAsync(server)));
    }

    [Fact]
    public async Task Delete_stage_moves_its_deals_after_the_target_stage_deals_and_renumbers()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { name = "Already there", stage_name = "Negotiation", amount = 10 });
        await server.CallOkAsync("create_deal_draft", new { name = "Moved first", stage_name = "Proposal", amount = 20 });
        await server.CallOkAsync("create_deal_draft", new { name = "Moved second", stage_name = "Proposal", amount = 30 });

        var missingTarget = await server.CallErrorAsync("delete_stage", new { stage = "Proposal" });
        Assert.Equal("move_deals_to", missingTarget.GetProperty("field").GetString());
        Assert.Contains("2 deal(s)", missingTarget.GetProperty("message").GetString());
        Assert.Contains("Negotiation", missingTarget.GetProperty("expected").GetString());

        var deleted = (await server.CallOkAsync("delete_stage", new { stage = "Proposal", move_deals_to = "negotiation" })).GetProperty("data");
        Assert.Equal("Proposal", deleted.GetProperty("deleted").GetProperty("name").GetString());
        Assert.Equal(2, deleted.GetProperty("moved_deals").GetInt64());
        Assert.Equal("Negotiation", deleted.GetProperty("moved_to").GetProperty("name").GetString());
        var pipeline = deleted.GetProperty("pipeline");
        Assert.Equal(["Qualified", "Discovery", "Negotiation", "Closed Won", "Closed Lost"], Names(pipeline));
        Assert.Equal([1L, 2, 3, 4, 5], pipeline.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("position").GetInt64()));
        Assert.Equal(3, Stage(pipeline, "Negotiation").GetProperty("deal_count").GetInt64());
        Assert.Equal("6000", Stage(pipeline, "Negotiation").GetProperty("totals")[0].GetProperty("amount").GetString());

        var deals = (await server.CallOkAsync("get_deals", new { view = "full", stage = "Negotiation" })).GetProperty("data").GetProperty("items")
            .EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("order_in_stage").GetInt64());
        Assert.Equal(0, deals["Already there"]);
        Assert.Equal(1, deals["Moved first"]);
        Assert.Equal(2, deals["Moved second"]);
        Assert.Equal(0, await CountAsync(server, "SELECT COUNT(*) FROM deals WHERE stage_id NOT IN (SELECT id FROM stages)"));

        var empty = (await server.CallOkAsync("delete_stage", new { stage = "Discovery" })).GetProperty("data");
        Assert.Equal(0, empty.GetProperty("moved_deals").GetInt64());
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("moved_to").ValueKind);
    }

    public static TheoryData<string, string, string> BadInput() => new()
    {
        { "create_stage", "{}", "name" },
        { "create_stage", """{"name": "  "}""", "name" },
        { "create_stage", """{"name": "Proposal!"}""", "name" },
        { "create_stage", """{"name": "Demo", "kind": "maybe"}""", "kind" },
        { "create_stage", """{"name": "Demo", "position": 0}""", "position" },
        { "create_stage", """{"name": "Demo", "position": 9}""", "position" },
        { "create_stage", """{"name": "Demo", "position": 6}""", "position" },
        { "create_stage", """{"name": "Done deal", "kind": "won", "position": 2}""", "position" },
        { "create_stage", """{"name": "Demo", "pipeline": "Nowhere"}""", "pipeline" },
        { "update_stage", """{"stage": "Proposal"}""", "name" },
        { "update_stage", """{"stage": "Nowhere", "name": "X"}""", "stage" },
        { "update_stage", """{"stage": "Proposal", "name": "discovery"}""", "name" },
        { "update_stage", """{"stage": "Proposal", "position": 5}""", "position" },
        { "update_stage", """{"stage": "Proposal", "kind": "closed"}""", "kind" },
        { "update_stage", """{"stage": "Proposal", "name": 3}""", "name" },
        { "delete_stage", """{"stage": "Proposal"}""", "move_deals_to" },
        { "delete_stage", """{"stage": "Proposal", "move_deals_to": "Proposal"}""", "move_deals_to" },
        { "delete_stage", """{"stage": "Proposal", "move_deals_to": "Nowhere"}""", "move_deals_to" },
        { "delete_stage", """{"stage": "00000000-0000-4000-8000-0000000009ff", "move_deals_to": "Discovery"}""", "stage" },
        { "get_pipelines", """{"pipeline": "Nowhere"}""", "pipeline" },
        { "get_pipelines", """{"include_drafts": "yes"}""", "include_drafts" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_names_the_field_and_writes_nothing(string tool, string arguments, string field)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { stage_name = "Proposal" });
        var before = await server.Database.FingerprintAsync();
        var stagesBefore = Names(await SalesAsync(server));

        var error = await server.CallErrorAsync(tool, JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments));
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("expected").GetString()));
        Assert.Equal(before, await server.Database.FingerprintAsync());
        Assert.Equal(stagesBefore, Names(await SalesAsync(server)));
    }

    private static async Task<long> CountAsync(TestServer server, string sql)
    {
        await using var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken);
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, sql);
    }
}
