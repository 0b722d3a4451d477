using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting.Http;

/// <summary>
/// The legacy HTTP+SSE transport (protocol 2024-11-05) for older clients: GET /sse opens the event stream and names
/// the /message URL to POST to; the session lives exactly as long as that stream.
/// </summary>
public sealed class SseEndpoint(
    IOptions<McpServerOptions> serverOptions,
    HttpServeOptions options,
    IHostApplicationLifetime lifetime,
    IServiceProvider services,
    ILoggerFactory loggerFactory)
{
    private sealed record Session(SseResponseStreamTransport Transport, string? Owner);

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public async Task StreamAsync(HttpContext context)
    {
        var id = McpHttpSessions.NewId();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        HttpErrors.StartEventStream(context);
        var messageUrl = $"{context.Request.PathBase}/message?sessionId={id}";
        await using var transport = new SseResponseStreamTransport(context.Response.Body, messageUrl, id);
        _sessions[id] = new Session(transport, StreamableHttpEndpoint.Owner(context));
        try
        {
            var transportRun = transport.RunAsync(stop.Token);
            try
            {
                await using var server = McpServer.Create(transport, serverOptions.Value, loggerFactory, services);
                await server.RunAsync(stop.Token);
            }
            finally
            {
                await transport.DisposeAsync();
                await transportRun;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
        finally
        {
            _sessions.TryRemove(id, out _);
        }
    }

    public async Task MessageAsync(HttpContext context)
    {
        var id = context.Request.Query["sessionId"].ToString();
        if (id.Length == 0)
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "session_required",
                "Bad Request: the sessionId query parameter is missing; POST to the URL the /sse stream's endpoint event names.");
            return;
        }
        if (!_sessions.TryGetValue(id, out var session))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status404NotFound, "session_not_found",
                "Session not found: its /sse stream has closed. Open a new one with GET /sse.");
            return;
        }
        if (!string.Equals(session.Owner, StreamableHttpEndpoint.Owner(context), StringComparison.Ordinal))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status403Forbidden, "session_owner",
                "Forbidden: this session was opened with another API key.");
            return;
        }
        if (await McpRequestBody.ReadAsync(context, options) is not { } message) return;
        await session.Transport.OnMessageReceivedAsync(message, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsync("Accepted", context.RequestAborted);
    }
}
