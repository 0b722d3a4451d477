// MCP9006: the SDK marks stateful-session resumability "back-compat only" since 2026-07-28; the clients in use today
// (2025-11-25 and earlier) rely on it, so it is served on purpose.
#pragma warning disable MCP9006
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting.Http;

/// <summary>
/// Serves MCP over HTTP on Kestrel: Streamable HTTP at /mcp, legacy HTTP+SSE at /sse and /message, /healthz.
/// Every MCP request passes the Host/Origin allow-list, the API key check and the per-key rate limit.
/// </summary>
public static class HttpHost
{
    public static async Task<int> RunAsync(ServeOptions serve, HttpServeOptions http, LogLevel logLevel, CancellationToken cancellationToken)
    {
        if (http.Problem() is { } problem) return Cli.CrmCli.Fail(problem);
        await using var app = Build(serve, http, logLevel);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Crm.Mcp");
        var applied = await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var liveKeys = (await app.Services.GetRequiredService<ApiKeyStore>().ListAsync(cancellationToken)).Count(k => k.RevokedAt is null);

        await app.StartAsync(cancellationToken);
        logger.LogInformation("crm-mcp {Version} on {Urls} (Streamable HTTP /mcp, SSE /sse, health /healthz; {Mode}); database {Path}{Migrated}",
            CrmServer.Version, string.Join(", ", app.Urls), http.Stateless ? "stateless" : "sessions",
            Data.DatabaseLocation.Display(serve.Settings.DatabasePath), applied.Count > 0 ? $" (applied migrations {string.Join(", ", applied)})" : "");
        if (!http.RequireAuth)
            logger.LogWarning("Auth is OFF (--no-auth): any local process can use the CRM. Loopback only.");
        else if (liveKeys == 0)
            logger.LogWarning("No API keys yet, so every request will get 401. Create one: crm-mcp keys create --name NAME --scope write");
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    /// <summary>The application, not yet started. Tests pass <paramref name="configure"/> to swap in the test server.</summary>
    public static WebApplication Build(ServeOptions serve, HttpServeOptions http, LogLevel logLevel = LogLevel.Information,
        Action<WebApplicationBuilder>? configure = null)
    {
        // Content root at the binary, not the current folder: no appsettings.json picked up from wherever we start.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.AddCrmStderrLogging(logLevel).AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.UseUrls([.. http.Urls]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = http.MaxRequestBytes;
        });
        // Stopping waits this long for in-flight calls (Kestrel drains requests before the sessions end).
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = http.ShutdownTimeout);
        builder.Services.AddSingleton(http);
        builder.Services.AddCrmMcpServer(serve).WithCallTimeout(http.CallTimeout);
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<McpHttpSessions>();
        builder.Services.AddHostedService(services => services.GetRequiredService<McpHttpSessions>());
        if (!http.Stateless)
        {
            // Resumability: a session's stream events are kept in memory for a while, so a client whose stream broke
            // can reconnect with Last-Event-ID and receive what it missed. Sessions are in-process anyway.
            builder.Services.AddDistributedMemoryCache();
            builder.Services.AddSingleton<ISseEventStreamStore>(services => new DistributedCacheEventStreamStore(
                Microsoft.Extensions.Options.Options.Create(new DistributedCacheEventStreamStoreOptions
                {
                    Cache = services.GetRequiredService<Microsoft.Extensions.Caching.Distributed.IDistributedCache>(),
                }),
                services.GetRequiredService<ILogger<DistributedCacheEventStreamStore>>()));
        }
        builder.Services.AddSingleton<StreamableHttpEndpoint>();
        builder.Services.AddSingleton<SseEndpoint>();
        if (http.RateLimit > 0) builder.Services.AddCrmRateLimiting(http);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            // The last line of defence: a JSON 500 the client can show, the details only in the server log.
            try
            {
                await next(context);
            }
            catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                app.Logger.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
                await HttpErrors.WriteAsync(context, StatusCodes.Status500InternalServerError, "internal_error",
                    "Internal Server Error: the server failed while handling this request. The server log has the details.");
            }
            catch (OperationCanceledException)
            {
                // The client went away; there is no one to answer.
            }
        });
        app.Use(async (context, next) =>
        {
            // Before the allow-list and auth: orchestrators probe by pod address and hold no key.
            if (context.Request.Path == "/healthz") await HealthAsync(context);
            else await next(context);
        });
        app.UseHostAllowList(http);
        app.UseApiKeys(http);
        if (http.RateLimit > 0) app.UseRateLimiter();
        app.UseApiKeyRefusal();

        var streamable = app.Services.GetRequiredService<StreamableHttpEndpoint>();
        app.MapPost("/mcp", streamable.PostAsync);
        app.MapGet("/mcp", streamable.GetAsync);
        app.MapDelete("/mcp", streamable.DeleteAsync);
        var sse = app.Services.GetRequiredService<SseEndpoint>();
        app.MapGet("/sse", sse.StreamAsync);
        app.MapPost("/message", sse.MessageAsync);
        return app;
    }

    private static async Task HealthAsync(HttpContext context)
    {
        try
        {
            await using var connection = await context.RequestServices.GetRequiredService<CrmDb>().OpenAsync(context.RequestAborted);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT MAX(version) FROM schema_migrations"; // reachable and migrated
            await command.ExecuteScalarAsync(context.RequestAborted);
            await Results.Json(new JsonObject { ["status"] = "ok", ["version"] = CrmServer.Version }, CrmJsonContext.Default.JsonObject).ExecuteAsync(context);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Results.Json(new JsonObject { ["status"] = "unavailable", ["reason"] = "database" }, CrmJsonContext.Default.JsonObject, statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
        }
    }

    /// <summary>A tool call still running after the timeout is cancelled (its transaction rolls back) and answered clearly.</summary>
    public static IMcpServerBuilder WithCallTimeout(this IMcpServerBuilder builder, TimeSpan timeout) =>
        builder.WithRequestFilters(filters => filters.AddCallToolFilter(next => async (request, cancellationToken) =>
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(timeout);
            try
            {
                return await next(request, timer.Token);
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return ToolErrors.ToResult(new ToolErrorBody(ErrorCodes.Timeout, null,
                    $"{request.Params?.Name} did not finish within {timeout.TotalSeconds:0.###} s and was stopped; nothing it was writing was kept.",
                    "a narrower request (smaller page, fewer records), or a server started with a larger --call-timeout", null));
            }
        }));
}
