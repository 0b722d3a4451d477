using System.Security.Claims;
using System.Threading.RateLimiting;
using Crm.Mcp.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Crm.Mcp.Hosting.Http;

/// <summary>The checks every MCP request passes, in order: Host/Origin allow-list, API key, rate limit.</summary>
public static class HttpSecurity
{
    private const string AuthFailureKey = "crm:auth-failure";

    /// <summary>DNS-rebinding protection, as the MCP spec asks: a browser page on another site must not reach a local server.</summary>
    public static void UseHostAllowList(this WebApplication app, HttpServeOptions options)
    {
        var hosts = options.HostAllowList();
        var anyHost = hosts.Contains("*");
        app.Use(async (context, next) =>
        {
            var host = context.Request.Host.Host;
            if (!anyHost && !hosts.Contains(host))
            {
                await HttpErrors.WriteAsync(context, StatusCodes.Status403Forbidden, "host_not_allowed",
                    $"Forbidden: Host '{host}' is not allowed. Serve with --allowed-hosts {host} if this name is meant to reach the server.");
                return;
            }
            var origin = context.Request.Headers[HeaderNames.Origin].ToString();
            if (origin.Length > 0 && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && (anyHost || hosts.Contains(uri.Host) || hosts.Contains($"[{uri.Host}]"))))
            {
                await HttpErrors.WriteAsync(context, StatusCodes.Status403Forbidden, "origin_not_allowed",
                    $"Forbidden: Origin '{origin}' is not allowed. Serve with --allowed-hosts NAME to accept pages from NAME.");
                return;
            }
            await next(context);
        });
    }

    /// <summary>
    /// Reads the key from x-api-key or Authorization: Bearer. A refusal is written after the rate limiter, so
    /// guessing keys is throttled per client address like any other traffic.
    /// </summary>
    public static void UseApiKeys(this WebApplication app, HttpServeOptions options)
    {
        if (!options.RequireAuth) return;
        app.Use(async (context, next) =>
        {
            var presented = PresentedKey(context.Request);
            if (presented is null)
                context.Items[AuthFailureKey] = "Unauthorized: send an API key as 'x-api-key: KEY' or 'Authorization: Bearer KEY'. " +
                                                "Create one on the server with: crm-mcp keys create --name NAME --scope read|write|admin";
            else if (await context.RequestServices.GetRequiredService<ApiKeyStore>().VerifyAsync(presented, context.RequestAborted) is { } key)
                context.User = new ClaimsPrincipal(new ClaimsIdentity(
                    [
                        new Claim(ClaimTypes.Name, key.Name), new Claim(ToolAccess.ScopeClaim, key.Scope.Name()), new Claim("crm:key_id", key.KeyId),
                        .. key.UserId is null ? [] : new[] { new Claim(CallContextFilter.UserIdClaim, key.UserId), new Claim(CallContextFilter.UserNameClaim, key.UserName ?? "") },
                    ],
                    authenticationType: "ApiKey"));
            else
                context.Items[AuthFailureKey] = "Unauthorized: the API key is not valid (unknown, mistyped or revoked). List keys with: crm-mcp keys list";
            await next(context);
        });
    }

    public static void UseApiKeyRefusal(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            // The API's description and reference page hold no data; tools and scripts fetch them before they have a key.
            if (context.Items[AuthFailureKey] is string failure && !IsPublic(context.Request.Path))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"crm-mcp\"";
                await HttpErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, "unauthorized", failure);
                return;
            }
            await next(context);
        });

    private static bool IsPublic(PathString path) =>
        path == Rest.RestApi.OpenApiPath || path.StartsWithSegments(Rest.RestApi.DocsPath);

    /// <summary>A fixed window per API key (per client address for requests without a valid key).</summary>
    public static IServiceCollection AddCrmRateLimiting(this IServiceCollection services, HttpServeOptions options) =>
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                RateLimitPartition.GetFixedWindowLimiter(PartitionOf(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.RateLimit,
                    Window = options.RateLimitWindow,
                    QueueLimit = 0,
                }));
            limiter.OnRejected = async (rejected, _) =>
            {
                var context = rejected.HttpContext;
                var retry = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : options.RateLimitWindow;
                context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await HttpErrors.WriteAsync(context, StatusCodes.Status429TooManyRequests, "rate_limited",
                    $"Too Many Requests: more than {options.RateLimit} requests in {options.RateLimitWindow.TotalSeconds:0} s for this key (--rate-limit). " +
                    $"Retry after {(int)Math.Ceiling(retry.TotalSeconds)} s.");
            };
        });

    private static string PartitionOf(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true ? $"key:{context.User.Identity.Name}" : $"address:{context.Connection.RemoteIpAddress}";

    private static string? PresentedKey(HttpRequest request)
    {
        var header = request.Headers["x-api-key"].ToString().Trim();
        if (header.Length > 0) return header;
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization[7..].Trim() is { Length: > 0 } token
            ? token : null;
    }
}
