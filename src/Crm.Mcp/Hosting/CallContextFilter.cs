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
    /// <summary>Claims a transport sets for a key that belongs to a user (see Security/ApiKeyStore).</summary>
    public const string UserIdClaim = "crm:user_id", UserNameClaim = "crm:user_name";

    /// <summary>The journal's actor for an authenticated caller: "User Name (key name)" for a key with a user, else
    /// the key's name; null when nobody authenticated.</summary>
    public static string? ActorOf(System.Security.Claims.ClaimsPrincipal? user) =>
        user?.Identity is { IsAuthenticated: true, Name: { Length: > 0 } principal }
            ? user.FindFirst(UserNameClaim)?.Value is { Length: > 0 } person ? $"{person} ({principal})" : principal
            : null;

    public static IMcpServerBuilder WithCrmCallContext(this IMcpServerBuilder builder) =>
        builder.WithRequestFilters(filters => filters.AddCallToolFilter(next => async (request, cancellationToken) =>
        {
            var actor = ActorOf(request.User) ?? (request.Server.ClientInfo?.Name is { Length: > 0 } client ? client : "mcp-client");
            var arguments = request.Params?.Arguments is { } args ? JsonSerializer.Serialize(args, CommonJsonContext.Default.IDictionaryStringJsonElement) : null;
            using (CallContext.Use(new CallContext(actor, request.Params?.Name, arguments, request.User?.FindFirst(UserIdClaim)?.Value)))
                return await next(request, cancellationToken);
        }));
}
