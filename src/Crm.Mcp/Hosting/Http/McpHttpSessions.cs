using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting.Http;

/// <summary>
/// One Streamable HTTP session: its transport, its server loop, who opened it, and when it was last busy. A session
/// is idle only while no request (POST or open GET stream) holds it.
/// </summary>
public sealed class McpHttpSession(string id, string? owner, StreamableHttpServerTransport transport, McpServer server, DateTimeOffset now)
    : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private int _busy;
    private int _getStreams;
    private bool _disposed;

    public string Id => id;
    /// <summary>The API key name that opened the session; only that key may use it. Null without auth.</summary>
    public string? Owner => owner;
    public StreamableHttpServerTransport Transport => transport;
    public McpServer Server => server;
    public Task Run { get; set; } = Task.CompletedTask;
    public DateTimeOffset LastActivity { get; private set; } = now;

    /// <summary>Marks the session busy until the returned handle is disposed; null once the session has ended.</summary>
    public IDisposable? Enter(TimeProvider time)
    {
        lock (_gate)
        {
            if (_disposed) return null;
            _busy++;
            LastActivity = time.GetUtcNow();
            return new Exit(this, time);
        }
    }

    public bool TryStartGetStream() => Interlocked.Exchange(ref _getStreams, 1) == 0;

    public bool IsIdleSince(DateTimeOffset cutoff)
    {
        lock (_gate) return !_disposed && _busy == 0 && LastActivity <= cutoff;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        // The transport first, so the server loop sees its input end and stops without an exception.
        await transport.DisposeAsync();
        try { await Run; } catch (OperationCanceledException) { }
        await server.DisposeAsync();
    }

    private sealed class Exit(McpHttpSession session, TimeProvider time) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 1) return;
            lock (session._gate)
            {
                session._busy--;
                session.LastActivity = time.GetUtcNow();
            }
        }
    }
}

/// <summary>
/// The live Streamable HTTP sessions. Sessions a client never DELETEs end after the idle timeout: a sweep runs every
/// quarter of the timeout (at most every minute), and every session ends when the server stops.
/// </summary>
public sealed class McpHttpSessions(HttpServeOptions options, ILogger<McpHttpSessions> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, McpHttpSession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    public static string NewId() => WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));

    public void Add(McpHttpSession session) => _sessions[session.Id] = session;

    public bool TryGet(string id, out McpHttpSession session) => _sessions.TryGetValue(id, out session!);

    public async Task<bool> EndAsync(string id)
    {
        if (!_sessions.TryRemove(id, out var session)) return false;
        await session.DisposeAsync();
        return true;
    }

    /// <summary>Ends the sessions idle for longer than the timeout; returns how many ended.</summary>
    public async Task<int> ExpireIdleAsync()
    {
        var cutoff = options.Time.GetUtcNow() - options.SessionIdleTimeout;
        var ended = 0;
        foreach (var (id, session) in _sessions)
        {
            if (!session.IsIdleSince(cutoff) || !_sessions.TryRemove(id, out _)) continue;
            await session.DisposeAsync();
            ended++;
        }
        if (ended > 0) logger.LogInformation("Ended {Count} MCP session(s) idle for more than {Timeout}", ended, options.SessionIdleTimeout);
        return ended;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromTicks(Math.Clamp(options.SessionIdleTimeout.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await ExpireIdleAsync();
        }
        catch (OperationCanceledException) { }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var id in _sessions.Keys) await EndAsync(id);
    }
}
