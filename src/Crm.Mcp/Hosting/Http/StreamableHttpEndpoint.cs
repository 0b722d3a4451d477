// MCP9006: the SDK marks stateful-session resumability "back-compat only" since 2026-07-28; the clients in use today
// (2025-11-25 and earlier) rely on it, so it is served on purpose.
#pragma warning disable MCP9006
using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting.Http;

/// <summary>
/// Streamable HTTP at /mcp, after the SDK's ASP.NET Core handler (which this build cannot reference): POST carries
/// client messages and streams the replies, GET opens the stream of unsolicited server messages, DELETE ends a session.
/// Stateful by default (Mcp-Session-Id; only initialize opens a session); in stateless mode, and for 2026-07-28
/// requests (which have no sessions), each POST is served by a server that lives as long as the request.
/// </summary>
public sealed class StreamableHttpEndpoint(
    IOptions<McpServerOptions> serverOptions,
    HttpServeOptions options,
    McpHttpSessions sessions,
    IHostApplicationLifetime lifetime,
    IServiceProvider services,
    ILoggerFactory loggerFactory,
    ISseEventStreamStore? eventStore = null)
{
    private const string SessionHeader = "Mcp-Session-Id";

    public async Task PostAsync(HttpContext context)
    {
        var accept = context.Request.GetTypedHeaders().Accept;
        if (!accept.Any(a => a.MatchesMediaType("application/json")) || !accept.Any(a => a.MatchesMediaType("text/event-stream")))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status406NotAcceptable, "not_acceptable",
                "Not Acceptable: the Accept header must list both application/json and text/event-stream.");
            return;
        }
        if (!await CheckProtocolVersionAsync(context)) return;
        if (await McpRequestBody.ReadAsync(context, options) is not { } message) return;
        var requestId = message is JsonRpcRequest request ? request.Id : default;

        if (options.Stateless || ProtocolVersions.IsSessionless(ProtocolVersion(context)))
        {
            if (options.Stateless && SessionId(context).Length > 0 && !ProtocolVersions.IsSessionless(ProtocolVersion(context)))
            {
                await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "stateless",
                    "Bad Request: this server runs stateless (--stateless) and keeps no sessions; send no Mcp-Session-Id header.", requestId);
                return;
            }
            await ServeStatelessAsync(context, message);
            return;
        }

        McpHttpSession? session;
        var sessionId = SessionId(context);
        if (sessionId.Length == 0)
        {
            if (message is not JsonRpcRequest { Method: RequestMethods.Initialize })
            {
                await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "session_required",
                    "Bad Request: send the Mcp-Session-Id header from the initialize response; only initialize may come without one.", requestId);
                return;
            }
            if (sessions.Count >= options.MaxSessions && await sessions.ExpireIdleAsync() == 0 && sessions.Count >= options.MaxSessions)
            {
                context.Response.Headers.RetryAfter = "60";
                await HttpErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "too_many_sessions",
                    $"Service Unavailable: the server holds its maximum of {options.MaxSessions} sessions (--max-sessions). " +
                    "Retry later; clients should DELETE sessions they are done with.", requestId);
                return;
            }
            session = StartSession(context);
        }
        else if ((session = await FindSessionAsync(context, sessionId, requestId)) is null)
        {
            return;
        }

        using var busy = session.Enter(options.Time);
        if (busy is null)
        {
            await SessionNotFoundAsync(context, requestId);
            return;
        }
        context.Response.Headers[SessionHeader] = session.Id;
        HttpErrors.StartEventStream(context);
        if (!await session.Transport.HandlePostRequestAsync(message, context.Response.Body, context.RequestAborted))
            Accepted(context);
    }

    public async Task GetAsync(HttpContext context)
    {
        if (options.Stateless || ProtocolVersions.IsSessionless(ProtocolVersion(context)))
        {
            context.Response.Headers.Allow = HttpMethods.Post;
            await HttpErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "no_sessions",
                "Method Not Allowed: without sessions there is no stream to open; use POST.");
            return;
        }
        if (!context.Request.GetTypedHeaders().Accept.Any(a => a.MatchesMediaType("text/event-stream")))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status406NotAcceptable, "not_acceptable",
                "Not Acceptable: the Accept header must list text/event-stream.");
            return;
        }
        if (!await CheckProtocolVersionAsync(context)) return;
        if (await RequireSessionAsync(context) is not { } session) return;
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        if (lastEventId.Length > 0)
        {
            await ResumeAsync(context, session, lastEventId);
            return;
        }
        if (!session.TryStartGetStream())
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "stream_open",
                "Bad Request: this session already has its GET stream open; only one is allowed.");
            return;
        }

        // Ends with the client, or when the server stops: an open stream must not hold up a graceful shutdown.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        using var busy = session.Enter(options.Time);
        if (busy is null)
        {
            await SessionNotFoundAsync(context, default);
            return;
        }
        try
        {
            context.Response.Headers[SessionHeader] = session.Id;
            HttpErrors.StartEventStream(context);
            await context.Response.Body.FlushAsync(stop.Token);
            await session.Transport.HandleGetRequestAsync(context.Response.Body, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
    }

    public async Task DeleteAsync(HttpContext context)
    {
        if (options.Stateless || ProtocolVersions.IsSessionless(ProtocolVersion(context)))
        {
            context.Response.Headers.Allow = HttpMethods.Post;
            await HttpErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "no_sessions",
                "Method Not Allowed: this server keeps no sessions, so there is none to end.");
            return;
        }
        if (await RequireSessionAsync(context) is not { } session) return;
        await sessions.EndAsync(session.Id);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private McpHttpSession StartSession(HttpContext context)
    {
        var id = McpHttpSessions.NewId();
        var transport = new StreamableHttpServerTransport(loggerFactory) { SessionId = id, EventStreamStore = eventStore };
        var server = McpServer.Create(transport, serverOptions.Value, loggerFactory, services);
        var session = new McpHttpSession(id, Owner(context), transport, server, options.Time.GetUtcNow());
        // The session outlives this request: its loop runs until DELETE, idle expiry or shutdown.
        session.Run = server.RunAsync(CancellationToken.None);
        sessions.Add(session);
        return session;
    }

    /// <summary>Replays what a broken stream missed after Last-Event-ID, then follows it while it is still being written.</summary>
    private async Task ResumeAsync(HttpContext context, McpHttpSession session, string lastEventId)
    {
        var reader = eventStore is null ? null : await eventStore.GetStreamReaderAsync(lastEventId, context.RequestAborted);
        if (reader is null || !string.Equals(reader.SessionId, session.Id, StringComparison.Ordinal))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "resume_unavailable",
                "Bad Request: Last-Event-ID names no stream of this session that can still be replayed; open a new GET stream instead.");
            return;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        using var busy = session.Enter(options.Time);
        if (busy is null)
        {
            await SessionNotFoundAsync(context, default);
            return;
        }
        try
        {
            context.Response.Headers[SessionHeader] = session.Id;
            HttpErrors.StartEventStream(context);
            var events = reader.ReadEventsAsync(stop.Token);
            await SseFormatter.WriteAsync(events, context.Response.Body, (item, writer) =>
            {
                if (item.Data is null) return;
                using var json = new Utf8JsonWriter(writer);
                JsonSerializer.Serialize(json, item.Data, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)));
            }, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
    }

    private async Task ServeStatelessAsync(HttpContext context, JsonRpcMessage message)
    {
        await using var transport = new StreamableHttpServerTransport(loggerFactory) { Stateless = true };
        await using var server = McpServer.Create(transport, serverOptions.Value, loggerFactory, services);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var run = server.RunAsync(stop.Token);
        try
        {
            HttpErrors.StartEventStream(context);
            if (!await transport.HandlePostRequestAsync(message, context.Response.Body, context.RequestAborted))
                Accepted(context);
        }
        finally
        {
            await transport.DisposeAsync();
            await stop.CancelAsync();
            try { await run; } catch (OperationCanceledException) { }
        }
    }

    private async Task<McpHttpSession?> RequireSessionAsync(HttpContext context)
    {
        var sessionId = SessionId(context);
        if (sessionId.Length > 0) return await FindSessionAsync(context, sessionId, default);
        await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "session_required",
            "Bad Request: the Mcp-Session-Id header is required for GET and DELETE.");
        return null;
    }

    private async Task<McpHttpSession?> FindSessionAsync(HttpContext context, string sessionId, RequestId requestId)
    {
        if (!sessions.TryGet(sessionId, out var session))
        {
            await SessionNotFoundAsync(context, requestId);
            return null;
        }
        if (!string.Equals(session.Owner, Owner(context), StringComparison.Ordinal))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status403Forbidden, "session_owner",
                "Forbidden: this session was opened with another API key; initialize a new session with yours.", requestId);
            return null;
        }
        return session;
    }

    private static Task SessionNotFoundAsync(HttpContext context, RequestId requestId) =>
        HttpErrors.WriteAsync(context, StatusCodes.Status404NotFound, "session_not_found",
            "Session not found: it ended (DELETE, idle expiry or a server restart). Initialize a new session.", requestId);

    private static async Task<bool> CheckProtocolVersionAsync(HttpContext context)
    {
        var version = ProtocolVersion(context);
        if (version.Length == 0 || ProtocolVersions.IsSupported(version)) return true;
        await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "unsupported_protocol_version",
            $"Bad Request: MCP-Protocol-Version '{version}' is not supported; supported: {string.Join(", ", ProtocolVersions.Supported)}.",
            code: (int)McpErrorCode.UnsupportedProtocolVersion);
        return false;
    }

    private static void Accepted(HttpContext context)
    {
        // Nothing was written (a notification or a response): no event stream after all.
        context.Response.Headers.ContentType = (string?)null;
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    private static string SessionId(HttpContext context) => context.Request.Headers[SessionHeader].ToString();

    private static string ProtocolVersion(HttpContext context) => context.Request.Headers["MCP-Protocol-Version"].ToString();

    public static string? Owner(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name : null;
}
