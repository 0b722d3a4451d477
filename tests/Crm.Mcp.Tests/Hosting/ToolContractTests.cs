using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Hosting;
using Crm.Mcp.Tests.Infrastructure;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Tests.Hosting;

/// <summary>Guardrails every tool must pass, plus one reviewed schema snapshot per tool.</summary>
public sealed class ToolContractTests
{
    public static TheoryData<string> ToolNames() => new(ToolCatalog.All.Select(e => e.Name));

    [Fact]
    public void Every_tool_sets_all_four_annotations_explicitly()
    {
        // The SDK's attribute only emits a hint that was assigned, so reading the named arguments is the honest check.
        foreach (var entry in ToolCatalog.All)
        {
            var data = entry.Method.GetCustomAttributesData().Single(a => a.AttributeType == typeof(McpServerToolAttribute));
            var named = data.NamedArguments.Select(a => a.MemberName).ToHashSet();
            foreach (var required in new[] { "Name", "Title", "ReadOnly", "Destructive", "Idempotent", "OpenWorld", "UseStructuredContent" })
                Assert.True(named.Contains(required), $"{entry.Name} does not set {required} on [McpServerTool]");
        }
    }

    [Fact]
    public async Task Every_listed_tool_has_a_title_description_output_schema_and_described_parameters()
    {
        await using var server = await TestServer.StartAsync();
        var tools = await server.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(ToolCatalog.All.Select(e => e.Name).Order(), tools.Select(t => t.Name).Order());
        foreach (var tool in tools.Select(t => t.ProtocolTool))
        {
            Assert.Matches("^[a-z][a-z_]*$", tool.Name);
            Assert.False(string.IsNullOrWhiteSpace(tool.Title), $"{tool.Name}: no title");
            Assert.True(tool.Description?.Length > 40, $"{tool.Name}: description too thin");
            Assert.Contains("Example", tool.Description!);
            Assert.NotNull(tool.OutputSchema);
            Assert.NotNull(tool.Annotations?.ReadOnlyHint);
            Assert.NotNull(tool.Annotations?.DestructiveHint);
            Assert.NotNull(tool.Annotations?.IdempotentHint);
            Assert.False(tool.Annotations?.OpenWorldHint);
            if (tool.Annotations?.DestructiveHint == true)
                Assert.Contains("irreversible", tool.Description!, StringComparison.OrdinalIgnoreCase);
            var schema = tool.InputSchema;
            Assert.False(schema.TryGetProperty("oneOf", out _), $"{tool.Name}: top-level oneOf");
            Assert.False(schema.TryGetProperty("anyOf", out _), $"{tool.Name}: top-level anyOf");
            // dry_run is on 45 write tools: its name says it, and the server's instructions teach it once.
            foreach (var property in schema.GetProperty("properties").EnumerateObject().Where(p => p.Name != WriteCalls.DryRun))
                Assert.True(property.Value.TryGetProperty("description", out var d) && d.GetString()!.Length > 5,
                    $"{tool.Name}.{property.Name}: no description");
        }
    }

    [Theory]
    [MemberData(nameof(ToolNames))]
    public async Task Tool_schema_matches_its_reviewed_snapshot(string name)
    {
        await using var server = await TestServer.StartAsync();
        var tools = await server.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var tool = tools.Single(t => t.Name == name).ProtocolTool;
        Snapshot.Match(name, JsonNode.Parse(JsonSerializer.Serialize(tool, ModelContextProtocol.McpJsonUtilities.DefaultOptions))!);
    }

    [Fact]
    public void Every_snapshot_file_belongs_to_a_tool()
    {
        var files = Directory.GetFiles(Snapshot.Folder(), "*.json").Select(Path.GetFileNameWithoutExtension);
        Assert.Empty(files.Except(ToolCatalog.All.Select(e => e.Name)));
    }

    [Fact]
    public async Task Read_only_mode_lists_only_read_only_tools()
    {
        await using var server = await TestServer.StartAsync(s => new ServeOptions { Settings = s, Toolsets = [ToolCatalog.AllToolsets], ReadOnly = true });
        var tools = await server.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotEmpty(tools);
        Assert.All(tools, t => Assert.True(t.ProtocolTool.Annotations?.ReadOnlyHint));
        Assert.DoesNotContain(tools, t => t.Name == "create_deal_draft");
    }
}
