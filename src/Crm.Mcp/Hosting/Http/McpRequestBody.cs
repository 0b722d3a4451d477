using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Hosting.Http;

/// <summary>Reads one JSON-RPC message from a request body, within the size limit, answering the refusal itself.</summary>
public static class McpRequestBody
{
    /// <summary>The message, or null after a 413 or 400 has been written.</summary>
    public static async Task<JsonRpcMessage?> ReadAsync(HttpContext context, HttpServeOptions options)
    {
        var limit = options.MaxRequestBytes;
        if (context.Request.ContentLength > limit)
        {
            await TooLargeAsync(context, limit);
            return null;
        }
        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    await TooLargeAsync(context, limit);
                    return null;
                }
                buffer.Write(chunk, 0, read);
            }
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await TooLargeAsync(context, limit);
            return null;
        }

        JsonRpcMessage? message = null;
        try
        {
            if (body.Length > 0) message = (JsonRpcMessage?)JsonSerializer.Deserialize(body, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)));
        }
        catch (JsonException) { }
        if (message is null)
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_message",
                "Bad Request: the body is not one JSON-RPC message (batches are not supported).");
            return null;
        }

        // What the handlers downstream read: who sent it (tool access, the actor) and which protocol revision.
        message.Context ??= new JsonRpcMessageContext();
        if (context.User.Identity?.IsAuthenticated == true) message.Context.User = context.User;
        var version = context.Request.Headers["MCP-Protocol-Version"].ToString();
        if (version.Length > 0) message.Context.ProtocolVersion = version;
        return message;
    }

    private static Task TooLargeAsync(HttpContext context, long limit) =>
        HttpErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "body_too_large",
            $"Payload Too Large: the request body is over the server's limit of {limit} bytes (--max-request-bytes).");
}
