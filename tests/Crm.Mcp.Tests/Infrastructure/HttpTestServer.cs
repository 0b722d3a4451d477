using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Hosting;
using Crm.Mcp.Hosting.Http;
using Crm.Mcp.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Tests.Infrastructure;

/// <summary>
/// The real HTTP application (middleware, endpoints, SDK transports) on TestHost's in-memory server, on a fresh
/// database, with two extra tools only tests register: whoami (reports the request's actor) and wait_forever.
/// </summary>
public sealed class HttpTestServer : IAsyncDisposable
{
    public const string Endpoint = "http://localhost/mcp";

    private readonly List<McpClient> _clients = [];

    public WebApplication App { get; }
    public HttpClient Http { get; }
    public TestDatabase Database { get; }
    public ApiKeyStore Keys { get; }
    public HttpServeOptions Options { get; }

    private HttpTestServer(WebApplication app, TestDatabase database, HttpServeOptions options)
    {
        App = app;
        Database = database;
        Options = options;
        Http = app.GetTestClient();
        Keys = app.Services.GetRequiredService<ApiKeyStore>();
    }

    /// <summary><paramref name="map"/> adds endpoints beside MCP, as other surfaces (REST) do.</summary>
    public static async Task<HttpTestServer> StartAsync(Func<HttpServeOptions, HttpServeOptions>? configure = null, Action<WebApplicationBuilder>? build = null,
        Action<WebApplication>? map = null)
    {
        var database = await TestDatabase.CreateAsync();
        var options = configure?.Invoke(new HttpServeOptions()) ?? new HttpServeOptions();
        var serve = new ServeOptions { Settings = new CrmSettings { DatabasePath = database.Path }, Toolsets = [ToolCatalog.AllToolsets] };
        var app = HttpHost.Build(serve, options, LogLevel.Warning, builder =>
        {
            builder.WebHost.UseTestServer();
            builder.Services.AddSingleton(WhoAmI());
            builder.Services.AddSingleton(WaitForever());
            builder.Services.AddSingleton(PurgeEverything());
            build?.Invoke(builder);
        });
        map?.Invoke(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new HttpTestServer(app, database, options);
    }

    public async Task<string> CreateKeyAsync(string name, AccessScope scope) => (await Keys.CreateAsync(name, scope)).Key;

    /// <summary>An MCP client over HTTP. protocolVersion null lets the client pick (2026-07-28, sessionless, first).</summary>
    public async Task<McpClient> ConnectAsync(string? key, HttpTransportMode mode = HttpTransportMode.StreamableHttp,
        string? protocolVersion = "2025-11-25", HttpClient? http = null, Uri? endpoint = null)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = endpoint ?? new Uri(mode == HttpTransportMode.Sse ? "http://localhost/sse" : Endpoint),
            TransportMode = mode,
            AdditionalHeaders = key is null ? null : new Dictionary<string, string> { ["x-api-key"] = key },
        }, http ?? Http, ownsHttpClient: false);
        var client = await McpClient.CreateAsync(transport,
            new McpClientOptions { ClientInfo = new Implementation { Name = "crm-http-tests", Version = "1.0" }, ProtocolVersion = protocolVersion },
            cancellationToken: TestContext.Current.CancellationToken);
        _clients.Add(client);
        return client;
    }

    public static async Task<JsonElement> CallOkAsync(McpClient client, string tool, object? arguments = null)
    {
        var result = await CallAsync(client, tool, arguments);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.True(result.IsError is not true, $"{tool} failed: {text}");
        return result.StructuredContent!.Value;
    }

    public static async Task<JsonElement> CallErrorAsync(McpClient client, string tool, object? arguments = null)
    {
        var result = await CallAsync(client, tool, arguments);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.True(result.IsError, $"{tool} was expected to fail: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("error");
    }

    public static Task<CallToolResult> CallAsync(McpClient client, string tool, object? arguments = null)
    {
        var args = arguments is null
            ? new Dictionary<string, object?>()
            : JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(arguments, TestJson.Options))!;
        return client.CallToolAsync(tool, args, cancellationToken: TestContext.Current.CancellationToken).AsTask();
    }

    public static async Task<IReadOnlyList<string>> ToolNamesAsync(McpClient client) =>
        (await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken)).Select(t => t.Name).Order().ToList();

    private static McpServerTool WhoAmI() => McpServerTool.Create(
        () => CallContext.Current.Actor,
        new McpServerToolCreateOptions { Name = "whoami", ReadOnly = true, Destructive = false });

    private static McpServerTool WaitForever() => McpServerTool.Create(
        async (CancellationToken cancellationToken) =>
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return "unreachable";
        },
        new McpServerToolCreateOptions { Name = "wait_forever", ReadOnly = true, Destructive = false });

    private static McpServerTool PurgeEverything() => McpServerTool.Create(
        () => "purged (not really)",
        new McpServerToolCreateOptions { Name = "purge_everything", ReadOnly = false, Destructive = true });

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            try { await client.DisposeAsync(); } catch (Exception e) when (e is HttpRequestException or OperationCanceledException or ObjectDisposedException) { }
        }
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>A clock that moves only when told: idle expiry without sleeping. Its timers fire when it is moved.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;

    public ManualClock() : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) { }

    /// <summary>Starting at the real time, for code that compares with timestamps the database wrote.</summary>
    public static ManualClock StartingNow() => new(DateTimeOffset.UtcNow);

    public DateTimeOffset Now => _now;

    public override DateTimeOffset GetUtcNow() => _now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _now.UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        lock (_timers) _timers.Add(timer);
        return timer;
    }

    public void Advance(TimeSpan by) => Set(_now + by);

    public void Set(DateTimeOffset to)
    {
        _now = to;
        ManualTimer[] timers;
        lock (_timers) timers = [.. _timers];
        foreach (var timer in timers) timer.FireIfDue(_now);
    }

    private sealed class ManualTimer(ManualClock clock, TimerCallback callback, object? state) : ITimer
    {
        private DateTimeOffset? _due;
        private TimeSpan _period;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _due = dueTime == Timeout.InfiniteTimeSpan ? null : clock._now + dueTime;
            _period = period;
            return true;
        }

        /// <summary>Fires once however far the clock jumped (a periodic timer's missed ticks coalesce, as real ones do).</summary>
        public void FireIfDue(DateTimeOffset now)
        {
            if (_due is not { } due || due > now) return;
            _due = _period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan ? now + _period : null;
            callback(state);
        }

        public void Dispose()
        {
            lock (clock._timers) clock._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
