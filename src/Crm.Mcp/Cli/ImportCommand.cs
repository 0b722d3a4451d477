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
        var file = new Argument<FileInfo>("FILE") { Description = "The exported CSV file (one entity per file: organizations/companies, people/contacts or deals)" };
        var from = new Option<ImportSource>("--from") { Description = "Where the file comes from: pipedrive, hubspot or csv (plain columns such as name, email, company, deal, amount, stage)", Required = true };
        var entity = new Option<ImportEntity?>("--entity") { Description = "companies, people or deals (default: told by the columns)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Resolve every row and report, then roll back: nothing is written" };
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per transaction (each batch goes in whole or not at all)", DefaultValueFactory = _ => Importer.DefaultBatchSize };
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
            if (!path.Exists) return CrmCli.Fail(parse, $"{path.FullName}: no such file.");
            if (parse.GetValue(batchSize) < 1) return CrmCli.Fail(parse, "--batch-size must be at least 1.");
            var settings = CrmCli.Settings(parse);

            ImportPlan plan;
            try
            {
                plan = ImportMapping.Map(parse.GetValue(from), CsvFile.Read(path.FullName), parse.GetValue(entity));
            }
            catch (CrmError e)
            {
                return CrmCli.Fail(parse, $"{path.Name}: {e.Message} Expected {e.Expected}.");
            }

            var db = new CrmDb(settings.DatabasePath);
            await new Migrator(db).MigrateAsync(cancellationToken);
            var interactive = !Console.IsErrorRedirected && ReferenceEquals(error, Console.Error);
            error.WriteLine($"Importing {plan.Records.Count} {plan.Entity.ToString().ToLowerInvariant()} rows from {path.Name} ({plan.Source.ToString().ToLowerInvariant()}) into {settings.DatabasePath}{(parse.GetValue(dryRun) ? " (dry run)" : "")}");
            var progress = new SynchronousProgress<ImportProgress>(p => error.Write(interactive ? ProgressBar(p) : ProgressLine(p)));
            var report = await new Importer(db, new Resolver(), settings).RunAsync(plan, parse.GetValue(dryRun), parse.GetValue(batchSize), progress, cancellationToken);
            if (interactive) error.WriteLine();

            output.Write(ImportReportText.Format(report, path.Name));
            if (parse.GetValue(reportFile) is { } json) await File.WriteAllTextAsync(json.FullName, ImportReportText.Json(report, path.Name), cancellationToken);
            return report.Failure is not null ? 2 : report.Rejected.Count > 0 ? 1 : 0;
        });
        return command;
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
