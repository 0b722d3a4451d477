using System.CommandLine;
#if CRM_POSTGRES
using Crm.Mcp.Data;
using Crm.Mcp.Transfer;
#endif

namespace Crm.Mcp.Cli;

/// <summary>`crm-mcp migrate-data --from FILE --to postgres://...`: moves a SQLite database into an empty PostgreSQL
/// database and verifies every table by row count and checksum (Transfer/DataMigration). The stdio binary, built without
/// PostgreSQL, parses it and hands it to the full build (Program.cs).</summary>
public static class MigrateDataCommand
{
#if CRM_POSTGRES
    /// <summary>The copy is one transaction whose COPY of a large table and final constraint check each run for minutes
    /// (1M rows of each entity: past the 120 s a tool call's statement may take, so the move failed after minutes of
    /// work); a timeout the user wrote into the connection string still holds.</summary>
    internal static string WithoutStatementTimeout(string target)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(DatabaseLocation.ToNpgsql(target));
        if (!builder.ConnectionString.Contains("Command Timeout", StringComparison.OrdinalIgnoreCase)) builder.CommandTimeout = 0;
        return builder.ConnectionString;
    }
#endif

    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "The SQLite database file to move", HelpName = "FILE", Required = true };
        var to = new Option<string>("--to")
        {
            Description = "The PostgreSQL database to fill (empty or freshly migrated), e.g. postgres://crm:secret@db:5432/crm",
            HelpName = "URL", Required = true,
        };
        var command = new Command("migrate-data", "Move a SQLite database into PostgreSQL, verified table by table (row counts and checksums)") { from, to };
#if CRM_POSTGRES
        command.SetAction(async (parse, cancellationToken) =>
        {
            var source = DatabasePath.Resolve(parse.GetValue(from));
            var target = parse.GetValue(to)!;
            if (DatabaseLocation.IsPostgres(source) || !File.Exists(source)) return CrmCli.Fail(parse, $"--from: {source} is not a SQLite database file.");
            if (!DatabaseLocation.IsPostgres(target)) return CrmCli.Fail(parse, "--to: expected a PostgreSQL URL (postgres://user:password@host:5432/db) or connection string (Host=...;Database=...).");
            var output = parse.InvocationConfiguration.Output;
            IReadOnlyList<DataMigration.TableResult> results;
            try
            {
                results = await new DataMigration(new CrmDb(source), new CrmDb(WithoutStatementTimeout(target))).RunAsync(cancellationToken);
            }
            catch (InvalidOperationException e)
            {
                return CrmCli.Fail(parse, e.Message);
            }
            catch (Npgsql.NpgsqlException e)
            {
                return CrmCli.Fail(parse, $"--to: {DatabaseLocation.Display(target)}: {e.Message}");
            }
            foreach (var r in results)
                await output.WriteLineAsync($"{(r.Matches ? "ok  " : "DIFF")}  {r.Table,-22} {r.SourceRows,8} -> {r.TargetRows,-8} checksum {r.SourceChecksum} -> {r.TargetChecksum}");
            var bad = results.Count(r => !r.Matches);
            await output.WriteLineAsync(bad == 0
                ? $"moved {results.Sum(r => r.TargetRows)} rows in {results.Count} tables to {DatabaseLocation.Display(target)}; every count and checksum matches."
                : $"{bad} table(s) differ; the PostgreSQL database holds what was copied, compare before using it.");
            return bad == 0 ? 0 : 1;
        });
#endif
        return command;
    }
}
