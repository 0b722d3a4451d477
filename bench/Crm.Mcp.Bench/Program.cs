using System.Diagnostics;
using Crm.Mcp.Bench;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

// Load driver for BENCHMARKS.md (bench/run-all.sh runs every section). Each command prints Markdown tables on stdout.
//   e2e      [--rows 1000] [--calls 2000] [--runs 3]        stdio, one client: no-op, get_deal, get_deals, create_deal_draft, search_all
//   http     [--clients 1,4,16] [--stateless]               the same calls over Streamable HTTP with concurrent SDK clients
//   growth   [--sizes 1000,100000,1000000]                  the stdio calls on databases of growing size
//   bulk     [--batches 50] [--import 100000] [--import-timeout 300]           create_contacts/create_deals in 100-item batches; `crm-mcp import`
//   memory   [--sizes 1000,100000]                          side by side with @modelcontextprotocol/server-memory
//   startup  [--runs 10] [--label L] [--node] [--no-header]   process start to initialize reply; idle and loaded RSS
//   startup-compare --servers LABEL=PATH[|K=V...],... [--runs 10] [--load-calls N]   builds/knobs round-robin (shared noise), plus Node: initialize, first call, RSS
//   reports  [--sizes 1000,100000,1000000] [--calls 50]    report_deals (by stage, by month, win rate by quarter, filtered)
//   micro                                                   BenchmarkDotNet: resolver lookups at 1M companies, in process
//   populate [--sizes ...]  verify [--rows 1000]            build the cached databases; check one answers like a served one
//   profile-draft [--rows 1000] [--calls 500]              create_deal_draft in process: per-statement SQLite times
//   profile-bulk [--rows 1000] [--calls 50]   profile-import CSV [--batch-size 5000] [--load]   the same for bulk calls / crm-mcp import
//   near-names DB [--names 2000] [--seed 1] [--out FILE]   near-name lookups of drawn names: candidates and decisions as JSON lines, CPU per lookup (DB: a file or a PostgreSQL connection string)
//   explain DB SQL [@p=v...]   explain-lists DB           one statement's plan and time; every list tool's count and page
// e2e and growth take --postgres CONNECTION (or CRM_MCP_BENCH_POSTGRES): serve from PostgreSQL (see PostgresTarget).
// e2e, growth and http take --only TEXT[,TEXT]: only the calls whose names contain one of them (plus the no-op and the references).
// Common: --env K=V (repeatable) for the crm-mcp processes, --work DIR (default $BENCH_WORK or $TMPDIR/crm-mcp-bench), --budget SECONDS per measured call (default 60).
// CRM_MCP_SERVER=path/to/crm-mcp (or .dll) measures another build of the server, e.g. a ReadyToRun publish.
var command = args.FirstOrDefault() ?? "e2e";
int Option(string name, int fallback) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
string? Text(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
int[] Sizes(string fallback) => (Text("--sizes") ?? fallback).Split(',').Select(int.Parse).ToArray();
var work = Text("--work") ?? Populate.DefaultWork;
var budget = TimeSpan.FromSeconds(Option("--budget", 60));
// --env K=V (repeatable): runtime settings for every crm-mcp process started, e.g. DOTNET_TieredPGO=0.
var env = args.Select((a, i) => (a, i)).Where(p => p.a == "--env" && p.i + 1 < args.Length)
    .Select(p => args[p.i + 1].Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
ServerProcess.Environment = env;
var only = Text("--only")?.Split(',');
bool Wanted(string name) => only is null || name == "no-op (ping)" || only.Any(o => name.Contains(o, StringComparison.OrdinalIgnoreCase));
if (Text("--postgres") is { } postgres) PostgresTarget.Server = postgres;
Directory.CreateDirectory(work);

Console.WriteLine($"<!-- {string.Join(' ', args)} | {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; " +
                  $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load {Measure.LoadAverage():F2}; server {ServerProcess.CrmCommand().Command} {string.Join(' ', ServerProcess.CrmCommand().Prefix)} -->");
switch (command)
{
    case "e2e":
        await EndToEnd(Option("--calls", 2000), Option("--runs", 3), Option("--rows", 1000));
        break;
    case "growth":
    {
        var curve = new List<(int Rows, Dictionary<string, Sample> Medians)>();
        foreach (var size in Sizes("1000,100000,1000000"))
            curve.Add((size, await EndToEnd(Option("--calls", 300), Option("--runs", 1), size)));
        Growth(curve);
        break;
    }
    case "http":
        foreach (var clients in (Text("--clients") ?? "1,4,16").Split(',').Select(int.Parse))
            await Http(Option("--calls", 2000), Option("--runs", 3), Option("--rows", 1000), clients, args.Contains("--stateless"));
        break;
    case "bulk":
        await Bulk(Option("--batches", 50), Option("--runs", 3), Option("--import", 100_000));
        break;
    case "memory":
        foreach (var size in Sizes("1000,100000"))
            await SideBySide(Option("--calls", 200), size);
        break;
    case "reports":
        await Reports(Sizes("1000,100000,1000000"), Option("--calls", 50));
        break;
    case "startup":
        await Startup(Option("--runs", 10), Option("--load-calls", 1000), Text("--label") ?? "crm-mcp", args.Contains("--node"));
        break;
    case "startup-compare":
        await StartupCompare(Option("--runs", 10), Text("--servers") ?? "", Option("--load-calls", 0));
        break;
    case "micro":
        // BenchmarkDotNet's own options (e.g. --job Dry) pass through; the database comes from $BENCH_WORK's cache.
        BenchmarkDotNet.Running.BenchmarkRunner.Run<ResolverBenchmarks>(args: args.Skip(1).ToArray());
        break;
    case "populate":
        foreach (var size in Sizes("1000,100000,1000000"))
            Console.WriteLine(await Populate.CreateAsync(work, size));
        break;
    case "explain":
        // explain DB SQL [PARAM=VALUE...]: the plan and time of one statement as the server's SQLite build runs it
        // (the sqlite3 shell on the machine may be another version with another planner).
        Explain.Run(args[1], args[2], args.Skip(3).Select(a => a.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]));
        break;
    case "profile-draft":
        // profile-draft [--rows 1000] [--calls 500]: one draft's statements and their cost, in process (DraftProfile).
        await DraftProfile.RunAsync(await Populate.CreateAsync(work, Option("--rows", 1000)), work, Option("--calls", 500));
        break;
    case "profile-bulk":
        // profile-bulk [--rows 1000] [--calls 50]: create_contacts / create_deals (100 items) in process (BulkProfile).
        await BulkProfile.RunAsync(await Populate.CreateAsync(work, Option("--rows", 1000)), Option("--rows", 1000), work, Option("--calls", 50));
        break;
    case "profile-import":
        // profile-import CSV [--batch-size 5000] [--load]: `crm-mcp import` in process, per statement (ImportProfile);
        // --load as the CLI runs it without --batch-size (the load path into the new database).
        await ImportProfile.RunAsync(args[1], work, Option("--batch-size", Crm.Mcp.Transfer.Importer.DefaultBatchSize), args.Contains("--load"));
        break;
    case "explain-lists":
        // explain-lists DB: every list tool's count and page SQL (plan and time) on that database.
        await ExplainLists.RunAsync(args[1]);
        break;
    case "near-names":
        // near-names DB [--names 2000] [--seed 1] [--out FILE]: compare two resolver builds' candidates (NearNames).
        await NearNames.RunAsync(args[1], Option("--names", 2000), Option("--seed", 1), Text("--out"));
        break;
    case "verify":
        return await Verify.RunAsync(await Populate.CreateAsync(work, Option("--rows", 1000)), work, Option("--rows", 1000));
    default:
        Console.Error.WriteLine($"unknown command {command}");
        return 2;
}
return 0;

string Fresh(string seeded, string name)
{
    var db = Path.Combine(work, name);
    foreach (var f in new[] { db, db + "-wal", db + "-shm" }) File.Delete(f);
    if (seeded.Length > 0) File.Copy(seeded, db);
    return db;
}

void Table(string title, Dictionary<string, List<Sample>> results, string noOpName = "no-op (ping)")
{
    Console.WriteLine($"\n{title}\n\n{Sample.Header}");
    var noOp = Measure.Median(results[noOpName]);
    foreach (var (_, samples) in results) Console.WriteLine(Measure.Median(samples).Row(noOp));
}

void Add(Dictionary<string, List<Sample>> results, Sample sample) =>
    (results.TryGetValue(sample.Name, out var list) ? list : results[sample.Name] = []).Add(sample);

async Task<Dictionary<string, Sample>> EndToEnd(int calls, int runs, int rows)
{
    var seeded = await Populate.CreateAsync(work, rows);
    if (PostgresTarget.Server is not null) seeded = await PostgresTarget.SeedAsync(seeded, rows);
    var results = new Dictionary<string, List<Sample>>();
    for (var run = 0; run < runs; run++)
    {
        await using var server = await ServerProcess.StartCrmAsync(PostgresTarget.Server is null
            ? Fresh(seeded, $"run-{rows}.db") : await PostgresTarget.FreshAsync(seeded));
        var load = await Workloads.CreateAsync(server.Client, rows);
        foreach (var (name, call) in new (string, Func<int, Task>)[]
                 {
                     ("no-op (ping)", load.NoOp),
                     ("get_deal", load.GetDeal),
                     ("get_deals (stage, draft, USD, amount ≥)", load.GetDealsFiltered),
                     ("create_deal_draft (new company + 2 new people)", load.CreateDealDraft),
                     ("create_deal_draft (existing company + person)", load.CreateDealDraftExisting),
                     ("search_all", load.SearchAll),
                 }.Where(c => Wanted(c.Item1)))
            Add(results, await Measure.RunAsync(name, calls, call, budget, server.CpuSeconds));
    }
    // The same run's references: the TypeScript SDK's echo tool (the floor a tool call can reach over stdio) and
    // server-memory storing one entity (what people use today to "remember a contact").
    for (var run = 0; run < runs; run++)
    {
        await using (var echo = await MemoryServer.StartEchoAsync())
            Add(results, await Measure.RunAsync("Node SDK echo tool (reference)", calls,
                i => echo.Client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = $"hello {i}" }).AsTask(), budget, echo.CpuSeconds));
        await using (var memory = await MemoryServer.StartAsync(Fresh("", $"ref-{rows}.jsonl")))
            Add(results, await Measure.RunAsync("server-memory create_entities, 1 entity (reference)", Math.Min(calls, 500),
                new MemoryWorkloads(memory.Client, 1).CreateEntity, budget, memory.CpuSeconds));
    }
    Table($"### stdio, one client, {rows:N0} deals/companies/people{(PostgresTarget.Server is null ? "" : ", PostgreSQL")}, up to {calls} calls per run ({budget.TotalSeconds:F0} s budget), median of {runs} runs", results);
    return results.ToDictionary(r => r.Key, r => Measure.Median(r.Value));
}

async Task Reports(int[] sizes, int calls)
{
    foreach (var rows in sizes)
    {
        var seeded = await Populate.CreateAsync(work, rows);
        var results = new Dictionary<string, List<Sample>>();
        await using var server = await ServerProcess.StartCrmAsync(Fresh(seeded, $"reports-{rows}.db"));
        var load = await Workloads.CreateAsync(server.Client, rows);
        foreach (var (name, call) in new (string, Func<int, Task>)[]
                 {
                     ("no-op (ping)", load.NoOp),
                     ("report_deals by stage: count, sum, weighted", load.ReportByStage),
                     ("report_deals by created_month: count, sum, avg", load.ReportByCreatedMonth),
                     ("report_deals published open deals by expected_close_month: count, sum, weighted", load.ReportForecastByExpectedCloseMonth),
                     ("report_deals closed deals by closed_quarter: win_rate, days_to_close", load.ReportWinRateByClosedQuarter),
                     ("report_deals published open deals ≥ 500,000 by stage: weighted", load.ReportFiltered),
                 })
            Add(results, await Measure.RunAsync(name, calls, call, budget));
        Table($"### report_deals, stdio, one client, {rows:N0} deals, up to {calls} calls each", results);
    }
}

// The growth curve: each call's p50 at every size, as a multiple of the no-op's p50 measured in the same run, and the
// growth from the smallest size to each larger one (flat is 1×).
void Growth(List<(int Rows, Dictionary<string, Sample> Medians)> curve)
{
    var first = curve[0];
    Console.WriteLine($"\n### Growth curve (stdio{(PostgresTarget.Server is null ? "" : ", PostgreSQL")}, p50 per call; ratio to the same run's no-op p50 in brackets)\n");
    Console.WriteLine($"| call | {string.Join(" | ", curve.Select(c => $"{c.Rows:N0} rows"))} | {string.Join(" | ", curve.Skip(1).Select(c => $"growth {first.Rows / 1000}k→{(c.Rows >= 1_000_000 ? $"{c.Rows / 1_000_000}M" : $"{c.Rows / 1000}k")}"))} |");
    Console.WriteLine($"|---|{string.Concat(Enumerable.Repeat("---|", curve.Count * 2 - 1))}");
    foreach (var name in first.Medians.Keys)
    {
        var cells = curve.Select(c => c.Medians.TryGetValue(name, out var m)
            ? $"{m.P50Ms:F2} ms ({m.P50Ms / c.Medians["no-op (ping)"].P50Ms:F0}×)" : "—");
        var growth = curve.Skip(1).Select(c => c.Medians.TryGetValue(name, out var m) ? $"{m.P50Ms / first.Medians[name].P50Ms:F1}×" : "—");
        Console.WriteLine($"| {name} | {string.Join(" | ", cells)} | {string.Join(" | ", growth)} |");
    }
}

async Task Http(int calls, int runs, int rows, int clients, bool stateless)
{
    var seeded = await Populate.CreateAsync(work, rows);
    var results = new Dictionary<string, List<Sample>>();
    var rss = new List<double>();
    for (var run = 0; run < runs; run++)
    {
        await using var server = await HttpServer.StartAsync(Fresh(seeded, $"http-{rows}.db"), stateless);
        var connected = new List<ModelContextProtocol.Client.McpClient>();
        try
        {
            for (var c = 0; c < clients; c++) connected.Add(await server.ConnectAsync());
            var loads = new List<Workloads>();
            foreach (var client in connected) loads.Add(await Workloads.CreateAsync(client, rows));
            foreach (var (name, call) in new (string, Func<Workloads, int, Task>)[]
                     {
                         ("no-op (ping)", (l, i) => l.NoOp(i)),
                         ("get_deal", (l, i) => l.GetDeal(i)),
                         ("get_deals (stage, draft, USD, amount ≥)", (l, i) => l.GetDealsFiltered(i)),
                         ("create_deal_draft (new company + 2 new people)", (l, i) => l.CreateDealDraft(i)),
                         ("search_all", (l, i) => l.SearchAll(i)),
                     }.Where(c => Wanted(c.Item1)))
                Add(results, await Measure.RunAsync(name, calls, (worker, i) => call(loads[worker], i), clients, budget, serverCpuSeconds: server.CpuSeconds));
            rss.Add(server.RssBytes() / 1048576.0);
        }
        finally
        {
            foreach (var client in connected) await client.DisposeAsync();
        }
    }
    Table($"### Streamable HTTP{(stateless ? " (--stateless)" : "")}, {clients} concurrent client{(clients == 1 ? "" : "s")}, {rows:N0} rows, up to {calls} calls per run, median of {runs} runs (server RSS after: {Measure.Median(rss):F0} MB)", results);
}

async Task Bulk(int batches, int runs, int importRows)
{
    var importTimeout = TimeSpan.FromSeconds(Option("--import-timeout", 300));
    const int size = 100;
    var seeded = await Populate.CreateAsync(work, 1000);
    var results = new Dictionary<string, List<Sample>>();
    for (var run = 0; run < runs; run++)
    {
        await using var server = await ServerProcess.StartCrmAsync(Fresh(seeded, "bulk.db"));
        var load = await Workloads.CreateAsync(server.Client);
        Add(results, await Measure.RunAsync("no-op (ping)", 2000, load.NoOp, budget, server.CpuSeconds));
        if (Wanted("create_contacts"))
            Add(results, await Measure.RunAsync($"create_contacts, {size} per call (contact + new company)", batches, i => load.CreateContacts(i, size), budget, server.CpuSeconds));
        if (Wanted("create_contacts"))
            Add(results, await Measure.RunAsync($"create_contacts, {size} per call (contact at an existing company)", batches, i => load.CreateContactsAtExisting(i, size), budget, server.CpuSeconds));
        if (Wanted("create_deals"))
            Add(results, await Measure.RunAsync($"create_deals, {size} per call (deal + new company + stage)", batches, i => load.CreateDeals(i, size), budget, server.CpuSeconds));
    }
    Console.WriteLine($"\n### Bulk over MCP (stdio), {size} items per call, up to {batches} calls per run on a 1,000-row database, median of {runs} runs\n");
    Console.WriteLine("| call | calls | calls/s | records/s | p50 ms per call | p99 ms | server CPU ms per call | server CPU µs per record | load avg |\n|---|---|---|---|---|---|---|---|---|");
    foreach (var (name, samples) in results)
    {
        var s = Measure.Median(samples);
        var perCall = name.StartsWith("no-op", StringComparison.Ordinal) ? 1 : size;
        Console.WriteLine($"| {name} | {s.Calls} | {s.CallsPerSecond:F1} | {s.CallsPerSecond * perCall:F0} | {s.P50Ms:F2} | {s.P99Ms:F2} | {s.CpuMsPerCall:F2} | {s.CpuMsPerCall * 1000 / perCall:F0} | {s.Load:F2} |");
    }

    if (importRows <= 0) return;
    var csv = Path.Combine(work, $"contacts-v2-{importRows}.csv");
    if (!File.Exists(csv))
    {
        await using var writer = new StreamWriter(csv + ".tmp");
        await writer.WriteLineAsync("name,email,company");
        for (var i = 0; i < importRows; i++)
        {
            // BenchData's people and companies (ten contacts per company); the CSV quotes names with commas.
            var company = i % (importRows / 10 + 1);
            var email = $"{BenchData.FirstName(i).ToLowerInvariant()}.{BenchData.LastName(i).ToLowerInvariant().Replace("'", "")}.{i}@{BenchData.Domain(company)}";
            await writer.WriteLineAsync($"{BenchData.FullName(i)},{email},\"{BenchData.CompanyName(company)}\"");
        }
        writer.Close();
        File.Move(csv + ".tmp", csv);
    }
    var times = new List<double>();
    string? report = null;
    for (var run = 0; run < runs; run++)
    {
        var db = Fresh("", "import.db");
        var (command, prefix) = ServerProcess.CrmCommand();
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[.. prefix, "import", csv, "--from", "csv", "--db", db]) info.ArgumentList.Add(arg);
        foreach (var (key, value) in env) info.Environment[key] = value;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync(new CancellationTokenSource(importTimeout).Token);
        }
        catch (OperationCanceledException)
        {
            // Too slow to wait for: what it committed by the deadline (it commits batch by batch) gives its rate.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            var done = int.Parse(Verify.Scalar(db, "SELECT count(*) FROM people"));
            Console.WriteLine($"\n### `crm-mcp import` of {importRows:N0} contacts: stopped after {importTimeout.TotalSeconds:F0} s with {done:N0} rows in ({done / importTimeout.TotalSeconds:F0} rows/s; the whole file would take ≈ {importRows / Math.Max(done, 1) * importTimeout.TotalSeconds / 60:F0} min). Load {Measure.LoadAverage():F2}.");
            return;
        }
        times.Add(clock.Elapsed.TotalSeconds);
        if (process.ExitCode != 0) throw new InvalidOperationException($"import exited {process.ExitCode}: {await stdout}{await stderr}");
        report = (await stdout).Trim();
    }
    var median = Measure.Median(times);
    Console.WriteLine($"\n### `crm-mcp import` of {importRows:N0} contacts (CSV: name, email, company; {importRows / 10 + 1:N0} companies) into a new database, process start to exit, median of {runs} runs (load {Measure.LoadAverage():F2})\n");
    Console.WriteLine($"| rows | seconds (median) | min | max | rows/s |\n|---|---|---|---|---|\n| {importRows:N0} | {median:F2} | {times.Min():F2} | {times.Max():F2} | {importRows / median:F0} |");
    Console.WriteLine($"\nImporter's report (last run):\n\n```\n{report}\n```");
}

async Task SideBySide(int calls, int rows)
{
    const int size = 100;
    var crm = new Dictionary<string, List<Sample>>();
    var memory = new Dictionary<string, List<Sample>>();
    var batches = Math.Max(5, calls / 10);
    long crmRss, memoryRss;
    var seeded = await Populate.CreateAsync(work, rows);
    await using (var server = await ServerProcess.StartCrmAsync(Fresh(seeded, $"side-{rows}.db")))
    {
        var load = await Workloads.CreateAsync(server.Client, rows);
        Add(crm, await Measure.RunAsync("no-op (ping)", calls * 5, load.NoOp, budget));
        Add(crm, await Measure.RunAsync("store one contact", calls, load.CreateContact, budget));
        Add(crm, await Measure.RunAsync($"store {size} contacts in one call", batches, i => load.CreateContacts(i, size), budget));
        Add(crm, await Measure.RunAsync("open one contact by name/email", calls, load.GetContact, budget));
        Add(crm, await Measure.RunAsync("search by company name", calls, load.SearchAll, budget));
        crmRss = server.RssBytes();
    }
    var file = Fresh(MemoryServer.Prefill(work, rows), $"side-{rows}.jsonl");
    await using (var server = await MemoryServer.StartAsync(file))
    {
        var load = new MemoryWorkloads(server.Client, rows);
        Add(memory, await Measure.RunAsync("no-op (ping)", calls * 5, load.NoOp, budget));
        Add(memory, await Measure.RunAsync("store one contact", calls, load.CreateEntity, budget));
        Add(memory, await Measure.RunAsync($"store {size} contacts in one call", batches, i => load.CreateEntities(i, size), budget));
        Add(memory, await Measure.RunAsync("open one contact by name/email", calls, load.OpenNode, budget));
        Add(memory, await Measure.RunAsync("search by company name", calls, load.SearchNodes, budget));
        memoryRss = server.RssBytes();
    }
    Console.WriteLine($"\n### Side by side at {rows:N0} contacts: crm-mcp (create_contacts, get_contact, search_all) vs @modelcontextprotocol/server-memory {MemoryServer.Version} (create_entities, open_nodes, search_nodes), stdio, one client\n");
    Console.WriteLine("| call | crm-mcp calls/s | crm-mcp p50 ms | crm-mcp vs its no-op | server-memory calls/s | server-memory p50 ms | server-memory vs its no-op | crm-mcp ÷ server-memory throughput |\n|---|---|---|---|---|---|---|---|");
    var crmNoOp = Measure.Median(crm["no-op (ping)"]);
    var memoryNoOp = Measure.Median(memory["no-op (ping)"]);
    foreach (var name in crm.Keys)
    {
        var a = Measure.Median(crm[name]);
        var b = Measure.Median(memory[name]);
        Console.WriteLine($"| {name} | {a.CallsPerSecond:F1} | {a.P50Ms:F2} | {a.CallsPerSecond / crmNoOp.CallsPerSecond:F3}× | {b.CallsPerSecond:F1} | {b.P50Ms:F2} | {b.CallsPerSecond / memoryNoOp.CallsPerSecond:F3}× | {a.CallsPerSecond / b.CallsPerSecond:F2}× |");
    }
    Console.WriteLine($"\nRSS after the run: crm-mcp {crmRss / 1048576.0:F0} MB, server-memory {memoryRss / 1048576.0:F0} MB; server-memory's file {new FileInfo(file).Length / 1048576.0:F1} MB (rewritten whole by every write). Load {Measure.LoadAverage():F2}.");
}

async Task Startup(int runs, int loadCalls, string label, bool node)
{
    if (!args.Contains("--no-header")) Console.WriteLine($"\n| server | start → initialize reply, median of {runs} (min–max) | RSS idle after initialize | RSS after {loadCalls} create_deal_draft | assemblies mapped (Microsoft.AspNetCore.* among them) | load avg |\n|---|---|---|---|---|---|");
    await Measure(label + (env.Count > 0 ? " " + string.Join(' ', env.Select(kv => $"{kv.Key}={kv.Value}")) : ""),
        () => ServerProcess.StartCrmAsync(Path.Combine(work, "startup.db")), true);
    if (node)
        await Measure($"@modelcontextprotocol/server-memory {MemoryServer.Version} (Node {NodeVersion()})",
            () => MemoryServer.StartAsync(Fresh("", "startup.jsonl")), false);

    async Task Measure(string name, Func<Task<ServerProcess>> start, bool crm)
    {
        var times = new List<double>();
        long idle = 0, loaded = 0;
        string assemblies = "";
        for (var run = 0; run < runs; run++)
        {
            await using var server = await start();
            times.Add(server.StartToInitialize.TotalMilliseconds);
            if (run != runs - 1) continue;
            await Task.Delay(1000);
            idle = server.RssBytes();
            if (crm)
            {
                var maps = File.ReadLines($"/proc/{server.Pid}/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")
                    .Where(p => p.EndsWith(".dll", StringComparison.Ordinal)).Distinct().ToList();
                assemblies = $"{maps.Count} ({maps.Count(p => Path.GetFileName(p).StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal))})";
                var load = await Workloads.CreateAsync(server.Client);
                await Crm.Mcp.Bench.Measure.RunAsync("load", loadCalls, load.CreateDealDraft, TimeSpan.FromMinutes(5));
                loaded = server.RssBytes();
            }
        }
        times.Sort();
        Console.WriteLine($"| {name} | {Crm.Mcp.Bench.Measure.Median(times):F0} ms ({times[0]:F0}–{times[^1]:F0}) | {idle / 1048576.0:F1} MB | {(crm ? $"{loaded / 1048576.0:F1} MB" : "—")} | {(crm ? assemblies : "—")} | {Crm.Mcp.Bench.Measure.LoadAverage():F2} |");
    }
}

// Several builds or runtime settings started in turn, round after round, so a busy machine's noise lands on all of
// them alike; the Node reference server takes its turn in each round too. Per start: spawn → initialize reply, then
// the first tools/call (get_deals; Node: read_graph) and the RSS 1 s later; with --load-calls N, the last round also
// makes N create_deal_draft calls on each crm-mcp build and reads its RSS after them.
async Task StartupCompare(int runs, string servers, int loadCalls)
{
    var variants = servers.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v =>
    {
        var parts = v.Split('|');
        var (label, path) = (parts[0].Split('=', 2)[0], parts[0].Split('=', 2)[1]);
        var knobs = parts.Skip(1).Select(k => k.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        return (Label: label, Path: path, Env: knobs);
    }).ToList();
    var times = variants.Select(_ => new List<double>()).Append(new List<double>()).ToList();
    var firstCalls = variants.Select(_ => new List<double>()).Append(new List<double>()).ToList();
    var rss = variants.Select(_ => new List<double>()).Append(new List<double>()).ToList();
    var loaded = new double[variants.Count];
    var loadedCalls = new Sample?[variants.Count];
    var loadAtStart = Measure.LoadAverage();
    for (var run = 0; run < runs; run++)
    {
        for (var v = 0; v <= variants.Count; v++)
        {
            ServerProcess? server = null;
            if (v < variants.Count)
            {
                System.Environment.SetEnvironmentVariable("CRM_MCP_SERVER", variants[v].Path.Length > 0 ? variants[v].Path : null);
                ServerProcess.Environment = variants[v].Env;
                // The loaded round starts each build on an empty file: drafts of another build's load share its domains.
                server = await ServerProcess.StartCrmAsync(loadCalls > 0 && run == runs - 1 ? Fresh("", $"startup-load-{v}.db") : Path.Combine(work, "startup.db"));
            }
            else server = await MemoryServer.StartAsync(Fresh("", "startup.jsonl"));
            await using (server)
            {
                times[v].Add(server.StartToInitialize.TotalMilliseconds);
                var clock = Stopwatch.StartNew();
                var first = v < variants.Count
                    ? await server.Client.CallToolAsync("get_deals", new Dictionary<string, object?> { ["limit"] = 5 })
                    : await server.Client.CallToolAsync("read_graph", new Dictionary<string, object?>());
                firstCalls[v].Add(clock.Elapsed.TotalMilliseconds);
                if (first.IsError == true) throw new InvalidOperationException($"first tools/call failed: {(first.Content.FirstOrDefault() as TextContentBlock)?.Text}");
                await Task.Delay(1000);
                rss[v].Add(server.RssBytes() / 1048576.0);
                if (v < variants.Count && loadCalls > 0 && run == runs - 1)
                {
                    var load = await Workloads.CreateAsync(server.Client);
                    loadedCalls[v] = await Measure.RunAsync("load", loadCalls, load.CreateDealDraft, TimeSpan.FromMinutes(10));
                    loaded[v] = server.RssBytes() / 1048576.0;
                }
            }
        }
    }
    var node = Measure.Median(times[^1]);
    Console.WriteLine($"\n### Start-up, round-robin over {runs} rounds (median; ratio to server-memory's start-up in the same rounds)\n");
    Console.WriteLine($"| server | size on disk | start → initialize reply | vs Node server-memory | first tools/call | RSS idle (1 s after) |{(loadCalls > 0 ? $" RSS after {loadCalls:N0} create_deal_draft |" : "")}\n|---|---|---|---|---|---|{(loadCalls > 0 ? "---|" : "")}");
    for (var v = 0; v < variants.Count; v++)
        Console.WriteLine($"| {variants[v].Label}{(variants[v].Env.Count > 0 ? " " + string.Join(' ', variants[v].Env.Select(kv => $"{kv.Key}={kv.Value}")) : "")} | {SizeOnDisk(variants[v].Path)} | " +
                          $"{Measure.Median(times[v]):F0} ms | {Measure.Median(times[v]) / node:F2}× | {Measure.Median(firstCalls[v]):F1} ms | {Measure.Median(rss[v]):F1} MB |{(loadCalls > 0 ? $" {loaded[v]:F1} MB{Shortfall(loadedCalls[v])} |" : "")}");
    Console.WriteLine($"| @modelcontextprotocol/server-memory {MemoryServer.Version} (Node {NodeVersion()}) | — | {node:F0} ms | 1.00× | {Measure.Median(firstCalls[^1]):F1} ms | {Measure.Median(rss[^1]):F1} MB |{(loadCalls > 0 ? " — |" : "")}");
    Console.WriteLine($"\nLoad average: {loadAtStart:F2} at the start, {Measure.LoadAverage():F2} at the end.");

    // The loaded phase stops at its 10-minute budget: then the RSS is after fewer calls than asked, and says so.
    string Shortfall(Sample? sample) => sample is { } s && s.Calls < loadCalls ? $" (after {s.Calls:N0} calls: the 10-min budget ran out)" : "";
}

// The program file, and the folder it runs from (a native binary's libe_sqlite3.so; a framework-dependent build's DLLs,
// without the shared .NET runtime it also needs).
static string SizeOnDisk(string path)
{
    if (path.Length == 0) path = ServerProcess.ServerDll;
    if (!File.Exists(path)) return "—";
    var folder = new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(path))!).EnumerateFiles("*", SearchOption.AllDirectories)
        .Where(f => f.Extension != ".pdb" && f.Extension != ".dbg").Sum(f => f.Length);
    return $"{new FileInfo(path).Length / 1048576.0:F1} MB (folder {folder / 1048576.0:F1} MB)";
}

static string NodeVersion()
{
    using var process = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true })!;
    return process.StandardOutput.ReadToEnd().Trim();
}
