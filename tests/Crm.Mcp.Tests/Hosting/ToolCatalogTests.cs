using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Crm.Mcp.Hosting;
using Crm.Mcp.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace Crm.Mcp.Tests.Hosting;

/// <summary>Which tools are served (default toolsets, --toolsets, --tools) and what the catalog costs the model.</summary>
public sealed class ToolCatalogTests
{
    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Model-facing bytes: what clients hand the model per tool (name, description, inputSchema as compact
    /// JSON; a client parses the wire's \u0022 escapes, so they are not counted).</summary>
    public static int ModelFacingBytes(IEnumerable<McpClientTool> tools) =>
        tools.Sum(t => Encoding.UTF8.GetByteCount(t.Name) + Encoding.UTF8.GetByteCount(t.ProtocolTool.Description ?? "")
                       + Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(t.ProtocolTool.InputSchema, Unescaped)));

    public static int WireBytes(IEnumerable<McpClientTool> tools) =>
        JsonSerializer.SerializeToUtf8Bytes(tools.Select(t => t.ProtocolTool).ToList(), McpJsonUtilities.DefaultOptions).Length;

    /// <summary>An assistant pays for tools/list on every turn. Growing past a budget is allowed on purpose only:
    /// raise it together with the figures in README.md ("Toolsets").</summary>
    [Fact]
    public async Task Default_and_full_catalogs_stay_within_their_budgets()
    {
        // Issue 17's budgets. The full catalog got here by saying each shared thing once (instructions for the write
        // arguments, ListDocs, EntityLookup.RecordDoc, a bulk tool's items as its singular twin's arguments).
        const int DefaultBudget = 20_000, FullBudget = 50_000;
        await using var lean = await TestServer.StartAsync(s => new ServeOptions { Settings = s });
        var defaults = await lean.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        await using var full = await TestServer.StartAsync();
        var all = await full.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);

        var (defaultBytes, fullBytes) = (ModelFacingBytes(defaults), ModelFacingBytes(all));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"catalog sizes: default {defaults.Count} tools, {defaultBytes:N0} B model-facing, {WireBytes(defaults):N0} B on the wire; " +
            $"all {all.Count} tools, {fullBytes:N0} B model-facing, {WireBytes(all):N0} B on the wire");
        Assert.True(defaultBytes <= DefaultBudget, $"the default catalog is {defaultBytes:N0} model-facing bytes, over its budget of {DefaultBudget:N0}.");
        Assert.True(fullBytes <= FullBudget, $"the full catalog is {fullBytes:N0} model-facing bytes, over its budget of {FullBudget:N0}.");
    }

    [Fact]
    public async Task Without_toolsets_only_the_default_toolsets_are_served()
    {
        await using var server = await TestServer.StartAsync(s => new ServeOptions { Settings = s });
        var tools = await server.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var expected = ToolCatalog.All.Where(e => ToolCatalog.Default.Contains(e.Toolset)).Select(e => e.Name).Order();
        Assert.Equal(expected, tools.Select(t => t.Name).Order());
        Assert.Contains(tools, t => t.Name == "create_deal_draft");
        Assert.DoesNotContain(tools, t => t.Name == "create_webhook");
        Assert.DoesNotContain(tools, t => t.Name == "delete_deals");
    }

    [Fact]
    public async Task Toolsets_add_to_the_default_and_tools_is_an_exact_list()
    {
        await using var more = await TestServer.StartAsync(s => new ServeOptions { Settings = s, Toolsets = ["default", "destructive"] });
        var names = (await more.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken)).Select(t => t.Name).ToList();
        Assert.Contains("delete_deals", names);
        Assert.Contains("get_deals", names);
        Assert.DoesNotContain("create_webhook", names);

        await using var exact = await TestServer.StartAsync(s => new ServeOptions { Settings = s, Toolsets = ["all"], Tools = ["get_deals", "append_note"] });
        var exactNames = (await exact.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken)).Select(t => t.Name).Order();
        Assert.Equal(["append_note", "get_deals"], exactNames);
    }

    [Fact]
    public void Every_toolset_is_described_and_unknown_names_are_refused_with_the_list()
    {
        Assert.Empty(ToolCatalog.Toolsets.Except(ToolCatalog.Descriptions.Keys));
        Assert.Empty(ToolCatalog.Default.Except(ToolCatalog.Toolsets));
        Assert.Null(ToolCatalog.Unknown(["all", "deals", "default"], ["get_deals"]));
        Assert.Contains("Available:", ToolCatalog.Unknown(["dealz"], []));
        Assert.Contains("get_dealz", ToolCatalog.Unknown([], ["get_dealz"]));
    }

    [Fact]
    public async Task The_cli_refuses_an_unknown_toolset_and_help_names_every_toolset()
    {
        var help = await CliRunner.RunAsync("--help");
        foreach (var toolset in ToolCatalog.Toolsets) Assert.Contains(toolset, help.Output);
        Assert.Contains("--tools", help.Output);
        var refused = await CliRunner.RunAsync("--toolsets", "dealz");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("unknown dealz", refused.Error);
    }

    /// <summary>update_deals lists its items as update_deal's arguments while update_deal is served, yet every item
    /// field is still checked against the whole shape; served alone, it lists the whole shape again.</summary>
    [Fact]
    public async Task A_bulk_tool_lists_its_items_as_its_twins_arguments_and_still_checks_every_item_field()
    {
        await using var both = await TestServer.StartAsync();
        var tools = await both.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var items = tools.Single(t => t.Name == "update_deals").ProtocolTool.InputSchema.GetProperty("properties").GetProperty("items");
        Assert.Contains("update_deal's arguments", items.GetProperty("description").GetString());
        Assert.False(items.GetProperty("items").TryGetProperty("properties", out _));

        await both.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        var misspelt = await both.CallErrorAsync("update_deals", new { items = new[] { new { deal = "DEAL-001", stage = "Proposal" } } });
        Assert.Equal("items[0].stage", misspelt.GetProperty("field").GetString());
        Assert.Contains("stage_name", misspelt.GetRawText());

        await using var alone = await TestServer.StartAsync(s => new ServeOptions { Settings = s, Tools = ["update_deals"] });
        var listed = Assert.Single(await alone.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.True(listed.ProtocolTool.InputSchema.GetProperty("properties").GetProperty("items").GetProperty("items").TryGetProperty("properties", out var fields));
        Assert.True(fields.TryGetProperty("stage_name", out _));
    }
}
