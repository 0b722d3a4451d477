using System.Diagnostics;
using Crm.Mcp.Bench;

// Load driver for BENCHMARKS.md. Usage: dotnet run -c Release --project bench/Crm.Mcp.Bench -- <command> [options]
//   e2e       [--calls N] [--runs R]           stdio round trips: no-op, create_deal_draft, get_deals, search_all
//   growth    [--sizes 1000,100000,1000000]    the same calls on databases of growing size
//   startup   [--runs R]                       process start to initialize reply; idle and loaded RSS
//   --only NAME[,NAME]                         (e2e, growth) the no-op and the calls whose name starts with a NAME
//   micro                                      BenchmarkDotNet: resolver lookups at 1M companies, in process
var command = args.FirstOrDefault() ?? "e2e";
int Option(string name, int fallback) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
string? Text(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
var work = Text("--work") ?? Path.Combine(Path.GetTempPath(), "crm-mcp-bench");
Directory.CreateDirectory(work);

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
switch (command)
{
    case "e2e":
        await EndToEnd(Option("--calls", 2000), Option("--runs", 3), 1000);
        break;
    case "growth":
        foreach (var size in (Text("--sizes") ?? "1000,100000,1000000").Split(',').Select(int.Parse))
            await EndToEnd(Option("--calls", 1000), Option("--runs", 3), size);
        break;
    case "startup":
        await Startup(Option("--runs", 10));
        break;
    case "micro":
        BenchmarkDotNet.Running.BenchmarkRunner.Run<ResolverBenchmarks>(args: args.Skip(1).ToArray());
        break;
    default:
        Console.Error.WriteLine($"unknown command {command}");
        return 2;
}
return 0;

async Task EndToEnd(int calls, int runs, int rows)
{
    var seeded = await Populate.CreateAsync(work, rows);
    Console.WriteLine($"\n### stdio, one client, {rows:N0} deals/companies/people, {calls} calls per run, median of {runs} runs\n");
    Console.WriteLine("| call | calls | calls/s | p50 ms | p99 ms | throughput vs no-op | p50 vs no-op |\n|---|---|---|---|---|---|---|");
    var results = new Dictionary<string, List<Sample>>();
    for (var run = 0; run < runs; run++)
    {
        var db = Path.Combine(work, $"run-{rows}.db");
        foreach (var f in new[] { db, db + "-wal", db + "-shm" }) File.Delete(f);
        File.Copy(seeded, db);
        await using var server = await ServerProcess.StartCrmAsync(db);
        var load = await Workloads.CreateAsync(server.Client);
        var plan = new List<(string, Func<int, Task>)>
        {
            ("no-op (ping)", load.NoOp),
            ("get_deal", load.GetDeal),
            ("get_deals (3 conditions)", load.GetDealsFiltered),
            ("create_deal_draft (new company + 2 new people)", load.CreateDealDraft),
        };
        if (load.Has("search_all")) plan.Add(("search_all", load.SearchAll));
        plan.Add(("create_contacts (100 per call)", load.CreateContacts));
        plan.Add(("create_deals (100 per call)", load.CreateDeals));
        // --only NAME[,NAME]: the no-op plus the calls whose name starts with one of the NAMEs (e.g. while profiling one of them).
        if (Text("--only") is { } only) plan.RemoveAll(p => p.Item1 != "no-op (ping)" && !only.Split(',').Any(o => p.Item1.StartsWith(o, StringComparison.Ordinal)));
        foreach (var (name, call) in plan)
        {
            var sample = await Measure.RunAsync(name, calls, call);
            (results.TryGetValue(name, out var list) ? list : results[name] = []).Add(sample);
        }
    }
    var noOp = Measure.Median(results["no-op (ping)"]);
    foreach (var (name, samples) in results)
        Console.WriteLine(Measure.Median(samples).Row(noOp.CallsPerSecond, noOp.P50Ms));
}

async Task Startup(int runs)
{
    var db = Path.Combine(work, "startup.db");
    var times = new List<double>();
    long idle = 0, loaded = 0;
    for (var run = 0; run < runs; run++)
    {
        await using var server = await ServerProcess.StartCrmAsync(db);
        times.Add(server.StartToInitialize.TotalMilliseconds);
        if (run == runs - 1)
        {
            await Task.Delay(1000);
            idle = server.RssBytes();
            var load = await Workloads.CreateAsync(server.Client);
            await Measure.RunAsync("load", 2000, load.CreateDealDraft);
            loaded = server.RssBytes();
        }
    }
    times.Sort();
    Console.WriteLine($"\n| measure | value |\n|---|---|");
    Console.WriteLine($"| start to initialize reply, median of {runs} | {times[times.Count / 2]:F0} ms (min {times[0]:F0}, max {times[^1]:F0}) |");
    Console.WriteLine($"| RSS idle after initialize | {idle / 1048576.0:F1} MB |");
    Console.WriteLine($"| RSS after 2,000 create_deal_draft calls | {loaded / 1048576.0:F1} MB |");
}
