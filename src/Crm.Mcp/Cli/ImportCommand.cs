using System.CommandLine;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Crm.Mcp.Transfer;

namespace Crm.Mcp.Cli;

/// <summary>`crm-mcp import FILE --from pipedrive|hubspot|csv`: the report on stdout, progress on stderr.</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The exported CSV file (one entity per file: organizations/companies, people/contacts or deals), or a .zip of such files" };
        var from = new Option<ImportSource>("--from") { Description = "Where the file comes from: pipedrive, hubspot or csv (plain columns such as name, email, company, deal, amount, stage)", Required = true };
        var entity = new Option<ImportEntity?>("--entity") { Description = "companies, people or deals (default: told by the columns)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Resolve every row and report, then roll back: nothing is written" };
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per transaction (each batch goes in whole or not at all); given, it also turns off the load path (one transaction for an import larger than the database)", DefaultValueFactory = _ => Importer.DefaultBatchSize };
        var reportFile = new Option<FileInfo?>("--report") { Description = "Also write the report as JSON to this file", HelpName = "FILE" };
        var command = new Command("import", "Import a Pipedrive, HubSpot or plain CSV export; re-importing the same file creates no duplicates")
        {
            file, from, entity, dryRun, batchSize, reportFile, CrmCli.Db,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetRequiredValue(file);
            if (Directory.Exists(path.FullName))
                return CrmCli.Fail(parse, $"{path.FullName} is a folder, not a file: import one exported CSV file at a time (organizations/companies first, then people, then deals), or a .zip of them.");
            if (!path.Exists) return CrmCli.Fail(parse, $"{path.FullName}: no such file.");
            if (parse.GetValue(batchSize) < 1) return CrmCli.Fail(parse, "--batch-size must be at least 1.");
            var settings = CrmCli.Settings(parse);

            // A HubSpot export of many records comes zipped; a zip is imported file by file, organizations first.
            var plans = new List<(string Name, ImportPlan Plan)>();
            try
            {
                foreach (var (name, table) in ReadTables(path))
                    plans.Add((name, ImportMapping.Map(parse.GetValue(from), table, parse.GetValue(entity))));
            }
            catch (CrmError e)
            {
                return CrmCli.Fail(parse, $"{path.Name}: {e.Message} Expected {e.Expected}.");
            }
            if (plans.Count == 0) return CrmCli.Fail(parse, $"{path.Name}: holds no CSV file.");

            var db = new CrmDb(settings.DatabasePath);
            await new Migrator(db).MigrateAsync(cancellationToken);
            var interactive = !Console.IsErrorRedirected && ReferenceEquals(error, Console.Error);
            var exit = 0;
            foreach (var (name, plan) in plans.OrderBy(p => p.Plan.Entity))
            {
                error.WriteLine($"Importing {plan.Records.Count} {plan.Entity.ToString().ToLowerInvariant()} rows from {name} ({plan.Source.ToString().ToLowerInvariant()}) into {DatabaseLocation.Display(settings.DatabasePath)}{(parse.GetValue(dryRun) ? " (dry run)" : "")}");
                var progress = new SynchronousProgress<ImportProgress>(p => error.Write(interactive ? ProgressBar(p) : ProgressLine(p)));
                var report = await new Importer(db, new Resolver(), settings).RunAsync(plan, parse.GetValue(dryRun), parse.GetValue(batchSize), progress, cancellationToken,
                    parse.GetResult(batchSize) is { Implicit: false } ? ImportMode.Batches : ImportMode.Auto);
                if (interactive) error.WriteLine();
                output.Write(ImportReportText.Format(report, name));
                if (parse.GetValue(reportFile) is { } json)
                    await File.WriteAllTextAsync(plans.Count == 1 ? json.FullName : Path.ChangeExtension(json.FullName, $".{Path.GetFileNameWithoutExtension(name)}.json"),
                        ImportReportText.Json(report, name), cancellationToken);
                exit = Math.Max(exit, report.Failure is not null ? 2 : report.Rejected.Count > 0 ? 1 : 0);
                if (report.Failure is not null) break;
            }
            return exit;
        });
        return command;
    }

    private static IEnumerable<(string Name, CsvTable Table)> ReadTables(FileInfo path)
    {
        if (!path.Extension.Equals(".zip", StringComparison.OrdinalIgnoreCase))
        {
            yield return (path.Name, CsvFile.Read(path.FullName));
            yield break;
        }
        using var zip = System.IO.Compression.ZipFile.OpenRead(path.FullName);
        foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)).OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            using var reader = new StreamReader(entry.Open(), System.Text.Encoding.UTF8);
            yield return (entry.Name, CsvFile.Parse(reader.ReadToEnd()));
        }
    }

    private static string ProgressBar(ImportProgress p)
    {
        const int width = 30;
        var filled = p.Total == 0 ? width : p.Done * width / p.Total;
        return $"\r[{new string('#', filled)}{new string('.', width - filled)}] {(p.Total == 0 ? 100 : p.Done * 100 / p.Total),3}%  {p.Done}/{p.Total} rows  {p.Created} created  {p.Matched} matched  {p.Rejected} rejected";
    }

    private static string ProgressLine(ImportProgress p) =>
        $"{p.Done}/{p.Total} rows: {p.Created} created, {p.Matched} matched, {p.Rejected} rejected\n";

    /// <summary>Reports on the caller's thread: Progress&lt;T&gt; would post to the thread pool and interleave with the report.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
