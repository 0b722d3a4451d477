using System.Text.Json;
using System.Text.RegularExpressions;
using Crm.Mcp.Features.Board;
using Crm.Mcp.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Tests.Features.Board;

public sealed class BoardToolsTests
{
    [Fact]
    public async Task The_board_has_stages_as_columns_with_cards_and_totals_per_currency()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { name = "Acme license", company_name = "Acme, Inc.", amount = 100000, stage_name = "Proposal", expected_close_date = "2026-12-31" });
        await server.CallOkAsync("create_deal_draft", new { name = "Acme support", company_name = "Acme, Inc.", amount = 250.5, stage_name = "Proposal" });
        await server.CallOkAsync("create_deal_draft", new { name = "Beta rollout", company_name = "Beta GmbH", amount = 900, currency = "EUR", stage_name = "Proposal" });
        await server.CallOkAsync("create_deal_draft", new { name = "Gamma pilot", company_name = "Gamma" });
        await server.CallOkAsync("create_deal_draft", new { name = "Inbound lead" });

        var board = (await server.CallOkAsync("show_pipeline_board")).GetProperty("data");
        Assert.Equal("Sales", board.GetProperty("pipeline").GetProperty("name").GetString());
        Assert.Equal(5, board.GetProperty("deal_count").GetInt64());
        var stages = board.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(["Qualified", "Discovery", "Proposal", "Negotiation", "Closed Won", "Closed Lost"], stages.Select(s => s.GetProperty("name").GetString()));

        var proposal = stages[2];
        Assert.Equal(3, proposal.GetProperty("deal_count").GetInt64());
        Assert.Equal(["Acme license", "Acme support", "Beta rollout"], proposal.GetProperty("deals").EnumerateArray().Select(d => d.GetProperty("name").GetString()));
        var first = proposal.GetProperty("deals")[0];
        Assert.Equal("Acme, Inc.", first.GetProperty("company").GetString());
        Assert.Equal("$100.00K", first.GetProperty("amount").GetString());
        Assert.Equal("2026-12-31", first.GetProperty("close_date").GetString());
        Assert.Equal("DEAL-001", first.GetProperty("identifier").GetString());
        Assert.Equal(["EUR", "USD"], proposal.GetProperty("totals").EnumerateArray().Select(t => t.GetProperty("currency").GetString()));
        var usd = proposal.GetProperty("totals")[1];
        Assert.Equal("$100.25K", usd.GetProperty("formatted").GetString());
        Assert.Equal(2, usd.GetProperty("deal_count").GetInt64());
        Assert.Equal(0, proposal.GetProperty("more").GetInt64());
        Assert.Equal(["Gamma pilot", "Inbound lead"], stages[0].GetProperty("deals").EnumerateArray().Select(d => d.GetProperty("name").GetString()));
        var lead = stages[0].GetProperty("deals")[1];
        Assert.False(lead.TryGetProperty("company", out _)); // no company: left out, not null
        Assert.False(lead.TryGetProperty("owner", out _));
        Assert.True(lead.GetProperty("is_draft").GetBoolean());
    }

    [Fact]
    public async Task Per_stage_limits_the_cards_and_says_how_many_more_there_are()
    {
        await using var server = await TestServer.StartAsync();
        for (var i = 1; i <= 3; i++) await server.CallOkAsync("create_deal_draft", new { name = $"Deal {i}", stage_name = "Discovery" });
        var discovery = (await server.CallOkAsync("show_pipeline_board", new { per_stage = 2 })).GetProperty("data").GetProperty("stages")[1];
        Assert.Equal(2, discovery.GetProperty("deals").GetArrayLength());
        Assert.Equal(1, discovery.GetProperty("more").GetInt64());

        var published = (await server.CallOkAsync("show_pipeline_board", new { include_drafts = false })).GetProperty("data");
        Assert.Equal(0, published.GetProperty("deal_count").GetInt64());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(201)]
    public async Task A_per_stage_out_of_range_is_refused_naming_the_field(int perStage)
    {
        await using var server = await TestServer.StartAsync();
        var error = await server.CallErrorAsync("show_pipeline_board", new { per_stage = perStage });
        Assert.Equal("per_stage", error.GetProperty("field").GetString());
    }

    [Fact]
    public async Task An_unknown_pipeline_is_not_found_with_the_names_there_are()
    {
        await using var server = await TestServer.StartAsync();
        var error = await server.CallErrorAsync("show_pipeline_board", new { pipeline = "Renewals" });
        Assert.Equal("pipeline", error.GetProperty("field").GetString());
        Assert.Contains("Sales", error.GetProperty("expected").GetString());
    }

    [Fact]
    public async Task The_tool_and_get_pipelines_point_at_the_app_resource_which_is_self_contained_html()
    {
        await using var server = await TestServer.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var tools = await server.Client.ListToolsAsync(cancellationToken: ct);
        foreach (var name in new[] { "show_pipeline_board", "get_pipelines" })
        {
            var meta = tools.Single(t => t.Name == name).ProtocolTool.Meta;
            Assert.Equal(BoardTools.ResourceUri, meta?["ui"]?["resourceUri"]?.GetValue<string>());
        }

        var listed = await server.Client.ListResourcesAsync(cancellationToken: ct);
        var app = listed.Single(r => r.Uri == BoardTools.ResourceUri);
        Assert.Equal("text/html;profile=mcp-app", app.MimeType);
        var read = await server.Client.ReadResourceAsync(BoardTools.ResourceUri, cancellationToken: ct);
        var html = Assert.IsType<TextResourceContents>(Assert.Single(read.Contents));
        Assert.Equal("text/html;profile=mcp-app", html.MimeType);
        Assert.StartsWith("<!doctype html>", html.Text);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(html.Text) <= 50 * 1024, "the board must stay within 50 KB");
        // Works offline: nothing loaded from elsewhere (no src/href to another origin, no imports, no web fonts).
        Assert.DoesNotMatch(new Regex(@"(src|href)\s*=\s*[""']?(https?:)?//", RegexOptions.IgnoreCase), html.Text);
        Assert.DoesNotContain("@import", html.Text);
        Assert.DoesNotContain("import(", html.Text);
    }
}
