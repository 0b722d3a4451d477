using System.CommandLine;
using Crm.Mcp.Data;
using Crm.Mcp.Transfer;

namespace Crm.Mcp.Cli;

/// <summary>`crm-mcp export`: CSV per entity or one JSON document, to stdout or files; safe while the server runs.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var format = new Option<string>("--format") { Description = "csv or json", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("csv", "json");
        var entity = new Option<ImportEntity?>("--entity") { Description = "companies, people or deals (default: all; CSV of all needs --output DIR)" };
        var outputPath = new Option<string?>("--output", "-o") { Description = "File to write (a folder for CSV of every entity; missing folders are created); default stdout", HelpName = "PATH" };
        var force = new Option<bool>("--force") { Description = "Replace files that already exist" };
        var command = new Command("export", "Export companies, people and deals as CSV (re-importable with `import --from csv`) or JSON")
        {
            format, entity, outputPath, force, CrmCli.Db,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = CrmCli.Settings(parse);
            if (!DatabaseLocation.IsPostgres(settings.DatabasePath) && !File.Exists(settings.DatabasePath)) return CrmCli.Fail(parse, $"{settings.DatabasePath}: no database there (see --db).");
            var only = parse.GetValue(entity);
            var entities = only is { } one ? [one] : new[] { ImportEntity.Companies, ImportEntity.People, ImportEntity.Deals };
            var target = parse.GetValue(outputPath);
            var error = parse.InvocationConfiguration.Error;
            var csvFolder = parse.GetValue(format) == "csv" && only is null;
            if (csvFolder && target is null) return CrmCli.Fail(parse, "CSV of every entity is three files: pass --output DIR, or --entity companies|people|deals.");
            // Checked before anything is read or written: a refused export leaves every file as it was.
            var files = target is null ? [] : csvFolder ? entities.Select(e => Path.Combine(target, CsvName(e))).ToArray() : [target];
            foreach (var file in files)
                if (OutputFile.Refusal(file, settings.DatabasePath, parse.GetValue(force)) is { } refusal) return CrmCli.Fail(parse, refusal);

            var db = new CrmDb(settings.DatabasePath);
            await new Migrator(db).MigrateAsync(cancellationToken);
            var export = await new Exporter(db).ReadAsync(entities, cancellationToken);

            if (parse.GetValue(format) == "json")
            {
                await WriteAsync(parse, target, Exporter.Json(export) + "\n", cancellationToken);
            }
            else if (only is { } single)
            {
                await WriteAsync(parse, target, Exporter.Csv(export, single), cancellationToken);
            }
            else
            {
                foreach (var each in entities)
                    await WriteAsync(parse, Path.Combine(target!, CsvName(each)), Exporter.Csv(export, each), cancellationToken);
            }
            error.WriteLine($"Exported {export.Companies?.Count ?? 0} companies, {export.People?.Count ?? 0} people, {export.Deals?.Count ?? 0} deals{(target is null ? "" : $" to {Path.GetFullPath(target)}")}");
            return 0;
        });
        return command;
    }

    private static string CsvName(ImportEntity entity) => $"{entity.ToString().ToLowerInvariant()}.csv";

    private static async Task WriteAsync(ParseResult parse, string? target, string text, CancellationToken cancellationToken)
    {
        if (target is null)
        {
            await parse.InvocationConfiguration.Output.WriteAsync(text);
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        await File.WriteAllTextAsync(target, text, cancellationToken);
    }
}
