using System.Text.RegularExpressions;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Hosting;

/// <summary>
/// Dependencies point inward (features -> data -> common; only the CLI starts hosts): a folder's source may not name
/// a namespace further out, fully or (inside Crm.Mcp) partly qualified, in code, usings or doc references.
/// </summary>
public sealed class DependencyDirectionTests
{
    [Theory]
    [InlineData("Common", "Data|Resolution|Lists|Security|Features|Hosting|Cli|Transfer|Clients|Bulk")]
    [InlineData("Data", "Features|Hosting|Cli|Transfer|Clients|Bulk")]
    [InlineData("Hosting", "Cli")]
    public void A_folder_names_nothing_further_out(string folder, string outward)
    {
        var root = Path.Combine(CliRunner.RepositoryRoot(), "src", "Crm.Mcp", folder);
        var reference = new Regex($@"(using\s+Crm\.Mcp\.({outward})\b)|((?<![\w.])(Crm\.Mcp\.)?({outward})\.[A-Z])");
        var found = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => File.ReadLines(file).Select((line, i) => (file, line, i)))
            .Where(l => reference.IsMatch(l.line))
            .Select(l => $"{Path.GetRelativePath(root, l.file)}:{l.i + 1}: {l.line.Trim()}")
            .ToList();
        Assert.True(found.Count == 0, $"{folder}/ reaches outward:\n{string.Join('\n', found)}");
    }
}
