using System.Text;
using Crm.Mcp.Common;
using Crm.Mcp.Resolution;
using Crm.Mcp.Tests.Infrastructure;
using Crm.Mcp.Transfer;
using Dapper;

namespace Crm.Mcp.Tests.Transfer;

/// <summary>
/// The import's load path (BulkLoad): an import larger than the database it writes runs in one transaction, with the
/// indexes nothing in an import reads built once at its end. It must write exactly the rows the batches write, leave the
/// schema as it was, and on a failure leave the database as it was before the import.
/// </summary>
public sealed class BulkLoadTests
{
    // 40 rows in batches of 7: shared emails, email-less namesakes (the row path), a bad email (rejected), ten companies.
    private static string Csv()
    {
        var csv = new StringBuilder("name,email,company,title\n");
        for (var i = 0; i < 40; i++)
        {
            var email = i % 13 == 5 ? "" : i % 17 == 3 ? "broken@" : $"person{i % 31}@example.com";
            csv.Append($"Person {(char)('A' + i % 23)} Name,{email},\"Company {i % 10}, Inc.\",{(i % 4 == 0 ? "CTO" : "")}\n");
        }
        return csv.ToString();
    }

    private static async Task<ImportReport> ImportAsync(TestDatabase database, ImportMode mode, string csv)
    {
        var file = Path.Combine(Path.GetTempPath(), $"bulk-load-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, csv, TestContext.Current.CancellationToken);
        try
        {
            var plan = ImportMapping.Map(ImportSource.Csv, CsvFile.Read(file));
            return await new Importer(database.Db, new Resolver(), new CrmSettings { DatabasePath = database.Path })
                .RunAsync(plan, batchSize: 7, mode: mode, cancellationToken: TestContext.Current.CancellationToken);
        }
        finally { File.Delete(file); }
    }

    /// <summary>Everything an import writes, without ids and times: people with their companies, the journal's rows by
    /// kind, name blocks and search documents.</summary>
    private static async Task<List<string>> ContentsAsync(TestDatabase database)
    {
        await using var connection = await database.Db.OpenAsync();
        var rows = new List<string>();
        const string people = """
            SELECT p.full_name || '|' || COALESCE(p.email, '') || '|' || COALESCE(p.title, '') || '|' ||
                   COALESCE((SELECT string_agg(c.name, ';' ORDER BY c.name) FROM company_people cp JOIN companies c ON c.id = cp.company_id WHERE cp.person_id = p.id), '')
            FROM people p ORDER BY 1
            """;
        rows.AddRange(await connection.QueryAsync<string>(people));
        rows.AddRange(await connection.QueryAsync<string>("SELECT name FROM companies ORDER BY 1"));
        rows.AddRange(await connection.QueryAsync<string>("SELECT entity || ' ' || operation || ' ' || COUNT(*) FROM change_records GROUP BY entity, operation ORDER BY 1"));
        rows.AddRange(await connection.QueryAsync<string>("SELECT entity_type || '|' || title || '|' || body FROM search_documents ORDER BY 1"));
        rows.Add($"unsealed journal rows: {await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM change_records WHERE change_id IS NULL")}");
        rows.Add($"people name blocks: {await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM people_name_blocks")}");
        rows.Add($"company name blocks: {await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM companies_name_blocks")}");
        return rows;
    }

    private static async Task<List<string>> SchemaAsync(TestDatabase database)
    {
        await using var connection = await database.Db.OpenAsync();
        return (await connection.QueryAsync<string>("SELECT type || ' ' || name || ' ' || COALESCE(sql, '') FROM sqlite_master ORDER BY name")).ToList();
    }

    [Fact]
    public async Task A_load_writes_what_the_batches_write_in_one_change_and_keeps_the_schema()
    {
        await using var batches = await TestDatabase.CreateAsync();
        await using var load = await TestDatabase.CreateAsync();
        var schemaBefore = TestDatabase.IsPostgres ? [] : await SchemaAsync(load);
        var batchesReport = await ImportAsync(batches, ImportMode.Batches, Csv());
        var loadReport = await ImportAsync(load, ImportMode.Auto, Csv());

        Assert.Equal(ImportReportText.Format(batchesReport, "f.csv"), ImportReportText.Format(loadReport, "f.csv"));
        Assert.NotEmpty(loadReport.Rejected);
        Assert.True(loadReport.Matched > 0);
        Assert.Equal(await ContentsAsync(batches), await ContentsAsync(load));
        Assert.Equal(6, await batches.CountAsync("changes"));
        // PostgreSQL keeps its batches (the load path is SQLite's).
        Assert.Equal(TestDatabase.IsPostgres ? 6 : 1, await load.CountAsync("changes"));
        if (TestDatabase.IsPostgres) return;

        Assert.Equal(schemaBefore, await SchemaAsync(load));
        await using var connection = await load.Db.OpenAsync();
        Assert.Equal("ok", await connection.ExecuteScalarAsync<string>("PRAGMA integrity_check"));
        await connection.ExecuteAsync("INSERT INTO search_words (search_words) VALUES ('integrity-check')");
        await connection.ExecuteAsync("INSERT INTO search_trigrams (search_trigrams) VALUES ('integrity-check')");
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(DISTINCT segid) FROM search_words_idx"));
        // Merged to the end: one more step finds nothing to do and stops.
        Assert.Equal(1, await BulkLoad.MergeWordIndexAsync(load.Db, TestContext.Current.CancellationToken));

        // A re-import of the same file creates nothing (the database is now as large as the file: batches).
        var fingerprint = await load.FingerprintAsync();
        var again = await ImportAsync(load, ImportMode.Auto, Csv());
        Assert.Equal((0, loadReport.Created + loadReport.Matched), (again.Created, again.Matched));
        Assert.Equal(fingerprint, await load.FingerprintAsync());
    }

    [Fact]
    public async Task A_load_that_fails_leaves_the_database_and_its_indexes_as_they_were()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("The load path is SQLite's; PostgreSQL keeps its batches.");
        await using var database = await TestDatabase.CreateAsync();
        await using (var connection = await database.Db.OpenAsync())
            await connection.ExecuteAsync("CREATE TRIGGER test_boom BEFORE INSERT ON people WHEN NEW.full_name = 'Boom Row' BEGIN SELECT RAISE(ABORT, 'boom'); END");
        var schema = await SchemaAsync(database);
        var fingerprint = await database.FingerprintAsync();

        // Row 30 fails in the fifth batch of seven: the four batches before it are rolled back with it.
        var csv = Csv().Split('\n').Select((line, i) => i == 30 ? "Boom Row,boom@example.com,Acme," : line);
        var report = await ImportAsync(database, ImportMode.Auto, string.Join('\n', csv));

        Assert.Contains("the load was rolled back", report.Failure);
        Assert.Equal(0, report.Rows);
        Assert.Equal(fingerprint, await database.FingerprintAsync());
        Assert.Equal(0, await database.CountAsync("change_records"));
        Assert.Equal(schema, await SchemaAsync(database));
    }

    [Fact]
    public async Task An_import_smaller_than_the_database_keeps_its_batches()
    {
        await using var database = await TestDatabase.CreateAsync();
        await ImportAsync(database, ImportMode.Batches, Csv());
        var changes = await database.CountAsync("changes");
        // The second file's 12 rows against the 20-odd records already there: one change per batch of 7.
        var csv = "name,email,company\n" + string.Join("\n", Enumerable.Range(0, 12).Select(i => $"New {i} Person,new{i}@example.com,Newco {i}"));
        await ImportAsync(database, ImportMode.Auto, csv);
        Assert.Equal(changes + 2, await database.CountAsync("changes"));
    }

    [Fact]
    public async Task The_command_loads_a_file_of_several_batches_in_one_transaction_unless_given_a_batch_size()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("The load path is SQLite's; PostgreSQL keeps its batches.");
        var rows = Importer.DefaultBatchSize + 1;
        var file = Path.Combine(Path.GetTempPath(), $"bulk-load-cli-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, "name,email,company\n" + string.Join("\n",
            Enumerable.Range(0, rows).Select(i => $"Load {i} Person,load{i}@example.com,Loadco {i % 50}")), TestContext.Current.CancellationToken);
        try
        {
            await using var loaded = await TestDatabase.CreateAsync();
            await using var batched = await TestDatabase.CreateAsync();
            var load = await CliRunner.RunAsync("import", file, "--from", "csv", "--db", loaded.Path);
            var batches = await CliRunner.RunAsync("import", file, "--from", "csv", "--db", batched.Path, "--batch-size", $"{Importer.DefaultBatchSize}");

            Assert.Equal((0, 0), (load.ExitCode, batches.ExitCode));
            Assert.Equal(load.Output, batches.Output);
            Assert.Equal(rows, await loaded.CountAsync("people"));
            Assert.Equal(1, await loaded.CountAsync("changes"));
            Assert.Equal(2, await batched.CountAsync("changes"));
        }
        finally { File.Delete(file); }
    }
}
