using System.CommandLine;
using Crm.Mcp.Hosting;

namespace Crm.Mcp.Cli;

/// <summary>`crm-mcp tools`: every tool with its toolset; `--update-docs DIR` regenerates the tool reference there.</summary>
public static class ToolsCommand
{
    public static Command Create()
    {
        var updateDocs = new Option<string?>("--update-docs")
        {
            Description = "Rewrite the generated sections of README.md and docs/tools.md under this repository root",
            HelpName = "DIR",
        };
        var command = new Command("tools", "List every tool: name, toolset (* = served by default), read-only or writes") { updateDocs };
        command.SetAction(parse =>
        {
            if (parse.GetValue(updateDocs) is { } root)
            {
                foreach (var (path, current, regenerated) in ToolReference.Render(root))
                {
                    if (current == regenerated) continue;
                    File.WriteAllText(path, regenerated);
                    parse.InvocationConfiguration.Error.WriteLine($"updated {path}");
                }
                return 0;
            }
            foreach (var entry in ToolCatalog.All.OrderBy(e => e.Toolset, StringComparer.Ordinal).ThenBy(e => e.Name, StringComparer.Ordinal))
                parse.InvocationConfiguration.Output.WriteLine($"{entry.Name,-28} {entry.Toolset + (ToolCatalog.Default.Contains(entry.Toolset) ? "*" : ""),-14} {(entry.ReadOnly ? "read-only" : "writes")}");
            return 0;
        });
        return command;
    }
}
