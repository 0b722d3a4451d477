using Crm.Mcp.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting;

/// <summary>
/// Serves MCP over stdin/stdout. stdout carries nothing but protocol: every log line goes to stderr.
/// No Microsoft.Extensions.Hosting host: a stdio server needs none of its configuration sources, console lifetime or
/// console logger, and without them their code and types stay out of the stdio binary (idle RSS; BENCHMARKS.md,
/// "Start-up and memory", eighth session). A service collection, the SDK's server and our background services are
/// all it runs; System.CommandLine's token stops it on SIGINT/SIGTERM, end of input ends it.
/// </summary>
public static class StdioHost
{
    public static async Task<int> RunAsync(ServeOptions options, LogLevel logLevel, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection().AddLogging(logging => logging.SetMinimumLevel(logLevel).WithQuietSdkRequests(logLevel).AddProvider(new StderrLoggerProvider()));
        var input = new DrainingInput(Console.OpenStandardInput(), TimeSpan.FromSeconds(60));
        input.Track(services.AddCrmMcpServer(options));
        await using var provider = services.BuildServiceProvider();

        var loggerFactory = provider.GetRequiredService<ILoggerFactory>();
        var logger = loggerFactory.CreateLogger("Crm.Mcp");
        var applied = await provider.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        logger.LogInformation("crm-mcp {Version} on stdio; database {Path}{Migrated}", CrmServer.Version,
            DatabaseLocation.Display(options.Settings.DatabasePath), applied.Count > 0 ? $" (applied migrations {string.Join(", ", applied)})" : "");
        if (!Console.IsInputRedirected) Console.Error.WriteLine(TerminalGreeting(DatabaseLocation.Display(options.Settings.DatabasePath)));

        // What the SDK's WithStreamServerTransport registers, run here: one session on these streams.
        await using var server = McpServer.Create(new StreamServerTransport(input, Console.OpenStandardOutput()),
            provider.GetRequiredService<IOptions<McpServerOptions>>().Value, loggerFactory, provider);
        var background = provider.GetServices<IHostedService>().ToList();
        foreach (var service in background) await service.StartAsync(cancellationToken);
        _ = ReturnStartupGarbageAsync(cancellationToken);
        try
        {
            await server.RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped by a signal: a clean exit, as the host gave.
        }
        finally
        {
            for (var i = background.Count - 1; i >= 0; i--) await background[i].StopAsync(CancellationToken.None);
        }
        return 0;
    }

    /// <summary>
    /// Start-up leaves a few MB of garbage (parsed schemas, DI and SDK set-up) that a stdio server, idle most of its
    /// life, would otherwise keep: once the handshake is over, one compacting collection returns it to the system
    /// (idle RSS −4.5 MB; BENCHMARKS.md, "Start-up and memory", seventh session). A call arriving meanwhile waits a
    /// few milliseconds, once.
    /// </summary>
    private static async Task ReturnStartupGarbageAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>Shown when a person, not an MCP client, started the server: what this is and how to connect.</summary>
    private static string TerminalGreeting(string databasePath)
    {
        var self = Clients.ServerLaunch.Current(null, []);
        var command = $"\"command\": \"{self.Command}\"" + (self.Args.Count == 0 ? "" : $", \"args\": [\"{string.Join("\", \"", self.Args)}\"]");
        return $$"""

            crm-mcp {{CrmServer.Version}}: a CRM server for AI assistants, speaking MCP on stdin/stdout.
            It is meant to be started by an MCP client; typing here does nothing useful (Ctrl+C quits).
            Database: {{databasePath}}

            Connect a client, e.g. Claude Desktop (claude_desktop_config.json) or Cursor (~/.cursor/mcp.json):
              { "mcpServers": { "crm": { {{command}} } } }
            Claude Code: claude mcp add crm -- {{string.Join(' ', self.Args.Prepend(self.Command))}}
            Over HTTP and other commands: crm-mcp --help

            """;
    }
}
