using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Crm.Mcp.Tests.Infrastructure;

/// <summary>
/// Approved JSON files in tests/Crm.Mcp.Tests/Snapshots. A difference fails the test; run with
/// UPDATE_SNAPSHOTS=1 to rewrite them, then review the diff like code. A missing snapshot fails too (CI never writes).
/// </summary>
public static class Snapshot
{
    public static bool Updating => Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1";

    public static string Folder([CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(here))!, "Snapshots");

    public static void Match(string name, JsonNode actual)
    {
        var path = Path.Combine(Folder(), name + ".json");
        var text = Sorted(actual).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        if (Updating)
        {
            File.WriteAllText(path, text);
            return;
        }
        Assert.True(File.Exists(path), $"No approved snapshot {path}. Run the tests with UPDATE_SNAPSHOTS=1, review, and commit it.");
        var approved = File.ReadAllText(path).ReplaceLineEndings("\n");
        Assert.True(approved == text, $"Snapshot {name} changed. If intended, run with UPDATE_SNAPSHOTS=1 and review the diff.\n--- actual ---\n{text}");
    }

    /// <summary>Sorted keys so a snapshot diff shows real changes, not reordering.</summary>
    public static JsonNode Sorted(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Sorted(p.Value)))),
        JsonArray array => new JsonArray(array.Select(v => v is null ? null : Sorted(v)).ToArray()),
        _ => node.DeepClone(),
    };
}
