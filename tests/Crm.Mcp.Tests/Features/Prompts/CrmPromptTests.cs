using System.Text.RegularExpressions;
using Crm.Mcp.Hosting;
using Crm.Mcp.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Tests.Features.Prompts;

public sealed partial class CrmPromptTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<GetPromptResult> Get(TestServer server, string name, Dictionary<string, object?> args) =>
        await server.Client.GetPromptAsync(name, args, cancellationToken: Ct);

    private static string AllText(GetPromptResult result) => string.Join("\n", result.Messages.Select(m => m.Content switch
    {
        TextContentBlock t => t.Text,
        EmbeddedResourceBlock { Resource: TextResourceContents r } => r.Text,
        _ => "",
    }));

    [GeneratedRegex("`([a-z]+(?:_[a-z]+)+)`")]
    private static partial Regex ToolName();

    [Fact]
    public async Task The_prompts_are_listed_with_described_arguments()
    {
        await using var server = await TestServer.StartAsync();
        var prompts = await server.Client.ListPromptsAsync(cancellationToken: Ct);
        Assert.Equal(["forecast", "log_meeting", "pipeline_review", "prepare_for_call"], prompts.Select(p => p.Name).Order());
        foreach (var prompt in prompts.Select(p => p.ProtocolPrompt))
        {
            Assert.False(string.IsNullOrWhiteSpace(prompt.Title));
            Assert.False(string.IsNullOrWhiteSpace(prompt.Description));
            Assert.All(prompt.Arguments ?? [], a => Assert.False(string.IsNullOrWhiteSpace(a.Description)));
        }
        Assert.Equal([("company", true), ("contact", false)],
            prompts.Single(p => p.Name == "prepare_for_call").ProtocolPrompt.Arguments!.Select(a => (a.Name, a.Required == true)));
        Assert.True(prompts.Single(p => p.Name == "log_meeting").ProtocolPrompt.Arguments!.Single(a => a.Name == "conversation").Required);
    }

    [Fact]
    public async Task Every_tool_a_prompt_names_exists()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        var texts = new[]
        {
            AllText(await Get(server, "pipeline_review", new() { ["focus"] = "this quarter" })),
            AllText(await Get(server, "log_meeting", new() { ["conversation"] = "Met Jane; she wants a quote by Friday." })),
            AllText(await Get(server, "prepare_for_call", new() { ["company"] = "Acme" })),
            AllText(await Get(server, "prepare_for_call", new() { ["company"] = "Unknown Co" })),
            AllText(await Get(server, "forecast", new() { ["period"] = "2026-Q1" })),
        };
        var named = texts.SelectMany(t => ToolName().Matches(t).Select(m => m.Groups[1].Value)).Distinct().ToList();
        Assert.Contains("get_deals", named);
        Assert.Contains("create_tasks", named);
        Assert.Contains("append_note", named);
        Assert.Contains("report_deals", named);
        Assert.Contains("log_activity", named);
        Assert.Contains("get_timeline", named);
        Assert.Empty(named.Except(ToolCatalog.All.Select(e => e.Name)));
    }

    [Fact]
    public async Task Pipeline_review_embeds_the_current_pipeline()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 1000, stage_name = "Negotiation" });
        var result = await Get(server, "pipeline_review", new());
        var embedded = Assert.IsType<EmbeddedResourceBlock>(result.Messages[0].Content);
        Assert.Equal("crm://pipeline", embedded.Resource.Uri);
        Assert.Contains("\"deal_count\":1", ((TextResourceContents)embedded.Resource).Text);

        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => Get(server, "pipeline_review", new() { ["pipeline"] = "Nope" }));
        Assert.Contains("no pipeline", unknown.Message);
    }

    [Fact]
    public async Task Prepare_for_call_embeds_a_known_company_and_searches_for_an_unknown_one()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme, Inc.", name = "Acme rollout" });
        var known = await Get(server, "prepare_for_call", new() { ["company"] = "acme", ["contact"] = "jane@acme.com" });
        var embedded = Assert.IsType<EmbeddedResourceBlock>(known.Messages[0].Content);
        Assert.StartsWith("crm://companies/", embedded.Resource.Uri);
        Assert.Contains("Acme rollout", ((TextResourceContents)embedded.Resource).Text);
        Assert.Contains("with jane@acme.com", AllText(known));

        var unknown = await Get(server, "prepare_for_call", new() { ["company"] = "Initrode" });
        Assert.Single(unknown.Messages);
        Assert.Contains("No company is named exactly \"Initrode\"", AllText(unknown));
    }

    [Fact]
    public async Task Log_meeting_carries_the_conversation_and_the_context()
    {
        await using var server = await TestServer.StartAsync();
        var result = await Get(server, "log_meeting", new() { ["conversation"] = "Jane: send the SOC 2 report.", ["company"] = "Acme", ["deal"] = "DEAL-007" });
        var text = AllText(result);
        Assert.Contains("Jane: send the SOC 2 report.", text);
        Assert.Contains("(company: Acme, deal: DEAL-007)", text);
    }

    [Fact]
    public async Task Forecast_reads_reports_for_the_period_and_rejects_a_bad_one()
    {
        await using var server = await TestServer.StartAsync();
        var quarter = AllText(await Get(server, "forecast", new() { ["period"] = "2026-q1", ["pipeline"] = "sales" }));
        Assert.Contains("Forecast 2026-Q1 (2026-01-01 to 2026-03-31", quarter);
        Assert.Contains("\"value\": [\"2026-01-01\", \"2026-03-31\"]", quarter);
        Assert.Contains("\"value\": [\"2025-01-01\", \"2026-01-01\"]", quarter);
        Assert.Contains("\"pipeline\": \"Sales\"", quarter);
        Assert.Contains("Forecast 2026-02 (2026-02-01 to 2026-02-28", AllText(await Get(server, "forecast", new() { ["period"] = "2026-02" })));
        Assert.Contains("Q", AllText(await Get(server, "forecast", new())));

        var bad = await Assert.ThrowsAsync<McpProtocolException>(() => Get(server, "forecast", new() { ["period"] = "next quarter" }));
        Assert.Contains("period", bad.Message);
        Assert.Contains("2026-Q1", bad.Message);
    }

    [Fact]
    public async Task Pipeline_review_uses_report_deals_instead_of_paging_deals()
    {
        await using var server = await TestServer.StartAsync();
        var text = AllText(await Get(server, "pipeline_review", new() { ["pipeline"] = "Sales" }));
        Assert.Contains("`report_deals` with {\"group_by\": [\"stage\"]", text);
        Assert.Contains("\"weighted\"", text);
        Assert.Contains("\"pipeline\": \"Sales\"", text);
    }
}
