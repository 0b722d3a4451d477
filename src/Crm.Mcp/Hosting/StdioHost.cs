using Crm.Mcp.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.Mcp.Hosting;

/// <summary>Serves MCP over stdin/stdout. stdout carries nothing but protocol: every log line goes to stderr.</summary>
public static class StdioHost
{
    public static async Task<int> RunAsync(ServeOptions options, LogLevel logLevel, CancellationToken cancellationToken)
    {
        // DisableDefaults: no appsettings.json from whatever folder a client starts us in, no stdout console logger.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddCrmStderrLogging(logLevel);
        var input = new DrainingInput(Console.OpenStandardInput(), TimeSpan.FromSeconds(60));
        input.Track(builder.Services.AddCrmMcpServer(options)).WithStreamServerTransport(input, Console.OpenStandardOutput());
        using var host = builder.Build();

        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Crm.Mcp");
        var applied = await host.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        logger.LogInformation("crm-mcp {Version} on stdio; database {Path}{Migrated}", CrmServer.Version,
            Data.DatabaseLocation.Display(options.Settings.DatabasePath), applied.Count > 0 ? $" (applied migrations {string.Join(", ", applied)})" : "");
        if (!Console.IsInputRedirected) Console.Error.WriteLine(TerminalGreeting(Data.DatabaseLocation.Display(options.Settings.DatabasePath)));

        _ = ReturnStartupGarbageAsync(cancellationToken);
        await host.RunAsync(cancellationToken);
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

    public static ILoggingBuilder AddCrmStderrLogging(this ILoggingBuilder logging, LogLevel level) =>
        logging.ClearProviders()
            .SetMinimumLevel(level)
            .AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning)
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

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
