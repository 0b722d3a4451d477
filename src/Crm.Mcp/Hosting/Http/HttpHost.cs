// MCP9006 and MCP9004: the SDK marks stateful sessions, resumability and legacy SSE "back-compat only" since 2026-07-28;
// the clients in use today (2025-11-25 and earlier) rely on them, so they are served on purpose.
#pragma warning disable MCP9006, MCP9004
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting.Rest;
using Crm.Mcp.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting.Http;

/// <summary>
/// Serves MCP over HTTP on Kestrel with the SDK's own transport: Streamable HTTP at /mcp (sessions, idle expiry,
/// resumable streams, or --stateless), legacy HTTP+SSE at /sse and /message, and /healthz. Ours around it, as
/// middleware: the Host/Origin allow-list, the body limit, the API key, the per-key rate limit, and the shape of
/// every refusal; inside it, as MCP filters: tool access per key, the journal actor and the call timeout.
/// </summary>
public static class HttpHost
{
    /// <summary>Serves until stopped. The options must have passed <see cref="HttpServeOptions.Problem"/>.</summary>
    public static async Task<int> RunAsync(ServeOptions serve, HttpServeOptions http, LogLevel logLevel, CancellationToken cancellationToken)
    {
        await using var app = Build(serve, http, logLevel);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Crm.Mcp");
        var applied = await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var liveKeys = (await app.Services.GetRequiredService<ApiKeyStore>().ListAsync(cancellationToken)).Count(k => k.RevokedAt is null);

        await app.StartAsync(cancellationToken);
        logger.LogInformation("crm-mcp {Version} on {Urls} (Streamable HTTP /mcp, {Sse}health /healthz; {Mode}); database {Path}{Migrated}",
            CrmServer.Version, string.Join(", ", app.Urls), http.Stateless ? "" : "SSE /sse, ", http.Stateless ? "stateless" : "sessions",
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
        // The console logger, on stderr: its queue keeps request threads from waiting on the terminal.
        builder.Logging.ClearProviders()
            .SetMinimumLevel(logLevel)
            .WithQuietSdkRequests(logLevel)
            .AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning)
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
            .AddFilter(typeof(ApiKeyAuthentication).FullName, LogLevel.Warning); // a refused key is answered, not logged
        builder.WebHost.UseUrls([.. http.Urls]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = http.MaxRequestBytes;
        });
        // Stopping waits this long for in-flight calls (Kestrel drains requests before the sessions end).
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = http.ShutdownTimeout);
        builder.Services.AddSingleton(http);
        builder.Services.AddSingleton<ApiKeyStore>();
        // Registered only with auth on: ASP.NET Core would otherwise read keys even under --no-auth.
        if (http.RequireAuth) builder.Services.AddCrmApiKeys();
        builder.Services.AddCrmMcpServer(serve)
            .WithCallTimeout(http.CallTimeout)
            .WithHttpTransport(transport =>
            {
                // Sessions for clients that initialize (2025-11-25 and earlier); 2026-07-28 requests carry everything
                // they need and are served on their own either way.
                transport.SessionMode = http.Stateless ? HttpServerSessionMode.Stateless : HttpServerSessionMode.StatefulForInitializeClients;
                transport.IdleTimeout = http.SessionIdleTimeout;
                transport.MaxIdleSessionCount = http.MaxSessions;
                transport.TimeProvider = http.Time;
                transport.EnableLegacySse = !http.Stateless; // the legacy transport cannot work without sessions
            });
        if (!http.Stateless)
        {
            // Sessions are in-process anyway, so their stream events are kept in memory for a while.
            builder.Services.AddDistributedMemoryCache();
            builder.Services.AddOptions<DistributedCacheEventStreamStoreOptions>()
                .Configure<IDistributedCache>((store, cache) => store.Cache = cache);
            builder.Services.AddSingleton<ISseEventStreamStore>(services => new ResumableStreams(new DistributedCacheEventStreamStore(
                services.GetRequiredService<IOptions<DistributedCacheEventStreamStoreOptions>>(),
                services.GetRequiredService<ILogger<DistributedCacheEventStreamStore>>())));
        }
        if (http.RateLimit > 0) builder.Services.AddCrmRateLimiting(http);
        builder.Services.AddCrmRestApi();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            // The last line of defence: a JSON 500 the client can show, the details only in the server log.
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                await BodyTooLargeAsync(context, http);
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
            // The board page holds no data: what it shows comes from /api/v1, with the key the user types in.
            else if (context.Request.Path == "/board" && HttpMethods.IsGet(context.Request.Method)) await BoardPage.ServeAsync(context);
            else await next(context);
        });
        app.UseHostAllowList(http);
        app.Use(async (context, next) =>
        {
            // Kestrel enforces the limit while reading; a declared length over it is refused before anything is read.
            if (context.Request.ContentLength > http.MaxRequestBytes) await BodyTooLargeAsync(context, http);
            else await next(context);
        });
        app.UseApiKeys(http);
        if (http.RateLimit > 0) app.UseRateLimiter();
        app.UseApiKeyRefusal(http);
        app.Use(async (context, next) =>
        {
            // The legacy transport's URLs as clients know them; the SDK serves it beside /mcp.
            if (context.Request.Path == "/sse" || context.Request.Path == "/message") context.Request.Path = "/mcp" + context.Request.Path;
            // The SDK reads only JSON bodies (anything else would reach it as an exception, then a 500).
            if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.StartsWithSegments("/mcp") && !context.Request.HasJsonContentType())
                await HttpErrors.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                    "Unsupported Media Type: send the JSON-RPC message with Content-Type: application/json.");
            else
                await next(context);
        });
        app.UseRouting();
        app.UseRefusalShape(http);
        app.MapMcp("/mcp");
        app.MapCrmRestApi();
        return app;
    }

    private static Task BodyTooLargeAsync(HttpContext context, HttpServeOptions http) =>
        HttpErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "body_too_large",
            $"Payload Too Large: the request body is over the server's limit of {http.MaxRequestBytes} bytes (--max-request-bytes).");

    private static async Task HealthAsync(HttpContext context)
    {
        try
        {
            await using var connection = await context.RequestServices.GetRequiredService<CrmDb>().OpenAsync(context.RequestAborted);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT MAX(version) FROM schema_migrations"; // reachable and migrated
            await command.ExecuteScalarAsync(context.RequestAborted);
            await Results.Json(new JsonObject { ["status"] = "ok", ["version"] = CrmServer.Version }, CommonJsonContext.Default.JsonObject).ExecuteAsync(context);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Results.Json(new JsonObject { ["status"] = "unavailable", ["reason"] = "database" }, CommonJsonContext.Default.JsonObject, statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
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
