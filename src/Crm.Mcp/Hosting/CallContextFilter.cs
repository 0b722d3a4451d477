using System.Text.Json;
using Crm.Mcp.Common;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Mcp.Hosting;

/// <summary>
/// Makes every tool call's writes attributable in the change journal without the tool doing anything: the actor is
/// the authenticated principal's name when a transport set one (an API key over HTTP), else the MCP client's name
/// from initialize; the tool name and its arguments go along.
/// </summary>
public static class CallContextFilter
{
    public static IMcpServerBuilder WithCrmCallContext(this IMcpServerBuilder builder) =>
        builder.WithRequestFilters(filters => filters.AddCallToolFilter(next => async (request, cancellationToken) =>
        {
            var actor = request.User?.Identity is { IsAuthenticated: true, Name: { Length: > 0 } principal }
                ? principal
                : request.Server.ClientInfo?.Name is { Length: > 0 } client ? client : "mcp-client";
            var arguments = request.Params?.Arguments is { } args ? JsonSerializer.Serialize(args, CommonJsonContext.Default.IDictionaryStringJsonElement) : null;
            using (CallContext.Use(new CallContext(actor, request.Params?.Name, arguments)))
                return await next(request, cancellationToken);
        }));
}
