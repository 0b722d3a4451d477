using System.Text;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Bench;

/// <summary>
/// @modelcontextprotocol/server-memory, the knowledge-graph store people point an assistant at to "remember my
/// contacts": a Node process over stdio, one JSONL file it reads whole and rewrites whole on every call. Installed by
/// `npm ci` in bench/node (pinned there).
/// </summary>
public static class MemoryServer
{
    public static string Script => NodeFile(Path.Combine("node_modules", "@modelcontextprotocol", "server-memory", "dist", "index.js"));

    /// <summary>bench/node/echo.mjs: the TypeScript SDK's floor for a tool call (one tool echoing its argument).</summary>
    public static string EchoScript => NodeFile("echo.mjs");

    private static string NodeFile(string relative)
    {
        {
            var root = Environment.GetEnvironmentVariable("BENCH_NODE_DIR");
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); root is null && dir is not null; dir = dir.Parent)
                if (Directory.Exists(Path.Combine(dir.FullName, "bench", "node")))
                    root = Path.Combine(dir.FullName, "bench", "node");
            var script = Path.Combine(root ?? "bench/node", relative);
            return File.Exists(script) ? script : throw new FileNotFoundException($"{script}: run `npm ci` in bench/node first");
        }
    }

    public static string Version =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Script))!, "package.json")))
            .RootElement.GetProperty("version").GetString()!;

    public static Task<ServerProcess> StartEchoAsync() => ServerProcess.StartAsync("node", [EchoScript]);

    public static Task<ServerProcess> StartAsync(string memoryFile) =>
        ServerProcess.StartAsync("node", [Script], new Dictionary<string, string> { ["MEMORY_FILE_PATH"] = memoryFile });

    /// <summary>N contacts as the server itself would have stored them (person entities, email and company as
    /// observations), written straight to its file.</summary>
    public static string Prefill(string folder, int contacts)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"memory-{contacts}.jsonl");
        if (File.Exists(path)) return path;
        var lines = new StringBuilder();
        for (var i = 0; i < contacts; i++)
        {
            lines.Append(JsonSerializer.Serialize(new
            {
                type = "entity",
                name = $"{BenchData.FullName(i)} {i}",
                entityType = "person",
                observations = new[] { $"email: {BenchData.Email(i)}", $"works at {BenchData.CompanyName(i)}" },
            }));
            if (i < contacts - 1) lines.Append('\n');
        }
        File.WriteAllText(path + ".tmp", lines.ToString());
        File.Move(path + ".tmp", path);
        return path;
    }
}

/// <summary>The side-by-side calls against server-memory, the same shape as ours: store one contact, store 100, open
/// one by name, search.</summary>
public sealed class MemoryWorkloads(McpClient client, int contacts)
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];

    private int Row(int i) => (int)((Math.Max(i, 0) * 7919L + 13) % contacts);

    public Task NoOp(int _) => client.PingAsync().AsTask();

    public Task CreateEntity(int i) => Call("create_entities", new Dictionary<string, object?> { ["entities"] = new[] { Entity($"{i}") } });

    public Task CreateEntities(int batch, int size) =>
        Call("create_entities", new Dictionary<string, object?> { ["entities"] = Enumerable.Range(0, size).Select(k => Entity($"{batch}.{k}")).ToArray() });

    public Task OpenNode(int i) => Call("open_nodes", new Dictionary<string, object?> { ["names"] = new[] { $"{BenchData.FullName(Row(i))} {Row(i)}" } });

    public Task SearchNodes(int i) => Call("search_nodes", new Dictionary<string, object?> { ["query"] = BenchData.CompanyCore(Row(i)) });

    private Dictionary<string, object?> Entity(string key) => new()
    {
        ["name"] = $"Cara {_run} {key}",
        ["entityType"] = "person",
        ["observations"] = new[] { $"email: cara.{_run}.{key}@bulk.example", $"works at Contact {_run} Company {key}" },
    };

    private async Task Call(string tool, Dictionary<string, object?> arguments)
    {
        var result = await client.CallToolAsync(tool, arguments);
        if (result.IsError == true)
            throw new InvalidOperationException($"{tool} failed: {(result.Content.FirstOrDefault() as TextContentBlock)?.Text}");
    }
}
