using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Crm.Mcp.Tests.Infrastructure;

/// <summary>A real HTTP server on 127.0.0.1 (Kestrel) that records every webhook POST and answers what the test says.</summary>
public sealed class TestReceiver : IAsyncDisposable
{
    public sealed record Received(IReadOnlyDictionary<string, string> Headers, string Body);

    private readonly WebApplication _app;
    private readonly Channel<Received> _arrivals = Channel.CreateUnbounded<Received>();
    private readonly List<Received> _all = [];

    /// <summary>The status code for the next request (called once per request).</summary>
    public Func<int> Respond { get; set; } = () => 200;

    /// <summary>When set, each request waits for this before answering (a receiver that hangs).</summary>
    public Task? Hold { get; set; }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/hooks";

    public IReadOnlyList<Received> All
    {
        get { lock (_all) return _all.ToList(); }
    }

    private TestReceiver(WebApplication app, int port)
    {
        _app = app;
        Port = port;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var received = new Received(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body);
            lock (_all) _all.Add(received);
            await _arrivals.Writer.WriteAsync(received);
            if (Hold is { } hold) await hold;
            context.Response.StatusCode = Respond();
        });
    }

    /// <summary>Starts on <paramref name="port"/>, or on a free port when 0.</summary>
    public static async Task<TestReceiver> StartAsync(int port = 0)
    {
        if (port == 0) port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new TestReceiver(app, port);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return receiver;
    }

    /// <summary>A port nothing listens on (yet): for "the receiver is down".</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The next request to arrive (bounded wait, so a broken test fails instead of hanging).</summary>
    public async Task<Received> NextAsync() =>
        await _arrivals.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
