using System.Diagnostics;

namespace Crm.Mcp.Bench;

public sealed record Sample(string Name, int Calls, double CallsPerSecond, double P50Ms, double P99Ms)
{
    public string Row(double? noOpCallsPerSecond = null, double? noOpP50 = null) =>
        $"| {Name} | {Calls} | {CallsPerSecond:F0} | {P50Ms:F3} | {P99Ms:F3} |" +
        (noOpCallsPerSecond is { } n ? $" {CallsPerSecond / n:F2}× | {P50Ms / noOpP50!.Value:F2}× |" : "");
}

public static class Measure
{
    /// <summary>Runs <paramref name="call"/> <paramref name="calls"/> times after a warm-up, on <paramref name="concurrency"/>
    /// workers, and returns throughput and latency percentiles.</summary>
    public static async Task<Sample> RunAsync(string name, int calls, Func<int, Task> call, int concurrency = 1, int warmup = 50)
    {
        for (var i = 0; i < warmup; i++) await call(-1 - i);
        var latencies = new double[calls];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < calls)
            {
                var start = Stopwatch.GetTimestamp();
                await call(index);
                latencies[index] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return new Sample(name, calls, calls / elapsed, Percentile(latencies, 0.50), Percentile(latencies, 0.99));
    }

    public static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>The median sample (by throughput) of several repeated runs.</summary>
    public static Sample Median(IEnumerable<Sample> runs)
    {
        var ordered = runs.OrderBy(s => s.CallsPerSecond).ToList();
        return ordered[ordered.Count / 2];
    }
}
