using System.Diagnostics;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Bench;

/// <summary>A crm-mcp child process over stdio with an SDK client attached, as an MCP client would start it.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    public McpClient Client { get; }
    public TimeSpan StartToInitialize { get; }
    public int Pid => _process.Id;

    private ServerProcess(Process process, McpClient client, TimeSpan startup)
    {
        _process = process;
        Client = client;
        StartToInitialize = startup;
    }

    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "crm-mcp.dll");

    public static async Task<ServerProcess> StartAsync(string command, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var info = new ProcessStartInfo(command)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in env ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var clock = Stopwatch.StartNew();
        var process = Process.Start(info)!;
        _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
        var client = await McpClient.CreateAsync(
            new StreamClientTransport(process.StandardInput.BaseStream, process.StandardOutput.BaseStream),
            new McpClientOptions
            {
                ClientInfo = new Implementation { Name = "crm-bench", Version = "1" },
                // ping, the no-op floor, was removed in protocol 2026-07-28; 2025-11-25 is what clients speak today.
                ProtocolVersion = "2025-11-25",
            });
        return new ServerProcess(process, client, clock.Elapsed);
    }

    public static Task<ServerProcess> StartCrmAsync(string dbPath) =>
        StartAsync("dotnet", [ServerDll, "serve", "--db", dbPath, "--log-level", "Warning"]);

    /// <summary>Resident set size of the server process, from /proc (Linux).</summary>
    public long RssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        if (!_process.WaitForExit(5000)) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
