using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Dapper;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Cli;

/// <summary>
/// Many writers on one database file, as when Claude Desktop and Cursor each start a server: N real crm-mcp processes
/// over stdio, one MCP client each, all creating deals for overlapping companies, people and stages (spelled
/// differently, with idempotent retries and dry runs mixed in). Then checks the database: no duplicate company, person
/// or stage, every write acknowledged is there (and nothing else), deal identifiers are unique, and no call failed.
/// With <see cref="Http"/> the processes are `serve --transport http --stateless` instances on loopback ports instead,
/// as several instances behind a load balancer sharing one PostgreSQL database would run.
/// </summary>
public sealed class StressRunner(string command, IReadOnlyList<string> commandPrefix, string databasePath)
{
    /// <summary>Where to report progress (every tenth of the calls), or nowhere.</summary>
    public TextWriter? Progress { get; init; }

    /// <summary>Stateless HTTP instances (no API key, loopback) instead of stdio servers.</summary>
    public bool Http { get; init; }

    /// <summary>Concurrent MCP clients per HTTP instance, each making its calls in sequence (stdio: always one).</summary>
    public int ClientsPerProcess { get; init; } = 1;

    public sealed record Report(
        int Processes, int ClientsPerProcess, int CallsPerClient, TimeSpan Wall, long Calls, long Succeeded, long Errors, long BusyErrors,
        long Replays, long ReplayMismatches, long DryRuns, long DuplicateCompanies, long DuplicatePeople, long DuplicateStages,
        long LostWrites, long UnexpectedRows, IReadOnlyList<string> ErrorSamples, long DuplicateIdentifiers = 0)
    {
        /// <summary>The servers' first warning and error lines (stderr), for a run that failed: an internal error's cause.</summary>
        public IReadOnlyList<string> ServerLog { get; init; } = [];

        public double CallsPerSecond => Calls / Math.Max(Wall.TotalSeconds, 0.001);
        public bool Clean => Errors == 0 && ReplayMismatches == 0 && DuplicateCompanies == 0 && DuplicatePeople == 0 &&
                             DuplicateStages == 0 && LostWrites == 0 && UnexpectedRows == 0 && DuplicateIdentifiers == 0;

        public override string ToString() => string.Join(Environment.NewLine,
            $"processes x clients x calls  {Processes} x {ClientsPerProcess} x {CallsPerClient} = {Calls} calls",
            $"wall time              {Wall.TotalSeconds:0.0} s ({CallsPerSecond:0} calls/s)",
            $"succeeded              {Succeeded} (of which {Replays} idempotent replays, {DryRuns} dry runs)",
            $"errors                 {Errors} (database busy: {BusyErrors}; replay mismatches: {ReplayMismatches})",
            $"duplicates             companies {DuplicateCompanies}, people {DuplicatePeople}, stages {DuplicateStages}, deal identifiers {DuplicateIdentifiers}",
            $"lost writes            {LostWrites} acknowledged deals missing; {UnexpectedRows} rows nobody acknowledged",
            $"result                 {(Clean ? "CLEAN" : "FAILED")}");
    }

    private static readonly string[] CompanyNames =
        ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises", "Wonka", "Tyrell", "Cyberdyne", "Soylent", "Vandelay"];
    private static readonly string[] FirstNames = ["Jane", "Omar", "Priya", "Lars", "Mei", "Diego"];
    private static readonly string[] LastNames = ["Founder", "Haddad", "Raman", "Nilsson", "Takeda", "Alvarez"];
    private static readonly string[] NewStages = ["Workbench", "Pilot", "Security Review", "Legal"];

    /// <summary>The company spelled the many ways people write it; all share one normalized key.</summary>
    private static string Spell(string company, int variant) => (variant % 4) switch
    {
        0 => company,
        1 => company + ", Inc.",
        2 => company.ToUpperInvariant() + " corp",
        _ => "The " + company + " Company",
    };

    // The servers' stderr (Warning and above), first lines only.
    private readonly ConcurrentQueue<string> _serverLog = new();
    private const int ServerLogLines = 60;

    private void Log(string? line)
    {
        if (!string.IsNullOrWhiteSpace(line) && _serverLog.Count < ServerLogLines) _serverLog.Enqueue(line);
    }

    private sealed record Written(string DealId, string CompanyKey, IReadOnlyList<string> Emails, string? StageKey);

    /// <param name="callsPerProcess">Calls each client makes (one client per process unless <see cref="ClientsPerProcess"/> says more).</param>
    public async Task<Report> RunAsync(int processes, int callsPerProcess, CancellationToken cancellationToken)
    {
        var clientsPerProcess = Http ? Math.Max(1, ClientsPerProcess) : 1;
        await new Migrator(new CrmDb(databasePath)).MigrateAsync(cancellationToken);
        var written = new ConcurrentBag<Written>();
        var errors = new ConcurrentBag<string>();
        long succeeded = 0, replays = 0, mismatches = 0, dryRuns = 0, busy = 0, done = 0;
        var total = (long)processes * clientsPerProcess * callsPerProcess;
        var step = Math.Max(1, total / 10);

        var servers = new List<Process>();
        McpClient[] clients;
        try
        {
            var transports = await Task.WhenAll(Enumerable.Range(0, processes).Select(async p => Http
                ? await StartHttpInstanceAsync(servers, cancellationToken)
                : (Func<IClientTransport>)(() => new StdioClientTransport(new StdioClientTransportOptions
                {
                    Name = $"crm-mcp-{p}",
                    Command = command,
                    Arguments = [.. commandPrefix, "serve", "--db", databasePath, "--log-level", "Warning"],
                    StandardErrorLines = Log,
                }))));
            clients = await Task.WhenAll(Enumerable.Range(0, processes * clientsPerProcess).Select(async c => await McpClient.CreateAsync(
                transports[c / clientsPerProcess](),
                new McpClientOptions { ClientInfo = new Implementation { Name = $"stress-{c}", Version = "1" }, ProtocolVersion = "2025-11-25" }, cancellationToken: cancellationToken)));
        }
        catch
        {
            StopAll(servers);
            throw;
        }

        var clock = Stopwatch.StartNew();
        try
        {
            await Task.WhenAll(clients.Select((client, p) => Task.Run(async () =>
            {
                var random = new Random(p * 7919 + 17);
                string? lastKey = null;
                Dictionary<string, object?>? lastArguments = null;
                string? lastDealId = null;
                for (var call = 0; call < callsPerProcess; call++)
                {
                    var retry = lastKey is not null && random.NextDouble() < 0.1;
                    var dryRun = !retry && random.NextDouble() < 0.1;
                    Dictionary<string, object?> arguments;
                    string key;
                    Written? intent = null;
                    if (retry)
                    {
                        (key, arguments) = (lastKey!, lastArguments!);
                    }
                    else
                    {
                        var company = random.Next(CompanyNames.Length);
                        var domain = CompanyNames[company].ToLowerInvariant().Replace(" ", "") + ".example";
                        var people = Enumerable.Range(0, random.Next(0, 3)).Select(_ => random.Next(FirstNames.Length * LastNames.Length)).Distinct()
                            .Select(n => (Name: $"{FirstNames[n % FirstNames.Length]} {LastNames[n / FirstNames.Length]}", Email: $"{FirstNames[n % FirstNames.Length]}.{LastNames[n / FirstNames.Length]}@{domain}"))
                            .Select(x => (x.Name, Email: random.Next(2) == 0 ? x.Email.ToUpperInvariant() : x.Email.ToLowerInvariant()))
                            .ToList();
                        var stage = random.Next(NewStages.Length + 1) is var s && s < NewStages.Length ? NewStages[s] : null;
                        key = $"stress-{p}-{call}";
                        arguments = new Dictionary<string, object?>
                        {
                            ["company_name"] = Spell(CompanyNames[company], random.Next(4)),
                            ["amount"] = random.Next(1, 500) * 1000,
                            // As JSON already: the SDK client serializes arguments through its own metadata only, which
                            // has no list of dictionaries in the native build.
                            ["people"] = JsonSerializer.SerializeToElement(
                                people.Select(x => new Dictionary<string, string> { ["name"] = x.Name, ["email"] = x.Email }).ToList(),
                                CommonJsonContext.Default.ListDictionaryStringString),
                            ["idempotency_key"] = key,
                        };
                        if (stage is not null) arguments["stage_name"] = random.Next(2) == 0 ? stage : stage.ToLowerInvariant();
                        if (dryRun) arguments["dry_run"] = true;
                        intent = new Written("", NameKeys.Company(CompanyNames[company]), people.Select(x => NameKeys.Email(x.Email)).ToList(),
                            stage is null ? null : NameKeys.Stage(stage));
                    }

                    if (Interlocked.Increment(ref done) % step == 0)
                        Progress?.WriteLine($"  {done}/{total} calls, {clock.Elapsed.TotalSeconds:0.0} s, {errors.Count} errors");
                    try
                    {
                        var result = await client.CallToolAsync("create_deal_draft", arguments, cancellationToken: cancellationToken);
                        var text = result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text ?? "";
                        if (result.IsError == true)
                        {
                            if (text.Contains("locked", StringComparison.OrdinalIgnoreCase) || text.Contains("busy", StringComparison.OrdinalIgnoreCase)) Interlocked.Increment(ref busy);
                            errors.Add(text);
                            continue;
                        }
                        Interlocked.Increment(ref succeeded);
                        var body = result.StructuredContent!.Value;
                        var dealId = body.GetProperty("data").GetProperty("deal").GetProperty("id").GetString()!;
                        if (retry)
                        {
                            Interlocked.Increment(ref replays);
                            if (!body.TryGetProperty("idempotent_replay", out _) || dealId != lastDealId) Interlocked.Increment(ref mismatches);
                            continue;
                        }
                        if (dryRun)
                        {
                            Interlocked.Increment(ref dryRuns);
                            continue;
                        }
                        written.Add(intent! with { DealId = dealId });
                        (lastKey, lastArguments, lastDealId) = (key, arguments, dealId);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        if (e.Message.Contains("locked", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("busy", StringComparison.OrdinalIgnoreCase)) Interlocked.Increment(ref busy);
                        errors.Add(e.Message);
                    }
                }
            }, cancellationToken)));
        }
        finally
        {
            clock.Stop();
            foreach (var client in clients) await client.DisposeAsync();
            StopAll(servers);
        }

        // The database, read directly: what each writer was told is what must be there, once.
        await using var connection = await new CrmDb(databasePath).OpenAsync(cancellationToken);
        var companyKeys = (await connection.QueryAsync<string>("SELECT name_key FROM companies")).ToList();
        var personEmails = (await connection.QueryAsync<string>("SELECT email_key FROM people")).ToList();
        var stageKeys = (await connection.QueryAsync<string>("SELECT name_key FROM stages")).ToList();
        var dealIds = (await connection.QueryAsync<string>("SELECT id FROM deals")).ToHashSet();
        var identifiers = (await connection.QueryAsync<string>("SELECT identifier FROM deals")).ToList();
        var writes = written.ToList();
        var expectedCompanies = writes.Select(w => w.CompanyKey).ToHashSet();
        var expectedPeople = writes.SelectMany(w => w.Emails).ToHashSet();
        var expectedStages = writes.Where(w => w.StageKey is not null).Select(w => w.StageKey!).ToHashSet();
        var acknowledged = writes.Select(w => w.DealId).ToHashSet();
        // Lost: acknowledged but absent, or a record some acknowledged write needed that is not there.
        var lost = acknowledged.Count(id => !dealIds.Contains(id)) + expectedCompanies.Except(companyKeys).Count() +
                   expectedPeople.Except(personEmails).Count() + expectedStages.Except(stageKeys).Count();
        var unexpected = dealIds.Count(id => !acknowledged.Contains(id));
        // Duplicates: more rows than distinct records asked for (the six seeded stages are always there).
        return new Report(processes, clientsPerProcess, callsPerProcess, clock.Elapsed, total, succeeded, errors.Count, busy,
            replays, mismatches, dryRuns,
            companyKeys.Count - expectedCompanies.Count(companyKeys.Contains),
            personEmails.Count - expectedPeople.Count(personEmails.Contains),
            stageKeys.Count - 6 - expectedStages.Count(stageKeys.Contains),
            lost, unexpected, errors.Take(5).ToList(), identifiers.Count - identifiers.Distinct().Count()) { ServerLog = [.. _serverLog] };
    }

    /// <summary>Starts one stateless HTTP instance on a free loopback port and, once /healthz answers, returns how to
    /// make a client transport for it (one per client).</summary>
    private async Task<Func<IClientTransport>> StartHttpInstanceAsync(List<Process> servers, CancellationToken cancellationToken)
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var url = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])[.. commandPrefix, "serve", "--transport", "http", "--urls", url, "--no-auth", "--stateless",
                     "--db", databasePath, "--log-level", "Warning"])
            start.ArgumentList.Add(argument);
        var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) => Log(e.Data);
        process.Start();
        lock (servers) servers.Add(process);
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if ((await http.GetAsync($"{url}/healthz", cancellationToken)).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) when (attempt < 300 && !process.HasExited) { }
            if (process.HasExited || attempt >= 300) throw new InvalidOperationException($"the HTTP instance on {url} did not start");
            await Task.Delay(100, cancellationToken);
        }
        return () => new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri($"{url}/mcp"), Name = $"crm-mcp-{port}" });
    }

    private static void StopAll(List<Process> servers)
    {
        foreach (var server in servers)
        {
            try { if (!server.HasExited) server.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            server.Dispose();
        }
    }
}
