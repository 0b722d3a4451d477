using System.Threading.RateLimiting;
using Crm.Mcp.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Crm.Mcp.Hosting.Http;

/// <summary>The checks every MCP request passes, in order: Host/Origin allow-list, API key, rate limit.</summary>
public static class HttpSecurity
{
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
    /// Checks the API key (x-api-key or Authorization: Bearer) as the ASP.NET Core authentication scheme, so every
    /// endpoint on this application sees the caller in HttpContext.User: the key's name, its scope
    /// (<see cref="ToolAccess.ScopeOf"/>) and its id, which is also what the SDK binds a session to (a session opened
    /// with one key cannot be used with another). The 401 itself is written after the rate limiter, so guessing keys
    /// is throttled per client address like any other traffic.
    /// </summary>
    public static IServiceCollection AddCrmApiKeys(this IServiceCollection services)
    {
        services.AddAuthentication(ApiKeyAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        return services;
    }

    public static void UseApiKeys(this WebApplication app, HttpServeOptions options)
    {
        if (options.RequireAuth) app.UseAuthentication();
    }

    public static void UseApiKeyRefusal(this WebApplication app, HttpServeOptions options)
    {
        if (!options.RequireAuth) return;
        app.Use(async (context, next) =>
        {
            // The API's description and reference page hold no data; tools and scripts fetch them before they have a key.
            if (context.User.Identity?.IsAuthenticated == true || IsPublic(context.Request.Path)) await next(context);
            else await context.ChallengeAsync(ApiKeyAuthentication.SchemeName);
        });
    }

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
}
