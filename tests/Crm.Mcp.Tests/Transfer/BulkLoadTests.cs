using System.Text;
using System.Text.RegularExpressions;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
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

    private static async Task<ImportReport> ImportAsync(TestDatabase database, ImportMode mode, string csv, int batchSize = 7)
    {
        var file = Path.Combine(Path.GetTempPath(), $"bulk-load-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, csv, TestContext.Current.CancellationToken);
        try
        {
            var plan = ImportMapping.Map(ImportSource.Csv, CsvFile.Read(file));
            return await new Importer(database.Db, new Resolver(), new CrmSettings { DatabasePath = database.Path })
                .RunAsync(plan, batchSize: batchSize, mode: mode, cancellationToken: TestContext.Current.CancellationToken);
        }
        finally { File.Delete(file); }
    }

    /// <summary>A new database with <paramref name="sql"/> run on it (tables and triggers a test watches with).</summary>
    private static async Task<TestDatabase> CreateWithAsync(string sql)
    {
        var database = await TestDatabase.CreateAsync();
        await using var connection = await database.Db.OpenAsync();
        await connection.ExecuteAsync(sql);
        return database;
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

    // 70 rows in batches of 7 with every kind of row a batch meets: new people at new and known companies, people a
    // later batch finds by email (their empty title, phone and owner filled in: journal updates), source ids seen in an
    // earlier batch, email-less namesakes and shared emails (the row path), a long phone on a new person and a bad
    // email (rejected), owners by name and by email.
    private static string RichCsv()
    {
        var csv = new StringBuilder("id,name,email,company,phone,title,owner\n");
        for (var i = 0; i < 70; i++)
        {
            var email = i % 11 == 4 ? "" : i % 19 == 7 ? "broken@" : i >= 35 && i % 3 == 0 ? $"p{i - 30}@example.com" : i % 23 == 9 ? "shared@example.com" : $"p{i}@example.com";
            var phone = i % 29 == 13 ? new string('5', 60) : i % 5 == 1 ? $"+1 415 555 {i:0000}" : "";
            var owner = i % 6 == 2 ? "Olivia Owner" : i % 8 == 3 ? "sam@example.com" : "";
            csv.Append($"{(i % 9 == 0 ? $"src-{i % 27}" : "")},Person {(char)('A' + i % 26)}{(i % 4 == 0 ? "" : $" Name{i % 13}")},{email},");
            csv.Append($"\"Company {i % 12}{(i % 2 == 0 ? ", Inc." : "")}\",{phone},{(i % 4 == 1 ? "CTO" : "")},{owner}\n");
        }
        return csv.ToString();
    }

    /// <summary>
    /// Every table an import writes, row by row in rowid (or key) order, all columns: ids numbered in order of first
    /// appearance (two imports draw different UUIDs) and times as T; a journal row's change id left out (the load seals
    /// one change, the batches one each).
    /// </summary>
    private static async Task<List<string>> TablesAsync(TestDatabase database)
    {
        string[] tables =
        [
            "people ORDER BY rowid", "companies ORDER BY rowid", "company_people ORDER BY rowid", "users ORDER BY rowid",
            "import_keys ORDER BY rowid", "change_records ORDER BY id", "search_documents ORDER BY doc_id", "search_pending ORDER BY id",
            "people_name_blocks ORDER BY block, rest, row_id", "companies_name_blocks ORDER BY block, rest, row_id",
        ];
        var uuid = new Regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        var time = new Regex(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?");
        var ids = new Dictionary<string, int>();
        var rows = new List<string>();
        await using var connection = await database.Db.OpenAsync();
        foreach (var table in tables)
        {
            // Rowids too (they key the name blocks); the block tables have none (WITHOUT ROWID).
            await using var reader = await connection.ExecuteReaderAsync($"SELECT {(table.Contains("name_blocks") ? "" : "rowid AS row_number, ")}* FROM {table}");
            while (await reader.ReadAsync())
            {
                var values = Enumerable.Range(0, reader.FieldCount).Where(c => reader.GetName(c) != "change_id")
                    .Select(c => reader.IsDBNull(c) ? "NULL" : Convert.ToString(reader.GetValue(c), System.Globalization.CultureInfo.InvariantCulture)!);
                var row = uuid.Replace(string.Join('|', values), m => $"id{(ids.TryGetValue(m.Value, out var n) ? n : ids[m.Value] = ids.Count)}");
                rows.Add($"{table.Split(' ')[0]}: {time.Replace(row, "T")}");
            }
        }
        return rows;
    }

    [Fact]
    public async Task A_load_writes_every_table_row_for_row_as_the_batches_do()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("The load path is SQLite's; PostgreSQL keeps its batches.");
        await using var batches = await TestDatabase.CreateAsync();
        await using var load = await TestDatabase.CreateAsync();
        var batchesReport = await ImportAsync(batches, ImportMode.Batches, RichCsv());
        var loadReport = await ImportAsync(load, ImportMode.Auto, RichCsv());

        Assert.Equal(ImportReportText.Format(batchesReport, "f.csv"), ImportReportText.Format(loadReport, "f.csv"));
        Assert.Equal(1, await load.CountAsync("changes"));
        var expected = await TablesAsync(batches);
        // Every kind of row is there: journal updates (filled-in people), source ids, owners, rejections.
        Assert.Contains(expected, r => r.StartsWith("change_records: ") && r.Contains("|people|") && r.Contains("|update|"));
        Assert.Contains(expected, r => r.StartsWith("import_keys: "));
        Assert.Contains(expected, r => r.StartsWith("users: ") && r.Contains("Olivia"));
        Assert.True(loadReport.Rejected.Count >= 2 && loadReport.Matched > 5);
        Assert.Equal(expected, await TablesAsync(load));
    }

    [Fact]
    public async Task A_loads_seal_claims_only_the_journal_rows_of_the_row_path()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("The load path is SQLite's; PostgreSQL keeps its batches.");
        await using var database = await CreateWithAsync("""
            CREATE TABLE test_claimed (record_id TEXT);
            CREATE TRIGGER test_claim AFTER UPDATE OF change_id ON change_records BEGIN INSERT INTO test_claimed VALUES (NEW.record_id); END;
            """);
        await ImportAsync(database, ImportMode.Auto, RichCsv());

        // The rows written set-based carry the load's change from their insert; the seal claims the triggers' rows
        // (rows settled one by one, found people filled in) and rewrites no other.
        await using var check = await database.Db.OpenAsync();
        var claimed = await database.CountAsync("test_claimed");
        Assert.InRange(claimed, 1, await database.CountAsync("change_records") - 1);
        Assert.Equal(1, await database.CountAsync("changes"));
        Assert.Equal(0, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM change_records WHERE change_id IS NOT (SELECT id FROM changes)"));
        Assert.Contains("update", await check.QueryAsync<string>("SELECT r.operation FROM change_records r JOIN test_claimed t ON t.record_id = r.record_id"));
    }

    [Fact]
    public async Task A_load_writes_each_search_index_in_one_segment_and_leaves_its_settings_as_they_were()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("The load path is SQLite's; PostgreSQL keeps its batches.");
        // 15,000 contacts of made-up words (a fixed LCG): their trigrams overflow FTS5's default 1 MiB of pending terms,
        // two trigram segments before the load raised its hashsize.
        var seed = 12345L;
        string Word(int length, bool title = false) => string.Concat(Enumerable.Range(0, length).Select(k =>
        {
            seed = (seed * 1103515245 + 12345) % 2147483648;
            return (char)((k == 0 && title ? 'A' : 'a') + seed % 26);
        }));
        var csv = new StringBuilder("name,email,company\n");
        for (var i = 0; i < 15_000; i++)
            csv.Append($"{Word(7, true)} {Word(9, true)},{Word(8)}.{i}@{Word(6)}.com,\"{Word(8, true)} {Word(7, true)} {i % 1500}\"\n");
        await using var database = await TestDatabase.CreateAsync();
        var report = await ImportAsync(database, ImportMode.Auto, csv.ToString(), Importer.DefaultBatchSize);

        Assert.Equal(15_000, report.Created);
        Assert.Equal(1, await database.CountAsync("changes"));
        await using var connection = await database.Db.OpenAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(DISTINCT segid) FROM search_trigrams_idx"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(DISTINCT segid) FROM search_words_idx"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
            "SELECT (SELECT COUNT(*) FROM search_words_config WHERE k = 'hashsize') + (SELECT COUNT(*) FROM search_trigrams_config WHERE k = 'hashsize')"));
        await connection.ExecuteAsync("INSERT INTO search_trigrams (search_trigrams) VALUES ('integrity-check')");
        await connection.ExecuteAsync("INSERT INTO search_words (search_words) VALUES ('integrity-check')");
    }

    [Fact]
    public async Task A_load_keeps_the_per_row_triggers_when_a_table_has_one_it_does_not_know()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("The load path is SQLite's; PostgreSQL keeps its batches.");
        await using var database = await CreateWithAsync("""
            CREATE TABLE test_probe (person_id TEXT);
            CREATE TRIGGER test_probe_ai AFTER INSERT ON people BEGIN INSERT INTO test_probe VALUES (NEW.id); END;
            """);
        var report = await ImportAsync(database, ImportMode.Auto, RichCsv());
        Assert.Equal(1, await database.CountAsync("changes"));
        Assert.Equal(report.Records["people"].Created, await database.CountAsync("test_probe"));
        Assert.Equal(await database.CountAsync("people"), await database.CountAsync("test_probe"));
    }

    [Fact]
    public async Task The_journal_rows_of_rows_written_without_triggers_are_the_insert_triggers_rows()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("SQLite: the load path writes them (BulkLoad).");
        await using var database = await TestDatabase.CreateAsync();
        await ImportAsync(database, ImportMode.Batches, RichCsv());
        await using var connection = await database.Db.OpenAsync();
        // Rows updated after their insert journal what they were then; the table holds what they are now.
        await connection.ExecuteAsync("CREATE TEMP TABLE test_updated AS SELECT record_id FROM change_records WHERE operation <> 'insert'");
        const string journalSql = """
            SELECT entity || '|' || record_id || '|' || operation || '|' || COALESCE(before, 'NULL') || '|' || after
            FROM change_records WHERE entity = @table AND operation = 'insert' AND record_id NOT IN (SELECT record_id FROM test_updated)
            ORDER BY id
            """;
        foreach (var table in new[] { "companies", "people", "company_people" })
        {
            var byTriggers = (await connection.QueryAsync<string>(journalSql, new { table })).ToList();
            Assert.NotEmpty(byTriggers);
            await using var transaction = await connection.BeginTransactionAsync();
            await connection.ExecuteAsync("DELETE FROM change_records", transaction: transaction);
            await JournalTriggers.JournalInsertedAsync(connection, transaction, table, 0);
            Assert.Equal(byTriggers, await connection.QueryAsync<string>(journalSql, new { table }, transaction));
            await transaction.RollbackAsync();
        }
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
