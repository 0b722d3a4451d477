using Crm.Mcp.Common;
using Crm.Mcp.Resolution;
using Crm.Mcp.Transfer;

namespace Crm.Mcp.Bench;

/// <summary>
/// `profile-import CSV [--batch-size 5000] [--load]`: `crm-mcp import` of a CSV into a new database, in process, with SQLite's
/// own profile of every statement (a statement's time includes its trigger programs): where an import's time goes.
/// </summary>
public static class ImportProfile
{
    public static async Task RunAsync(string csv, string work, int batchSize, bool load)
    {
        var profile = await StatementProfile.OpenNewAsync(work, "profile-import.db");
        var plan = ImportMapping.Map(ImportSource.Csv, CsvFile.Read(csv));
        var batches = (plan.Records.Count + batchSize - 1) / batchSize;
        profile.Start();
        var report = await new Importer(profile.Db, new Resolver(), new CrmSettings { DatabasePath = profile.Path }).RunAsync(plan, batchSize: batchSize, mode: load ? ImportMode.Auto : ImportMode.Batches);
        var (wallMs, cpuMs, sqlMs, statements) = profile.Stop(batches);
        Console.WriteLine($"\n### import of {plan.Records.Count:N0} rows in {batches} batches of {batchSize}, in process\n");
        Console.WriteLine($"{report.Created:N0} created, {report.Matched:N0} matched, {report.Rejected.Count} rejected; per batch: wall {wallMs:F0} ms, " +
                          $"CPU {cpuMs:F0} ms ({cpuMs * 1000 / batchSize:F0} µs per row), in SQLite statements {sqlMs:F0} ms, {statements:F0} statements; load {Measure.LoadAverage():F2}\n");
        profile.PrintTable(batches, "batch", take: 25);
    }
}
