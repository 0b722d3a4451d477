using System.Diagnostics;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Crm.Mcp.Transfer;

namespace Crm.Mcp.Bench;

/// <summary>
/// `profile-import CSV [--batch-size 5000]`: `crm-mcp import` of a CSV into a new database, in process, with SQLite's
/// own profile of every statement (a statement's time includes its trigger programs): where an import's time goes.
/// </summary>
public static class ImportProfile
{
    public static async Task RunAsync(string csv, string work, int batchSize)
    {
        var path = Path.Combine(work, "profile-import.db");
        foreach (var f in new[] { path, path + "-wal", path + "-shm" }) File.Delete(f);
        var db = new CrmDb(path);
        await new Migrator(db).MigrateAsync();
        var profiling = false;
        var statements = await BulkProfile.ProfileStatementsAsync(db, () => profiling);
        var plan = ImportMapping.Map(ImportSource.Csv, CsvFile.Read(csv));
        var settings = new CrmSettings { DatabasePath = path };
        profiling = true;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var report = await new Importer(db, new Resolver(), settings).RunAsync(plan, batchSize: batchSize);
        var wall = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        profiling = false;
        var batches = (plan.Records.Count + batchSize - 1) / batchSize;
        var sqlSeconds = statements.Values.Sum(s => s.Ns) / 1e9;
        Console.WriteLine($"\n### import of {plan.Records.Count:N0} rows in {batches} batches of {batchSize}, in process\n");
        Console.WriteLine($"{report.Created:N0} created, {report.Matched:N0} matched, {report.Rejected.Count} rejected; wall {wall:F2} s, CPU {cpuSeconds:F2} s " +
                          $"({cpuSeconds * 1e6 / Math.Max(1, plan.Records.Count):F0} µs per row), in SQLite statements {sqlSeconds:F2} s; load {Measure.LoadAverage():F2}\n");
        BulkProfile.PrintStatements(statements, batches, "batch");
    }
}
