using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Hosting.Http;

/// <summary>
/// Every HTTP-level refusal is a JSON-RPC error object (what MCP clients parse and show) with a stable reason code and
/// the HTTP status repeated in error.data, so a person reading a log or a curl output knows what to fix.
/// </summary>
public static class HttpErrors
{
    public const string SessionOwnerMessage = "Forbidden: this session was opened with another API key; initialize a new session with yours.";

    public static Task WriteAsync(HttpContext context, int status, string reason, string message, RequestId id = default, int? code = null,
        JsonObject? data = null)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        // REST callers parse problem details (RFC 9457), not JSON-RPC errors.
        if (context.Request.Path.StartsWithSegments(Rest.RestApi.Prefix))
            return Rest.RestProblems.WriteAsync(context, status, reason, null, message, null);
        data ??= [];
        data["status"] = status;
        data["reason"] = reason;
        var error = new JsonRpcError
        {
            Id = id,
            Error = new JsonRpcErrorDetail { Code = code ?? DefaultCode(status), Message = message, Data = data },
        };
        return Results.Json(error, (JsonTypeInfo<JsonRpcError>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcError)), statusCode: status).ExecuteAsync(context);
    }

    private static int DefaultCode(int status) => status switch
    {
        StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge => (int)McpErrorCode.InvalidRequest,
        StatusCodes.Status404NotFound => -32001, // "session not found", as the reference SDKs answer
        _ => -32000,
    };

    /// <summary>
    /// The SDK's transport refuses in its own words (a JSON-RPC error without data, a bare 400 on the legacy SSE
    /// endpoint, an empty 405 from routing). This gives those refusals our shape: a reason code, the status, and
    /// where we can say more, what to do next. Only MCP responses with an error status are held back; streams pass
    /// through, and other endpoints on the application answer in their own shape.
    /// </summary>
    public static void UseRefusalShape(this WebApplication app, HttpServeOptions options) =>
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/mcp"))
            {
                await next(context);
                return;
            }
            var body = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
            var capture = new RefusalCapture(context.Response, body.Stream);
            var shaped = new StreamResponseBodyFeature(capture, body);
            context.Features.Set<IHttpResponseBodyFeature>(shaped);
            try
            {
                await next(context);
                await shaped.CompleteAsync();
            }
            finally
            {
                context.Features.Set(body);
            }
            if (context.Response.StatusCode < 400 || context.Response.HasStarted) return;
            var (reason, message, code, id, data) = Classify(context, capture.Held(), options);
            context.Response.Headers.ContentType = (string?)null;
            context.Response.ContentLength = null;
            await WriteAsync(context, context.Response.StatusCode, reason, message, id, code, data);
        });

    private static (string Reason, string Message, int? Code, RequestId Id, JsonObject? Data) Classify(HttpContext context, byte[] held, HttpServeOptions options)
    {
        var status = context.Response.StatusCode;
        string said = "";
        int? code = null;
        RequestId id = default;
        JsonObject? data = null;
        try
        {
            switch (held.Length > 0 ? JsonNode.Parse(held) : null)
            {
                case JsonObject { } error when error["error"] is JsonObject detail:
                    said = detail["message"]?.GetValue<string>() ?? "";
                    code = detail["code"]?.GetValue<int>();
                    data = detail["data"] as JsonObject;
                    detail.Remove("data");
                    if (error["id"] is JsonValue requestId)
                        id = requestId.Deserialize((JsonTypeInfo<RequestId>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(RequestId)));
                    break;
                case JsonValue text when text.TryGetValue(out string? words):
                    said = words;
                    break;
            }
        }
        catch (JsonException) { }

        bool Says(string words) => said.Contains(words, StringComparison.OrdinalIgnoreCase);
        var sessionless = options.Stateless ? "this server runs stateless (--stateless) and keeps no sessions" : "this request's protocol revision has no sessions";
        (string, string) shaped = status switch
        {
            400 when Says("JSON-RPC message") || Says("No message") => ("invalid_message", "Bad Request: the body is not one JSON-RPC message (batches are not supported)."),
            400 when Says("only be created by an initialize") => ("session_required",
                "Bad Request: send the Mcp-Session-Id header from the initialize response; only initialize may come without one."),
            400 when Says("Mcp-Session-Id header is required") => ("session_required", "Bad Request: the Mcp-Session-Id header is required for GET and DELETE."),
            400 when Says("sessionId query parameter") => ("session_required",
                "Bad Request: the sessionId query parameter is missing; POST to the URL the /sse stream's endpoint event names."),
            400 when Says("Session ID not found") => ("session_not_found", "Session not found: its /sse stream has closed. Open a new one with GET /sse."),
            400 when Says("not supported in stateless mode") => ("stateless", $"Bad Request: {sessionless}; send no Mcp-Session-Id header."),
            400 when Says("Last-Event-ID") || Says("resuming streams") => ("resume_unavailable",
                "Bad Request: Last-Event-ID names no stream of this session that can still be replayed; open a new GET stream instead."),
            400 when Says("multiple GET") => ("stream_open", "Bad Request: this session already has its GET stream open; only one is allowed."),
            400 when code == (int)McpErrorCode.UnsupportedProtocolVersion => ("unsupported_protocol_version",
                $"{said} Supported: {string.Join(", ", data?["supported"]?.AsArray().Select(v => v?.ToString()) ?? [])}."),
            403 => ("session_owner", SessionOwnerMessage),
            404 when Says("Session not found") => ("session_not_found",
                "Session not found: it ended (DELETE, idle expiry or a server restart). Initialize a new session."),
            405 when HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsDelete(context.Request.Method) => ("no_sessions",
                $"Method Not Allowed: {sessionless}, so there is no stream to open or session to end; use POST."),
            406 => ("not_acceptable", said.Length > 0 ? said : "Not Acceptable: the Accept header must list application/json and text/event-stream."),
            _ => (ReasonOf(status), said.Length > 0 ? said : $"{ReasonPhrases(status)}."),
        };
        return (shaped.Item1, shaped.Item2, code, id, data);
    }

    private static string ReasonOf(int status) => ReasonPhrases(status).ToLowerInvariant().Replace(' ', '_');

    private static string ReasonPhrases(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";

    /// <summary>Passes writes and flushes through unless the status says refusal; then holds them (a few hundred bytes) for rewording.</summary>
    private sealed class RefusalCapture(HttpResponse response, Stream inner) : Stream
    {
        private MemoryStream? _held;
        private bool _decided;

        public byte[] Held() => _held?.ToArray() ?? [];

        private bool Holding()
        {
            if (!_decided)
            {
                _decided = true;
                if (response.StatusCode >= 400) _held = new MemoryStream();
            }
            return _held is not null;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Holding()) _held!.Write(buffer);
            else inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!Holding()) return inner.WriteAsync(buffer, cancellationToken);
            _held!.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
            if (!Holding()) inner.Flush();
        }

        public override Task FlushAsync(CancellationToken cancellationToken) =>
            Holding() ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
