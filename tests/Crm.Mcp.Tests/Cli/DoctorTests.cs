using Crm.Mcp.Clients;
using Crm.Mcp.Data;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Cli;

public sealed class DoctorTests
{
    private sealed class Homes : IDisposable
    {
        public string Home { get; } = Directory.CreateTempSubdirectory("crm-doctor-home").FullName;
        public string Project { get; } = Directory.CreateTempSubdirectory("crm-doctor-project").FullName;

        public void Write(string relative, string text)
        {
            var path = Path.Combine(Home, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        public void Dispose()
        {
            Directory.Delete(Home, true);
            Directory.Delete(Project, true);
        }
    }

    private static Task<IReadOnlyList<Finding>> RunAsync(string db, Homes homes, Func<string, string?>? findProgram = null) =>
        new Doctor(db, homes.Home, homes.Project, findProgram ?? (_ => null)).RunAsync(TestContext.Current.CancellationToken);

    [Fact]
    public async Task A_current_database_and_a_working_client_entry_are_ok()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("SQLite file checks (quick_check, WAL); PostgreSQL has its own doctor test");
        await using var database = await TestDatabase.CreateAsync();
        using var homes = new Homes();
        var dll = typeof(Crm.Mcp.Hosting.CrmServer).Assembly.Location;
        homes.Write(".cursor/mcp.json", ClientConfigs.Render(ClientConfigs.Find("cursor"), new ServerEntry("crm",
            new StdioLaunch(Environment.ProcessPath!, [dll], new Dictionary<string, string> { ["CRM_MCP_DB"] = database.Path }), null)));

        var findings = await RunAsync(database.Path, homes);

        Assert.All(findings, f => Assert.Equal(Severity.Ok, f.Severity));
        Assert.Contains(findings, f => f.Subject == "database" && f.Message.Contains("intact, WAL"));
        Assert.Contains(findings, f => f.Subject.StartsWith("Cursor") && f.Message.Contains(dll));
    }

    [Fact]
    public async Task A_missing_command_a_bad_file_and_a_short_gemini_timeout_each_say_what_to_fix()
    {
        await using var database = await TestDatabase.CreateAsync();
        using var homes = new Homes();
        homes.Write(".codex/config.toml", "[mcp_servers.crm]\ncommand = \"/nowhere/crm-mcp\"\nargs = []\n");
        homes.Write(".gemini/settings.json", """{"mcpServers": {"crm": {"command": "dotnet", "args": []}}}""");
        homes.Write(".cursor/mcp.json", """{"mcpServers": {"crm": {"command": "dotnet",, }}""");

        var findings = await RunAsync(database.Path, homes, program => program == "dotnet" ? "/usr/bin/dotnet" : null);

        var codex = Assert.Single(findings, f => f.Subject.StartsWith("Codex CLI"));
        Assert.Equal(Severity.Fail, codex.Severity);
        Assert.Contains("'/nowhere/crm-mcp' does not exist", codex.Message);
        Assert.Equal("replace the entry with the output of: crm-mcp config codex", codex.Fix);
        var gemini = Assert.Single(findings, f => f.Subject.StartsWith("Gemini CLI"));
        Assert.Equal((Severity.Warn, "add \"timeout\": 30000 to the entry"), (gemini.Severity, gemini.Fix));
        var cursor = Assert.Single(findings, f => f.Subject == "Cursor");
        Assert.Equal(Severity.Fail, cursor.Severity);
        Assert.Contains("is not valid JSON", cursor.Message);
    }

    [Fact]
    public async Task Doctor_names_the_installed_build_and_the_entries_that_start_another_one_or_a_versioned_copy()
    {
        await using var database = await TestDatabase.CreateAsync();
        using var homes = new Homes();
        var tool = Path.Combine(homes.Home, ".dotnet", "tools", "crm-mcp");
        homes.Write(".dotnet/tools/crm-mcp", "");
        var storeCopy = Path.Combine(homes.Home, ".dotnet/tools/.store/crm.mcp/0.1.0/crm.mcp.linux-x64/0.1.0/tools/any/linux-x64/crm-mcp");
        homes.Write(".dotnet/tools/.store/crm.mcp/0.1.0/crm.mcp.linux-x64/0.1.0/tools/any/linux-x64/crm-mcp", "");
        var build = ServerLaunch.Detect(storeCopy, Path.GetDirectoryName(storeCopy)! + "/", true, File.Exists, _ => null);
        var dll = typeof(Crm.Mcp.Hosting.CrmServer).Assembly.Location;
        // No CRM_MCP_DB in the entries: the database comparison is another test's (and a PostgreSQL address is no path).
        Dictionary<string, string> Db() => [];
        homes.Write(".cursor/mcp.json", ClientConfigs.Render(ClientConfigs.Find("cursor"), new ServerEntry("crm", ServerLaunch.For(build, null, []), null)));
        homes.Write(".gemini/settings.json", ClientConfigs.Render(ClientConfigs.Find("gemini"), new ServerEntry("crm", new StdioLaunch(Environment.ProcessPath!, [dll], Db()), null)));
        homes.Write(".codex/config.toml", ClientConfigs.Render(ClientConfigs.Find("codex"), new ServerEntry("crm", new StdioLaunch(storeCopy, [], Db()), null)));

        var findings = await new Doctor(database.Path, homes.Home, homes.Project, _ => null) { Build = build }.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal("build", findings[0].Subject);
        Assert.Contains($"dotnet tool (Native AOT) in {Path.GetDirectoryName(tool)}", findings[0].Message);
        Assert.EndsWith($"start it as: {tool}.", findings[0].Message);
        var cursor = Assert.Single(findings, f => f.Subject.StartsWith("Cursor"));
        Assert.NotEqual(Severity.Fail, cursor.Severity);
        Assert.NotEqual(Severity.Warn, cursor.Severity);
        Assert.DoesNotContain("not this build", cursor.Message);
        var gemini = Assert.Single(findings, f => f.Subject.StartsWith("Gemini CLI"));
        Assert.Equal(Severity.Info, gemini.Severity);
        Assert.Contains($"starts {Environment.ProcessPath} {dll}, not this build", gemini.Message);
        var codex = Assert.Single(findings, f => f.Subject.StartsWith("Codex CLI"));
        Assert.Equal(Severity.Warn, codex.Severity);
        Assert.Contains("a versioned copy inside a package folder", codex.Message);
    }

    [Fact]
    public async Task An_installed_client_without_crm_is_told_the_config_command()
    {
        await using var database = await TestDatabase.CreateAsync();
        using var homes = new Homes();
        var findings = await RunAsync(database.Path, homes, program => program == "claude" ? "/usr/bin/claude" : null);

        var claude = Assert.Single(findings, f => f.Subject == "Claude Code");
        Assert.Equal((Severity.Info, "crm-mcp config claude-code"), (claude.Severity, claude.Fix));
    }

    [Fact]
    public async Task On_postgresql_a_current_database_is_ok_a_pending_migration_warns_and_an_unreachable_server_fails()
    {
        if (!TestDatabase.IsPostgres) Assert.Skip("needs CRM_MCP_TEST_POSTGRES");
        await using var database = await TestDatabase.CreateAsync();
        using var homes = new Homes();
        var ok = Assert.Single(await RunAsync(database.Path, homes));
        Assert.Equal(Severity.Ok, ok.Severity);
        Assert.Contains("reachable, schema", ok.Message);

        await using (var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken))
            await connection.ExecuteAsync("DELETE FROM schema_migrations WHERE version = @v", new { v = Migrator.Postgres[^1].Version });
        var pending = Assert.Single(await RunAsync(database.Path, homes));
        Assert.Equal(Severity.Warn, pending.Severity);
        Assert.Contains(Migrator.Postgres[^1].Name, pending.Message);

        var unreachable = Assert.Single(await RunAsync("Host=127.0.0.1;Port=1;Database=none;Timeout=2", homes));
        Assert.Equal(Severity.Fail, unreachable.Severity);
        Assert.Contains("cannot be reached", unreachable.Message);
    }

    [Fact]
    public async Task Pending_migrations_and_a_missing_database_are_warnings_with_the_command()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("a missing or half-migrated SQLite file");
        await using var database = await TestDatabase.CreateAsync();
        await using (var connection = await database.Db.OpenAsync())
            await connection.ExecuteAsync("DELETE FROM schema_migrations WHERE version = @v", new { v = Migrator.All[^1].Version });
        using var homes = new Homes();

        var pending = Assert.Single(await RunAsync(database.Path, homes));
        Assert.Equal(Severity.Warn, pending.Severity);
        Assert.Contains(Migrator.All[^1].Name, pending.Message);
        Assert.Equal($"the server applies them at start, or now: crm-mcp migrate --db {database.Path}", pending.Fix);

        var missing = Assert.Single(await RunAsync(Path.Combine(homes.Home, "none.db"), homes));
        Assert.Equal(Severity.Warn, missing.Severity);
        Assert.Contains("no database at", missing.Message);
    }

    [Fact]
    public async Task Command_exits_1_when_a_check_fails()
    {
        await using var database = await TestDatabase.CreateAsync();
        var damaged = Path.Combine(database.Folder, "damaged.db");
        await File.WriteAllTextAsync(damaged, "this is not a database", TestContext.Current.CancellationToken);
        var result = await CliRunner.RunAsync("doctor", "--db", damaged);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("FAIL  database:", result.Output);
        Assert.Contains("fix: ", result.Output);
    }

    /// <summary>Run as the release's stdio build, doctor says where HTTP and PostgreSQL come from, and warns when that file is gone.</summary>
    [Fact]
    public void The_stdio_build_names_the_http_build_beside_it_or_warns_that_it_is_missing()
    {
        var present = Doctor.HttpBuild("/opt/crm/crm-mcp-http", _ => true);
        Assert.Equal((Severity.Info, "http"), (present.Severity, present.Subject));
        Assert.Contains("`serve --transport http` runs /opt/crm/crm-mcp-http, as does a PostgreSQL --db", present.Message);
        var missing = Doctor.HttpBuild("/opt/crm/crm-mcp-http", _ => false);
        Assert.Equal(Severity.Warn, missing.Severity);
        Assert.Contains("/opt/crm/crm-mcp-http is missing", missing.Message);
        Assert.NotNull(missing.Fix);
    }
}
