using System.Text.Json;
using Crm.Mcp.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Hosting;

/// <summary>
/// Turns failures into isError results a model can act on: which field, what was wrong, what is accepted. Errors
/// carry no structuredContent (it would have to match the tool's outputSchema); the JSON is in the text.
/// </summary>
public static class ToolErrors
{
    public static IMcpServerBuilder WithCrmErrorHandling(this IMcpServerBuilder builder) =>
        builder.WithRequestFilters(filters => filters.AddCallToolFilter(next => async (request, cancellationToken) =>
        {
            try
            {
                return await next(request, cancellationToken);
            }
            catch (CrmError error)
            {
                return ToResult(error.ToBody());
            }
            catch (JsonException e)
            {
                // Binding failed in a way the schema check could not foresee (e.g. an integer out of range).
                return ToResult(new ToolErrorBody(ErrorCodes.InvalidArgument, e.Path, $"An argument could not be read: {e.Message}",
                    "the types in the tool's inputSchema", null));
            }
            catch (Exception e) when (e is not OperationCanceledException && e is not McpProtocolException)
            {
                var logger = request.Services?.GetService<ILoggerFactory>()?.CreateLogger("Crm.Mcp.Tools");
                logger?.LogError(e, "Tool {Tool} failed", request.Params?.Name);
                return ToResult(new ToolErrorBody(ErrorCodes.Internal, null,
                    "The server failed while handling this call; nothing was written. The server log has the details.", null, null));
            }
        }));

    public static CallToolResult ToResult(ToolErrorBody body) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = CrmJson.Serialize(new ToolErrorResponse(false, body)) }],
    };
}
