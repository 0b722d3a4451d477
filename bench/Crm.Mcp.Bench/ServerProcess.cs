using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Bench;

/// <summary>A server child process over stdio with an SDK client attached, as an MCP client would start it.</summary>
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

    /// <summary>Environment for every crm-mcp process the bench starts (runtime knobs under test).</summary>
    public static IReadOnlyDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>();

    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "crm-mcp.dll");

    /// <summary>The command line that starts crm-mcp: CRM_MCP_SERVER (an apphost or a .dll, e.g. a ReadyToRun publish)
    /// or the crm-mcp.dll built next to the bench.</summary>
    public static (string Command, string[] Prefix) CrmCommand()
    {
        var server = System.Environment.GetEnvironmentVariable("CRM_MCP_SERVER") is { Length: > 0 } s ? s : ServerDll;
        return server.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ("dotnet", [server]) : (server, []);
    }

    public static McpClientOptions ClientOptions => new()
    {
        ClientInfo = new Implementation { Name = "crm-bench", Version = "1" },
        // ping, the no-op floor, was removed in protocol 2026-07-28; 2025-11-25 is what clients speak today.
        ProtocolVersion = "2025-11-25",
    };

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
            new StreamClientTransport(process.StandardInput.BaseStream, process.StandardOutput.BaseStream), ClientOptions);
        return new ServerProcess(process, client, clock.Elapsed);
    }

    public static Task<ServerProcess> StartCrmAsync(string dbPath)
    {
        var (command, prefix) = CrmCommand();
        return StartAsync(command, [.. prefix, "serve", "--db", dbPath, "--log-level", "Warning", "--toolsets", "all"], Environment.ToDictionary());
    }

    /// <summary>Resident set size of the server process, from /proc (Linux).</summary>
    public long RssBytes() => Rss(_process.Id);

    public double CpuSeconds() => Measure.CpuSeconds(_process.Id);

    public static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
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

/// <summary>crm-mcp serving Streamable HTTP on a free loopback port, no key, no rate limit; clients connect with the
/// SDK's HttpClientTransport.</summary>
public sealed class HttpServer : IAsyncDisposable
{
    private readonly Process _process;
    public Uri Endpoint { get; }
    public int Pid => _process.Id;

    private HttpServer(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public static async Task<HttpServer> StartAsync(string dbPath, bool stateless)
    {
        var port = FreePort();
        var (command, prefix) = ServerProcess.CrmCommand();
        var info = new ProcessStartInfo(command) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[.. prefix, "serve", "--transport", "http", "--no-auth", "--urls", $"http://127.0.0.1:{port}",
                     "--rate-limit", "0", "--max-sessions", "10000", "--db", dbPath, "--log-level", "Warning", .. stateless ? ["--stateless"] : Array.Empty<string>()])
            info.ArgumentList.Add(arg);
        foreach (var (key, value) in ServerProcess.Environment) info.Environment[key] = value;
        var process = Process.Start(info)!;
        _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"crm-mcp http exited with {process.ExitCode}");
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/healthz")).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            await Task.Delay(50);
        }
        return new HttpServer(process, new Uri($"http://127.0.0.1:{port}/mcp"));
    }

    public async Task<McpClient> ConnectAsync() =>
        await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = Endpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
        }), ServerProcess.ClientOptions);

    public long RssBytes() => ServerProcess.Rss(_process.Id);

    public double CpuSeconds() => Measure.CpuSeconds(_process.Id);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            Process.Start("kill", ["-TERM", _process.Id.ToString()])?.WaitForExit();
            await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
