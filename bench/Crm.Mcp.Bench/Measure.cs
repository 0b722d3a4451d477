using System.Diagnostics;

namespace Crm.Mcp.Bench;

/// <param name="CpuMsPerCall">The server process's CPU time (user + system) over the measured calls, per call: unlike
/// wall time it hardly depends on what else the machine runs (NaN when the server is not ours to read).</param>
public sealed record Sample(string Name, int Calls, double CallsPerSecond, double P50Ms, double P99Ms, double Load, double CpuMsPerCall = double.NaN)
{
    public string Row(Sample? noOp = null) =>
        $"| {Name} | {Calls} | {Rate(CallsPerSecond)} | {P50Ms:F3} | {P99Ms:F3} |" +
        (noOp is null ? "" : $" {CallsPerSecond / noOp.CallsPerSecond:F3}× | {P50Ms / noOp.P50Ms:F1}× |") +
        $" {(double.IsNaN(CpuMsPerCall) ? "—" : CpuMsPerCall.ToString("F3"))} | {Load:F2} |";

    /// <summary>Three significant figures or so: 10158, 29.4, 0.037.</summary>
    public static string Rate(double x) => x >= 100 ? x.ToString("F0") : x >= 1 ? x.ToString("F1") : x.ToString("F3");

    public const string Header = "| call | calls | calls/s | p50 ms | p99 ms | throughput vs no-op | p50 vs no-op | server CPU ms/call | load avg |\n|---|---|---|---|---|---|---|---|---|";
}

public static class Measure
{
    /// <summary>Runs <paramref name="call"/> up to <paramref name="calls"/> times (stopping early once
    /// <paramref name="budget"/> is spent) after a short warm-up, on <paramref name="concurrency"/> workers, and returns
    /// throughput and latency percentiles. The call gets (worker, index); indexes are unique, warm-up ones negative.</summary>
    public static async Task<Sample> RunAsync(string name, int calls, Func<int, int, Task> call, int concurrency = 1,
        TimeSpan? budget = null, int? warmup = null, Func<double>? serverCpuSeconds = null)
    {
        var limit = budget ?? TimeSpan.FromSeconds(60);
        var warm = Stopwatch.StartNew();
        var warmCalls = warmup ?? Math.Clamp(calls / 10, 1, 50);
        for (var i = 0; i < warmCalls && warm.Elapsed < limit / 4; i++) await call(0, -1 - i);
        var latencies = new double[calls];
        var next = -1;
        var done = 0;
        var cpuBefore = serverCpuSeconds?.Invoke() ?? double.NaN;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            int index;
            while (clock.Elapsed < limit && (index = Interlocked.Increment(ref next)) < calls)
            {
                var start = Stopwatch.GetTimestamp();
                await call(worker, index);
                latencies[index] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                Interlocked.Increment(ref done);
            }
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        var measured = latencies.Where(l => l > 0).ToArray();
        Array.Sort(measured);
        var cpuMs = ((serverCpuSeconds?.Invoke() ?? double.NaN) - cpuBefore) * 1000 / Math.Max(done, 1);
        return new Sample(name, done, done / elapsed, Percentile(measured, 0.50), Percentile(measured, 0.99), LoadAverage(), cpuMs);
    }

    public static Task<Sample> RunAsync(string name, int calls, Func<int, Task> call, TimeSpan? budget = null, Func<double>? serverCpuSeconds = null) =>
        RunAsync(name, calls, (_, i) => call(i), 1, budget, serverCpuSeconds: serverCpuSeconds);

    /// <summary>CPU seconds (user + system) a process has used so far, from /proc (Linux; NaN elsewhere).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return double.NaN;
        // Fields 14 and 15 (utime, stime) in clock ticks; the command name (field 2) may hold spaces, so count after ')'.
        var fields = File.ReadAllText(stat).Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }

    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>The median sample (by throughput) of several repeated runs.</summary>
    public static Sample Median(IEnumerable<Sample> runs)
    {
        var ordered = runs.OrderBy(s => s.CallsPerSecond).ToList();
        return ordered[ordered.Count / 2];
    }

    public static double Median(IEnumerable<double> values)
    {
        var ordered = values.Order().ToList();
        return ordered[ordered.Count / 2];
    }

    /// <summary>The one-minute load average (the machine may be shared; every figure carries it).</summary>
    public static double LoadAverage() =>
        File.Exists("/proc/loadavg") ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) : double.NaN;
}
