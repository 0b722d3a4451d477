using Crm.Mcp.Hosting;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Hosting;

/// <summary>docs/tools.md and the README's toolset table are generated from the catalog; they must not drift.</summary>
public sealed class ToolReferenceTests
{
    [Fact]
    public void The_generated_tool_reference_matches_the_catalog()
    {
        foreach (var (path, current, regenerated) in ToolReference.Render(CliRunner.RepositoryRoot()))
            Assert.True(current == regenerated,
                $"{Path.GetFileName(path)} differs from the tool catalog: run `{ToolReference.UpdateCommand}` and review the diff.");
    }

    [Fact]
    public void The_reference_names_every_tool_and_toolset_with_its_arguments()
    {
        var sections = ToolReference.Sections();
        var readme = sections.Single(s => s.File == "README.md").Content;
        var tools = sections.Single(s => s.File == "docs/tools.md").Content;
        foreach (var toolset in ToolCatalog.Toolsets)
        {
            Assert.Contains($"| `{toolset}` |", readme);
            Assert.Contains(ToolCatalog.Descriptions[toolset], readme);
        }
        foreach (var entry in ToolCatalog.All) Assert.Contains($"\n#### {entry.Name}\n", tools);
        Assert.Contains("| `deal` (required) | string |", tools);
        Assert.Contains("| `create_if_missing` | `auto` \\| `always` \\| `never` |", tools);
    }

    [Fact]
    public async Task The_tools_command_lists_every_tool_with_its_toolset()
    {
        var listed = await CliRunner.RunAsync("tools");
        Assert.Equal(0, listed.ExitCode);
        foreach (var entry in ToolCatalog.All) Assert.Contains(entry.Name, listed.Output);
        Assert.Contains("deals*", listed.Output);
    }
}
