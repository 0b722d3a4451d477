using System.CommandLine;
using Crm.Mcp.Data;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Cli;

/// <summary>
/// `crm-mcp backup FILE`: SQLite's online backup API copies a consistent snapshot while servers keep reading and
/// writing (WAL mode: the copy's read does not block them). Written to a temporary file, checked, then renamed, so
/// FILE is never a half-written backup.
/// </summary>
public static class BackupCommand
{
    public static Command Create()
    {
        var destination = new Argument<FileInfo>("FILE") { Description = "Where to write the backup, e.g. crm-2026-11-22.db" };
        var force = new Option<bool>("--force") { Description = "Replace FILE if it exists" };
        var command = new Command("backup", "Copy the database to FILE while the server runs (SQLite online backup), then verify the copy")
        {
            destination, force, CrmCli.Db,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = CrmCli.Settings(parse);
            var target = parse.GetRequiredValue(destination);
            if (DatabaseLocation.IsPostgres(settings.DatabasePath))
                return CrmCli.Fail(parse, "backup copies a SQLite file; back a PostgreSQL database up with pg_dump (or move it with crm-mcp migrate-data).");
            if (!File.Exists(settings.DatabasePath)) return CrmCli.Fail(parse, $"{settings.DatabasePath}: no database there (see --db).");
            if (OutputFile.Refusal(target.FullName, settings.DatabasePath, parse.GetValue(force)) is { } refusal) return CrmCli.Fail(parse, refusal);
            Directory.CreateDirectory(target.DirectoryName!);

            var temporary = target.FullName + ".partial";
            File.Delete(temporary);
            var db = new CrmDb(settings.DatabasePath);
            await using (var source = await db.OpenAsync(cancellationToken))
            await using (var copy = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = temporary, Pooling = false }.ToString()))
            {
                await copy.OpenAsync(cancellationToken);
                ((SqliteConnection)source).BackupDatabase(copy);
                // The copy stands alone: one file, no -wal beside it.
                await copy.ExecuteAsync("PRAGMA journal_mode = DELETE");
                var check = await copy.QueryFirstAsync<string>("PRAGMA integrity_check");
                if (check != "ok")
                {
                    File.Delete(temporary);
                    return CrmCli.Fail(parse, $"the copy failed its integrity check ({check}); {target.FullName} was not written.");
                }
                var counts = await EntityCounts.ReadAsync(copy);
                var version = await copy.ExecuteScalarAsync<long>("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
                parse.InvocationConfiguration.Output.WriteLine(
                    $"Backed up {settings.DatabasePath} to {target.FullName}: {counts}, schema version {version}.");
            }
            File.Move(temporary, target.FullName, overwrite: true);
            parse.InvocationConfiguration.Error.WriteLine($"To restore: stop the server, then copy {target.Name} over {settings.DatabasePath} (and delete any {Path.GetFileName(settings.DatabasePath)}-wal beside it).");
            return 0;
        });
        return command;
    }
}
