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
    public static Task WriteAsync(HttpContext context, int status, string reason, string message, RequestId id = default, int? code = null)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        var error = new JsonRpcError
        {
            Id = id,
            Error = new JsonRpcErrorDetail
            {
                Code = code ?? DefaultCode(status),
                Message = message,
                Data = new System.Text.Json.Nodes.JsonObject { ["status"] = status, ["reason"] = reason },
            },
        };
        return Results.Json(error, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcError)), statusCode: status).ExecuteAsync(context);
    }

    private static int DefaultCode(int status) => status switch
    {
        StatusCodes.Status400BadRequest or StatusCodes.Status413PayloadTooLarge => (int)McpErrorCode.InvalidRequest,
        StatusCodes.Status404NotFound => -32001, // "session not found", as the reference SDKs answer
        _ => -32000,
    };

    /// <summary>Streams a response as server-sent events, unbuffered (proxies included).</summary>
    public static void StartEventStream(HttpContext context)
    {
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache,no-store";
        context.Response.Headers.ContentEncoding = "identity";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
    }
}
