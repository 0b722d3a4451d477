using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.Mcp.Data;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Clients;

public enum Severity { Ok, Info, Warn, Fail }

/// <summary>One thing `crm-mcp doctor` looked at, and what to do about it when it is not fine.</summary>
public sealed record Finding(Severity Severity, string Subject, string Message, string? Fix = null);

/// <summary>
/// Checks what usually breaks a setup: the database (present, intact, WAL, migrations) and every installed client's
/// config that mentions crm-mcp (valid file, a command that exists, the database it points at, Gemini's start-up
/// timeout, an HTTP server that answers). It only reads: the database is opened read-only.
/// </summary>
public sealed partial class Doctor(string databasePath, string home, string project, Func<string, string?> findProgram)
{
    /// <summary>The build doctor runs as: named first, and compared with what each client entry starts.</summary>
    public RunningBuild? Build { get; init; }

    public async Task<IReadOnlyList<Finding>> RunAsync(CancellationToken cancellationToken = default)
    {
        var findings = new List<Finding>();
        if (Build is { } build)
            findings.Add(new(Severity.Info, "build", $"{build.Describe()}; `crm-mcp config` entries start it as: {string.Join(' ', build.Prefix.Prepend(build.Command))}."));
        if (!Hosting.HttpTransport.Included) findings.Add(HttpBuild(Hosting.HttpTransport.FullBuildPath(AppContext.BaseDirectory), File.Exists));
        await CheckDatabaseAsync(findings, cancellationToken);
        foreach (var client in ClientConfigs.All) await CheckClientAsync(client, findings, cancellationToken);
        return findings;
    }

    /// <summary>The stdio build's `serve --transport http`, and any command given a PostgreSQL database, run the full
    /// build beside it.</summary>
    public static Finding HttpBuild(string fullBuild, Func<string, bool> fileExists) => fileExists(fullBuild)
        ? new(Severity.Info, "http", $"this is the stdio build; `serve --transport http` runs {fullBuild}, as does a PostgreSQL --db.")
        : new(Severity.Warn, "http", $"this is the stdio build and {fullBuild} is missing, so `serve --transport http` and a PostgreSQL --db fail.",
            "reinstall crm-mcp (the package and the release folder carry both binaries)");

    private async Task CheckDatabaseAsync(List<Finding> findings, CancellationToken cancellationToken)
    {
        const string subject = "database";
        if (DatabaseLocation.IsPostgres(databasePath))
        {
            await CheckPostgresAsync(findings, cancellationToken);
            return;
        }
        if (!File.Exists(databasePath))
        {
            findings.Add(new(Severity.Warn, subject, $"no database at {databasePath} yet.",
                $"it is created when a client first starts the server, or now with: crm-mcp migrate --db {databasePath}"));
            return;
        }
        try
        {
            await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            await connection.OpenAsync(cancellationToken);
            var check = await connection.QueryFirstAsync<string>("PRAGMA quick_check");
            if (check != "ok")
            {
                findings.Add(new(Severity.Fail, subject, $"{databasePath} is damaged: {check}", "restore the latest backup (crm-mcp backup FILE makes one)"));
                return;
            }
            var journal = await connection.QueryFirstAsync<string>("PRAGMA journal_mode");
            var hasHistory = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'") > 0;
            var applied = hasHistory ? (await connection.QueryAsync<int>("SELECT version FROM schema_migrations")).ToHashSet() : [];
            var pending = Migrator.All.Where(m => !applied.Contains(m.Version)).Select(m => m.Name).ToList();
            var unknown = applied.Where(v => Migrator.All.All(m => m.Version != v)).Order().ToList();
            if (unknown.Count > 0)
                findings.Add(new(Severity.Fail, subject, $"written by a newer crm-mcp: schema versions {string.Join(", ", unknown)} are unknown to {Hosting.CrmServer.Version}.",
                    "upgrade crm-mcp (dotnet tool update -g Crm.Mcp), or point --db at another file"));
            if (pending.Count > 0)
                findings.Add(new(Severity.Warn, subject, $"{pending.Count} migration(s) not applied yet: {string.Join(", ", pending)}.",
                    $"the server applies them at start, or now: crm-mcp migrate --db {databasePath}"));
            if (journal != "wal")
                findings.Add(new(Severity.Warn, subject, $"journal mode is {journal}, not WAL: readers and the writer will block each other.",
                    $"crm-mcp migrate --db {databasePath} turns WAL on"));
            var counts = hasHistory && pending.Count < Migrator.All.Count
                ? await EntityCounts.ReadAsync(connection)
                : new EntityCounts(0, 0, 0);
            if (unknown.Count == 0 && pending.Count == 0 && journal == "wal")
                findings.Add(new(Severity.Ok, subject, $"{databasePath}: intact, WAL, schema {applied.Max()} ({counts})."));
        }
        catch (SqliteException e)
        {
            findings.Add(new(Severity.Fail, subject, $"{databasePath} cannot be read: {e.Message}", "check the file's permissions, or restore a backup"));
        }
    }

    /// <summary>PostgreSQL: reachable, and its schema neither behind nor ahead of this build.</summary>
    private async Task CheckPostgresAsync(List<Finding> findings, CancellationToken cancellationToken)
    {
        const string subject = "database";
        var shown = DatabaseLocation.Display(databasePath);
        try
        {
            var db = new CrmDb(databasePath);
            await using var connection = await db.OpenAsync(cancellationToken);
            var hasHistory = await db.Dialect.TableExistsAsync(connection, null, "schema_migrations");
            var applied = hasHistory ? (await connection.QueryAsync<int>("SELECT version FROM schema_migrations")).ToHashSet() : [];
            var pending = Migrator.Postgres.Where(m => !applied.Contains(m.Version)).Select(m => m.Name).ToList();
            var unknown = applied.Where(v => Migrator.Postgres.All(m => m.Version != v)).Order().ToList();
            if (unknown.Count > 0)
                findings.Add(new(Severity.Fail, subject, $"written by a newer crm-mcp: schema versions {string.Join(", ", unknown)} are unknown to {Hosting.CrmServer.Version}.",
                    "upgrade crm-mcp (dotnet tool update -g Crm.Mcp) on every instance sharing this database"));
            if (pending.Count > 0)
                findings.Add(new(Severity.Warn, subject, $"{pending.Count} migration(s) not applied yet: {string.Join(", ", pending)}.",
                    $"the server applies them at start, or now: crm-mcp migrate --db \"{shown}\""));
            if (unknown.Count == 0 && pending.Count == 0)
            {
                var counts = await EntityCounts.ReadAsync(connection);
                findings.Add(new(Severity.Ok, subject, $"PostgreSQL {shown}: reachable, schema {applied.Max()} ({counts})."));
            }
        }
        catch (Exception e) when (e is System.Data.Common.DbException or System.Net.Sockets.SocketException or TimeoutException)
        {
            findings.Add(new(Severity.Fail, subject, $"PostgreSQL {shown} cannot be reached: {e.Message}",
                "check the server is running, the host/port/user/password, and that the database exists (CREATE DATABASE)"));
        }
    }

    private sealed record Entry(string Name, string? Command, IReadOnlyList<string> Args, string? Database, string? Url, int? Timeout);

    private async Task CheckClientAsync(ClientKind client, List<Finding> findings, CancellationToken cancellationToken)
    {
        var ours = new List<(string File, Entry Entry)>();
        foreach (var file in client.ConfigFiles(home, project).Distinct().Where(File.Exists))
        {
            IReadOnlyList<Entry> entries;
            try
            {
                entries = client.Toml ? ReadToml(await File.ReadAllTextAsync(file, cancellationToken)) : ReadJson(await File.ReadAllTextAsync(file, cancellationToken));
            }
            catch (JsonException e)
            {
                findings.Add(new(Severity.Fail, client.DisplayName, $"{file} is not valid JSON ({e.Message}); {client.DisplayName} ignores every server in it.",
                    "fix the file; `crm-mcp config " + client.Id + "` prints a valid entry"));
                continue;
            }
            ours.AddRange(entries.Where(IsCrm).Select(e => (file, e)));
        }
        if (ours.Count == 0)
        {
            if (client.Program is not null && findProgram(client.Program) is not null)
                findings.Add(new(Severity.Info, client.DisplayName, "installed, but no crm-mcp server is configured.", $"crm-mcp config {client.Id}"));
            return;
        }
        foreach (var (file, entry) in ours) findings.Add(await CheckEntryAsync(client, file, entry, cancellationToken));
    }

    private async Task<Finding> CheckEntryAsync(ClientKind client, string file, Entry entry, CancellationToken cancellationToken)
    {
        var subject = $"{client.DisplayName} ({file}, \"{entry.Name}\")";
        var fix = $"replace the entry with the output of: crm-mcp config {client.Id}";
        if (entry.Url is { } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
                return new(Severity.Fail, subject, $"'{url}' is not a URL.", fix);
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
                using var response = await http.GetAsync(new Uri(uri, "/healthz"), cancellationToken);
                return response.IsSuccessStatusCode
                    ? new(Severity.Ok, subject, $"HTTP server at {url} answers.")
                    : new(Severity.Warn, subject, $"{url} answered /healthz with {(int)response.StatusCode}.", "is it crm-mcp serve --transport http at that address?");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return new(Severity.Warn, subject, $"no server answers at {url}.", "start it: crm-mcp serve --transport http (see docs/clients.md)");
            }
        }
        if (entry.Command is null) return new(Severity.Fail, subject, "has neither a command nor a url.", fix);
        var command = Path.IsPathRooted(entry.Command) ? (File.Exists(entry.Command) ? entry.Command : null) : findProgram(entry.Command);
        if (command is null)
            return new(Severity.Fail, subject, $"command '{entry.Command}' does not exist{(Path.IsPathRooted(entry.Command) ? "" : " on PATH")}; the client cannot start the server.", fix);
        var missing = entry.Args.FirstOrDefault(a => a.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && !File.Exists(a));
        if (missing is not null)
            return new(Severity.Fail, subject, $"'{missing}' does not exist (moved, or never built).", $"build it (dotnet build -c Release src/Crm.Mcp), or {fix}");
        if (entry.Args.Prepend(entry.Command).FirstOrDefault(ServerLaunch.IsPackageCopy) is { } copy)
            return new(Severity.Warn, subject, $"starts '{copy}', a versioned copy inside a package folder: `dotnet tool update` or clearing the NuGet cache removes it.",
                $"{fix} (it names the tool's own command, or dnx)");
        if (client.Id == "gemini" && entry.Timeout is null or < 10_000)
            return new(Severity.Warn, subject, "no \"timeout\" of at least 10000 ms: Gemini CLI gives up after 5 s, and a .NET server's cold start can take longer.",
                "add \"timeout\": 30000 to the entry");
        if (entry.Database is { } db && Path.GetFullPath(db) != databasePath)
            return new(Severity.Info, subject, $"starts the server on {db}, not {databasePath}.", "intended? Clients on different files see different CRMs");
        if (Build is { } build && !StartsBuild(entry, build))
            return new(Severity.Info, subject, $"starts {string.Join(' ', entry.Args.Prepend(entry.Command))}, not this build ({build.Describe()}).",
                $"to switch to this one: {fix}");
        return new(Severity.Ok, subject, $"starts {entry.Command} {string.Join(' ', entry.Args)}".TrimEnd() + (entry.Database is null ? "" : $" on {entry.Database}") + ".");
    }

    /// <summary>The entry's command and leading arguments are this build's launch command.</summary>
    private static bool StartsBuild(Entry entry, RunningBuild build) =>
        string.Equals(entry.Command, build.Command, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal) &&
        entry.Args.Take(build.Prefix.Count).SequenceEqual(build.Prefix);

    private static bool IsCrm(Entry entry) =>
        entry.Name.Contains("crm", StringComparison.OrdinalIgnoreCase) ||
        new[] { entry.Command, entry.Url }.Concat(entry.Args).Any(v => v is not null &&
            (v.Contains("crm-mcp", StringComparison.OrdinalIgnoreCase) || v.Contains("Crm.Mcp", StringComparison.OrdinalIgnoreCase)));

    private static IReadOnlyList<Entry> ReadJson(string text)
    {
        var root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var servers = (root?["mcpServers"] ?? root?["servers"]) as JsonObject;
        if (servers is null) return [];
        return servers.Where(s => s.Value is JsonObject).Select(s =>
        {
            var node = (JsonObject)s.Value!;
            string? Text(JsonNode? value) => value is JsonValue v && v.TryGetValue<string>(out var t) ? t : null;
            var args = node["args"] is JsonArray array ? array.Select(Text).OfType<string>().ToList() : [];
            int? timeout = node["timeout"] is JsonValue tv && tv.TryGetValue<int>(out var ms) ? ms : null;
            return new Entry(s.Key, Text(node["command"]), args, Text(node["env"]?[DatabasePath.EnvironmentVariable]),
                Text(node["url"]) ?? Text(node["httpUrl"]), timeout);
        }).ToList();
    }

    /// <summary>Just enough TOML for Codex's [mcp_servers.NAME] tables.</summary>
    private static IReadOnlyList<Entry> ReadToml(string text)
    {
        var entries = new List<Entry>();
        foreach (Match section in TomlServerSection().Matches(text))
        {
            var values = new Dictionary<string, string>();
            foreach (Match pair in TomlKeyValue().Matches(section.Groups["body"].Value)) values.TryAdd(pair.Groups["key"].Value, pair.Groups["value"].Value);
            static IEnumerable<string> Strings(string value) => TomlString().Matches(value).Select(m => Regex.Unescape(m.Groups[1].Value));
            string? Key(string key) => values.GetValueOrDefault(key);
            var env = Key("env");
            var database = env is null ? null : TomlDatabaseVariable().Match(env) is { Success: true } d ? Regex.Unescape(d.Groups[1].Value) : null;
            entries.Add(new Entry(section.Groups[1].Success ? section.Groups[1].Value : section.Groups[2].Value,
                Key("command") is { } command ? Strings(command).FirstOrDefault() : null,
                Key("args") is { } args ? Strings(args).ToList() : [],
                database,
                Key("url") is { } url ? Strings(url).FirstOrDefault() : null,
                null));
        }
        return entries;
    }

    // Generated, not built at run time: a runtime pattern keeps the regex interpreter in the native binary (rss5).
    [GeneratedRegex(@"^\[mcp_servers\.(?:""([^""]+)""|([^\]\s.]+))\]\s*$(?<body>(?:\n(?!\[).*)*)", RegexOptions.Multiline)]
    private static partial Regex TomlServerSection();
    [GeneratedRegex(@"^\s*(?<key>[A-Za-z0-9_-]+)\s*=\s*(?<value>.+)$", RegexOptions.Multiline)]
    private static partial Regex TomlKeyValue();
    [GeneratedRegex(@"""((?:[^""\\]|\\.)*)""")]
    private static partial Regex TomlString();
    [GeneratedRegex(DatabasePath.EnvironmentVariable + @"\s*=\s*""((?:[^""\\]|\\.)*)""")]
    private static partial Regex TomlDatabaseVariable();

    /// <summary>The full path of a program found on PATH, or null.</summary>
    public static string? OnPath(string program)
    {
        var names = OperatingSystem.IsWindows() ? new[] { program + ".exe", program + ".cmd", program } : [program];
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(dir => names.Select(name => Path.Combine(dir, name))).FirstOrDefault(File.Exists);
    }
}
