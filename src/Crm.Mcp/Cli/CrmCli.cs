using System.CommandLine;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Microsoft.Extensions.Logging;

namespace Crm.Mcp.Cli;

/// <summary>The command line: `crm-mcp` alone serves MCP over stdio, like `crm-mcp serve`.</summary>
public static class CrmCli
{
    public static readonly Option<string?> Db = new("--db")
    {
        Description = $"SQLite database file. Default: ${DatabasePath.EnvironmentVariable}, else {DatabasePath.DefaultPath()}",
        HelpName = "PATH",
    };

    private static readonly Option<string?> CurrencyOption = new("--currency")
    {
        Description = "Default ISO 4217 currency for new deals (default USD; env CRM_MCP_CURRENCY), e.g. EUR",
        HelpName = "CODE",
    };

    public static readonly Option<string[]> Toolsets = new("--toolsets")
    {
        Description = "Toolsets to expose, comma-separated (default: " + string.Join(",", ToolCatalog.Default) + "; \"all\" for every tool; "
                      + "\"default,bulk\" adds one). Toolsets: "
                      + string.Join("; ", ToolCatalog.Descriptions.Select(d => $"{d.Key}: {d.Value}")),
        HelpName = "LIST",
        AllowMultipleArgumentsPerToken = true,
    };

    public static readonly Option<string[]> Tools = new("--tools")
    {
        Description = "Expose exactly these tools, comma-separated, e.g. get_deals,update_deal,append_note (overrides --toolsets)",
        HelpName = "LIST",
        AllowMultipleArgumentsPerToken = true,
    };

    private static readonly Option<bool> ReadOnly = new("--read-only")
    {
        Description = "Expose only tools that never write (annotated readOnlyHint)",
    };

    private static readonly Option<LogLevel> LogLevelOption = new("--log-level")
    {
        Description = "Minimum level of the log written to stderr",
        DefaultValueFactory = _ => LogLevel.Information,
    };

    public static RootCommand Build()
    {
        var root = new RootCommand("crm-mcp: a CRM for AI assistants over the Model Context Protocol. Without a command it serves MCP on stdio.");
        var serve = new Command("serve", "Serve MCP over stdio (what MCP clients start), or over HTTP with --transport http");
        HttpServeOptionsCli.AddTo(serve);
        foreach (var command in new Command[] { root, serve })
        {
            command.Add(Db);
            command.Add(CurrencyOption);
            command.Add(Toolsets);
            command.Add(Tools);
            command.Add(ReadOnly);
            command.Add(LogLevelOption);
            command.SetAction(ServeAsync);
        }
        root.Add(serve);
        root.Add(MigrateCommand());
        root.Add(SeedDemoCommand.Build());
        root.Add(KeysCommand.Build());
        root.Add(UsersCommand.Build());
        root.Add(WebhooksCommand.Build());
        root.Add(ConfigCommand.Create());
        root.Add(ImportCommand.Create());
        root.Add(ExportCommand.Create());
        root.Add(BackupCommand.Create());
        root.Add(MigrateDataCommand.Create());
        root.Add(DoctorCommand.Create());
        root.Add(StressCommand.Create());
        root.Add(ToolsCommand.Create());
        return root;
    }

    public static CrmSettings Settings(ParseResult parse)
    {
        var currency = parse.GetValue(CurrencyOption) ?? Environment.GetEnvironmentVariable("CRM_MCP_CURRENCY");
        return new CrmSettings
        {
            DatabasePath = DatabasePath.Resolve(parse.GetValue(Db)),
            DefaultCurrency = Currency.Parse("--currency", string.IsNullOrWhiteSpace(currency) ? "USD" : currency),
        };
    }

    private static async Task<int> ServeAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var toolsets = List(parse.GetValue(Toolsets));
        var tools = List(parse.GetValue(Tools));
        if (ToolCatalog.Unknown(toolsets, tools) is { } unknown) return Fail(parse, unknown);
        var options = new ServeOptions { Settings = Settings(parse), Toolsets = toolsets, Tools = tools, ReadOnly = parse.GetValue(ReadOnly) };
        if (parse.CommandResult.Command.Options.Contains(HttpServeOptionsCli.Transport))
        {
            if (HttpServeOptionsCli.IsHttp(parse))
            {
                var http = HttpServeOptionsCli.Read(parse);
                if (http.Problem() is { } problem) return Fail(problem);
                return await HttpTransport.RunAsync(options, http, parse.GetValue(LogLevelOption), cancellationToken);
            }
            if (HttpServeOptionsCli.MisplacedHttpFlag(parse) is { } flag)
                return Fail($"{flag} applies to HTTP only: add --transport http");
        }
        return await StdioHost.RunAsync(options, parse.GetValue(LogLevelOption), cancellationToken);
    }

    /// <summary>
    /// Whether the command would open a PostgreSQL database: the one its --db (else CRM_MCP_DB) names, stress's own
    /// --db, migrate-data's target. The stdio binary, built without Npgsql, then runs the full build in its place
    /// (Program.cs). `config` only writes the location into a client's entry; help and parse errors stay here.
    /// </summary>
    public static bool NeedsPostgres(ParseResult parse, Func<string, string?> environment)
    {
        if (parse.Errors.Count > 0 || parse.Action is System.CommandLine.Help.HelpAction) return false;
        var command = parse.CommandResult.Command;
        if (command.Name == "migrate-data") return true;
        if (command.Name == "config") return false;
        var db = command.Options.Contains(Db) ? parse.GetValue(Db) ?? environment(DatabasePath.EnvironmentVariable)
            : command.Options.FirstOrDefault(o => o.Name == "--db") is Option<string?> own ? parse.GetValue(own)
            : null;
        return db is not null && DatabaseLocation.IsPostgres(db);
    }

    /// <summary>What the stdio binary leaves to the full build for this command line: "PostgreSQL" (<see cref="NeedsPostgres"/>),
    /// "stress" (its MCP client, the SDK's client half, is compiled into the full build only: StressCommand), or null
    /// to run it here. Help and a command line with errors stay here.</summary>
    public static string? LeftToFullBuild(ParseResult parse, Func<string, string?> environment) =>
        NeedsPostgres(parse, environment) ? "PostgreSQL"
        : parse.Errors.Count == 0 && parse.Action is not System.CommandLine.Help.HelpAction && parse.CommandResult.Command.Name == "stress" ? "stress"
        : null;

    /// <summary>"a,b" "c" → {a, b, c}, lower-cased.</summary>
    public static HashSet<string> List(IEnumerable<string>? values) =>
        (values ?? []).SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(t => t.ToLowerInvariant()).ToHashSet();

    private static Command MigrateCommand()
    {
        var migrate = new Command("migrate", "Create the database or bring it to the current schema, then exit");
        migrate.Add(Db);
        migrate.SetAction(async (parse, cancellationToken) =>
        {
            var settings = Settings(parse);
            var applied = await new Migrator(new CrmDb(settings.DatabasePath)).MigrateAsync(cancellationToken);
            Console.Error.WriteLine(applied.Count == 0
                ? $"{DatabaseLocation.Display(settings.DatabasePath)}: already at schema version {Migrator.All[^1].Version}"
                : $"{DatabaseLocation.Display(settings.DatabasePath)}: applied migrations {string.Join(", ", applied)}");
            return 0;
        });
        return migrate;
    }

    /// <summary>"cli webhooks create" for `crm-mcp webhooks create ...`; "cli" alone for the root command.</summary>
    public static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            if (result.Command is not RootCommand) names.Insert(0, result.Command.Name);
        return string.Join(' ', names.Prepend("cli"));
    }

    /// <summary>A one-line failure on the invocation's error writer (what tests capture); exit code 2.</summary>
    public static int Fail(ParseResult parse, string message)
    {
        parse.InvocationConfiguration.Error.WriteLine($"crm-mcp: {message}");
        return 2;
    }

    public static int Fail(string message)
    {
        Console.Error.WriteLine($"crm-mcp: {message}");
        return 2;
    }
}
