using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Hosting;
using Crm.Mcp.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Tests.Hosting;

/// <summary>
/// The server serves the schemas in Hosting/ToolSchemas.json instead of generating them at start (BENCHMARKS.md,
/// "Start-up and memory"): the file must be what the SDK's generator makes of the tools' signatures today, and a tool
/// built from it must be the one the SDK would have built.
/// </summary>
public sealed class ToolSchemaFileTests
{
    private static string FilePath => Path.Combine(CliRunner.RepositoryRoot(), "src", "Crm.Mcp", "Hosting", "ToolSchemas.json");

    private static ServiceProvider Services() => new ServiceCollection().AddLogging()
        .AddCrmCore(new CrmSettings { DatabasePath = Path.Combine(Path.GetTempPath(), "crm-mcp-schemas-unused.db") })
        .BuildServiceProvider();

    [Fact]
    public void The_schema_file_is_what_the_sdk_generates_from_the_tools()
    {
        using var services = Services();
        var text = ToolSchemas.FileText(ToolCatalog.All.Select(e =>
        {
            var (input, output) = ToolSchemas.Generate(e, services);
            return (e.Name, input, output);
        }));
        if (Snapshot.Updating) File.WriteAllText(FilePath, text);
        Assert.True(File.ReadAllText(FilePath).ReplaceLineEndings("\n") == text,
            "Hosting/ToolSchemas.json is not what the tools' signatures give: run `UPDATE_SNAPSHOTS=1 dotnet test --filter ToolSchemaFileTests`, rebuild, review the diff (and the snapshots').");
        using var embedded = typeof(ToolSchemas).Assembly.GetManifestResourceStream(ToolSchemas.FileResource)!;
        Assert.True(new StreamReader(embedded).ReadToEnd().ReplaceLineEndings("\n") == text,
            "The embedded Hosting/ToolSchemas.json is older than the file: rebuild.");
    }

    [Fact]
    public void A_tool_built_from_the_file_is_the_one_the_sdk_builds()
    {
        using var services = Services();
        foreach (var entry in ToolCatalog.All)
        {
            var ours = ToolCatalog.Create(entry, services);
            var sdk = McpServerTool.Create(entry.Method, request => entry.NewInstance(request.Services!),
                new McpServerToolCreateOptions { Services = services, SerializerOptions = CrmJson.Options, SchemaCreateOptions = ToolSchemas.NoneGenerated });
            sdk.ProtocolTool.InputSchema = ours.ProtocolTool.InputSchema;
            sdk.ProtocolTool.OutputSchema = ours.ProtocolTool.OutputSchema;
            Assert.Equal(JsonSerializer.Serialize(sdk.ProtocolTool, McpJsonUtilities.DefaultOptions), JsonSerializer.Serialize(ours.ProtocolTool, McpJsonUtilities.DefaultOptions));
            Assert.Equal(sdk.Metadata, ours.Metadata);
        }
    }

    [Fact]
    public void A_tool_missing_from_the_file_is_refused_with_the_command_that_adds_it()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ToolSchemas.Of("no_such_tool"));
        Assert.Contains("UPDATE_SNAPSHOTS=1 dotnet test --filter ToolSchemaFileTests", error.Message);
    }
}
