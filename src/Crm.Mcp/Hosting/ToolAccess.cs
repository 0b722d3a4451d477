using System.Security.Claims;
using Crm.Mcp.Common;
using Crm.Mcp.Security;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting;

/// <summary>
/// The one access rule: a caller authenticated with an API key sees and calls only the tools its scope allows
/// (<see cref="AccessScopes.Required"/>, from annotations). A request with no authenticated user (stdio, or HTTP with
/// --no-auth) is the local operator and is not restricted here. (Who made a call is <see cref="CallContextFilter"/>'s.)
/// </summary>
public static class ToolAccess
{
    public const string ScopeClaim = "crm:scope";

    public static IMcpServerBuilder WithCrmToolAccess(this IMcpServerBuilder builder) =>
        builder.WithRequestFilters(filters =>
        {
            filters.AddListToolsFilter(next => async (request, cancellationToken) =>
            {
                var result = await next(request, cancellationToken);
                if (ScopeOf(request.User) is { } scope)
                    result.Tools = result.Tools.Where(t => scope.Allows(t)).ToList();
                return result;
            });
            filters.AddCallToolFilter(next => async (request, cancellationToken) =>
            {
                if (request.MatchedPrimitive is McpServerTool tool && ScopeOf(request.User) is { } scope && !scope.Allows(tool.ProtocolTool))
                {
                    var required = AccessScopes.Required(tool.ProtocolTool).Name();
                    return ToolErrors.ToResult(new ToolErrorBody(ErrorCodes.Forbidden, null,
                        $"{tool.ProtocolTool.Name} needs an API key with scope {required}; the key '{request.User!.Identity!.Name}' has scope {scope.Name()}. Nothing was done.",
                        $"a key created with --scope {required} (crm-mcp keys create --name NAME --scope {required})", null));
                }
                return await next(request, cancellationToken);
            });
        });

    public static AccessScope? ScopeOf(ClaimsPrincipal? user) =>
        user?.Identity?.IsAuthenticated == true && user.FindFirst(ScopeClaim)?.Value is { } scope ? AccessScopes.Parse(scope) : null;
}
