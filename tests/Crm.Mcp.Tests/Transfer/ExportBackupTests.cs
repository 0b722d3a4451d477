using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Resolution;
using Crm.Mcp.Tests.Infrastructure;
using Crm.Mcp.Transfer;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Tests.Transfer;

public sealed class ExportBackupTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "import", name);

    private static async Task ImportAsync(TestDatabase database, string path, ImportSource source)
    {
        var plan = ImportMapping.Map(source, CsvFile.Read(path));
        await new Importer(database.Db, new Resolver(), new CrmSettings { DatabasePath = database.Path })
            .RunAsync(plan, cancellationToken: TestContext.Current.CancellationToken);
    }

    private const string DealsSql = """
        SELECT d.name, d.amount_minor, d.currency, s.name, s.kind, pl.name, c.name, d.expected_close_date, d.created_at,
               (SELECT group_concat(p.full_name, ';') FROM deal_people dp JOIN people p ON p.id = dp.person_id WHERE dp.deal_id = d.id),
               trim(u.first_name || ' ' || u.last_name)
        FROM deals d JOIN stages s ON s.id = d.stage_id JOIN pipelines pl ON pl.id = d.pipeline_id
        LEFT JOIN companies c ON c.id = d.company_id LEFT JOIN users u ON u.id = d.owner_id ORDER BY d.name
        """;

    private static async Task<List<string>> RowsAsync(TestDatabase database, string sql)
    {
        await using var connection = await database.Db.OpenAsync();
        var rows = new List<string>();
        await using var reader = await connection.ExecuteReaderAsync(sql);
        while (await reader.ReadAsync())
            rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }

    [Fact]
    public async Task Csv_export_imports_back_into_an_empty_database_as_the_same_crm()
    {
        await using var original = await TestDatabase.CreateAsync();
        foreach (var file in new[] { "pipedrive-organizations.csv", "pipedrive-people.csv", "pipedrive-deals.csv" })
            await ImportAsync(original, Fixture(file), ImportSource.Pipedrive);
        var folder = Path.Combine(original.Folder, "export");
        var result = await CliRunner.RunAsync("export", "--format", "csv", "--output", folder, "--db", original.Path);
        Assert.Equal(0, result.ExitCode);

        await using var copy = await TestDatabase.CreateAsync();
        foreach (var entity in new[] { "companies", "people", "deals" })
            await ImportAsync(copy, Path.Combine(folder, $"{entity}.csv"), ImportSource.Csv);

        Assert.Equal(await RowsAsync(original, DealsSql), await RowsAsync(copy, DealsSql));
        const string peopleSql = "SELECT full_name, email, phone, title FROM people ORDER BY full_name";
        Assert.Equal(await RowsAsync(original, peopleSql), await RowsAsync(copy, peopleSql));
        const string companiesSql = "SELECT name, domain, website, phone FROM companies ORDER BY name";
        Assert.Equal(await RowsAsync(original, companiesSql), await RowsAsync(copy, companiesSql));

        // And importing the export into the database it came from matches everything.
        var fingerprint = await original.FingerprintAsync();
        foreach (var entity in new[] { "companies", "people", "deals" })
            await ImportAsync(original, Path.Combine(folder, $"{entity}.csv"), ImportSource.Csv);
        Assert.Equal(fingerprint, await original.FingerprintAsync());
    }

    [Fact]
    public async Task Json_export_holds_every_entity_with_exact_amounts()
    {
        await using var database = await TestDatabase.CreateAsync();
        await ImportAsync(database, Fixture("pipedrive-deals.csv"), ImportSource.Pipedrive);
        var result = await CliRunner.RunAsync("export", "--db", database.Path);

        Assert.Equal(0, result.ExitCode);
        var json = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal(3, json.GetProperty("deals").GetArrayLength());
        var globex = json.GetProperty("deals").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "Globex rollout");
        Assert.Equal("120000.5", globex.GetProperty("amount").GetString());
        Assert.Equal("won", globex.GetProperty("status").GetString());
        Assert.True(json.GetProperty("companies").GetArrayLength() >= 3);
    }

    [Fact]
    public async Task Csv_of_every_entity_needs_a_folder()
    {
        await using var database = await TestDatabase.CreateAsync();
        var result = await CliRunner.RunAsync("export", "--format", "csv", "--db", database.Path);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--output DIR", result.Error);
    }

    [Fact]
    public async Task Csv_export_neutralises_formulas_and_imports_back_to_the_same_values()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_companies", new { items = new[] { new { name = "=HYPERLINK(\"https://evil.example\",\"Acme\")", industry = "@SUM(1+1)", phone = "+1 555 0100" } } });
        await server.CallOkAsync("create_contacts", new { items = new[] { new { name = "Hank Formula", email = "hank@evil.example", title = "+cmd|' /C calc'!A0", phone = "-2+3" } } });
        await server.CallOkAsync("create_deal_draft", new { name = "'=already quoted", company_name = "Plain Co", amount = 1250.5 });
        var folder = Path.Combine(server.Database.Folder, "csv");
        Assert.Equal(0, (await CliRunner.RunAsync("export", "--format", "csv", "-o", folder, "--db", server.Database.Path)).ExitCode);

        var raw = string.Join("\n", Directory.GetFiles(folder).Select(File.ReadAllText));
        Assert.Contains("'=HYPERLINK", raw);
        Assert.Contains("'@SUM(1+1)", raw);
        Assert.Contains("'+cmd|' /C calc'!A0", raw);
        Assert.Contains("'+1 555 0100", raw);
        Assert.Contains("'-2+3", raw);
        Assert.Contains("''=already quoted", raw);
        Assert.DoesNotMatch(new System.Text.RegularExpressions.Regex("(^|[,\n])\"?[=+@]"), raw);

        await using var copy = await TestDatabase.CreateAsync();
        foreach (var entity in new[] { "companies", "people", "deals" })
            await ImportAsync(copy, Path.Combine(folder, $"{entity}.csv"), ImportSource.Csv);
        const string companiesSql = "SELECT name, industry, phone FROM companies ORDER BY name";
        Assert.Equal(await RowsAsync(server.Database, companiesSql), await RowsAsync(copy, companiesSql));
        const string peopleSql = "SELECT full_name, title, phone FROM people ORDER BY full_name";
        Assert.Equal(await RowsAsync(server.Database, peopleSql), await RowsAsync(copy, peopleSql));
        const string dealsSql = "SELECT name, amount_minor FROM deals ORDER BY name";
        Assert.Equal(await RowsAsync(server.Database, dealsSql), await RowsAsync(copy, dealsSql));
        Assert.Contains("=HYPERLINK(\"https://evil.example\",\"Acme\") | @SUM(1+1) | +1 555 0100", await RowsAsync(copy, companiesSql));
    }

    [Fact]
    public async Task Export_refuses_the_live_database_and_its_side_files_even_with_force()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("a PostgreSQL database is no file an export could overwrite");
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        var database = server.Database.Path;
        var viaDotDot = Path.Combine(server.Database.Folder, "sub", "..", Path.GetFileName(database));
        foreach (var target in new[] { database, viaDotDot, database + "-wal", database + "-shm" })
        foreach (var args in new[] { new[] { "--format", "json" }, new[] { "--format", "csv", "--entity", "deals", "--force" } })
        {
            var refused = await CliRunner.RunAsync(["export", .. args, "-o", target, "--db", database]);
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains("is the database", refused.Error);
        }
        var backup = await CliRunner.RunAsync("backup", database + "-wal", "--force", "--db", database);
        Assert.Equal(2, backup.ExitCode);
        Assert.Contains("is the database's wal file itself", backup.Error);
        Assert.Equal(1, await server.Database.CountAsync("deals")); // still a database, still readable
        await server.CallOkAsync("get_deal", new { deal = "DEAL-001" });
    }

    [Fact]
    public async Task Export_refuses_an_existing_file_without_force_and_creates_missing_folders()
    {
        await using var database = await TestDatabase.CreateAsync();
        var existing = Path.Combine(database.Folder, "export.json");
        await File.WriteAllTextAsync(existing, "keep me", TestContext.Current.CancellationToken);

        var refused = await CliRunner.RunAsync("export", "-o", existing, "--db", database.Path);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--force", refused.Error);
        Assert.Equal("keep me", await File.ReadAllTextAsync(existing, TestContext.Current.CancellationToken));
        Assert.Equal(0, (await CliRunner.RunAsync("export", "-o", existing, "--force", "--db", database.Path)).ExitCode);
        Assert.StartsWith("{", await File.ReadAllTextAsync(existing, TestContext.Current.CancellationToken));

        var nested = Path.Combine(database.Folder, "not", "yet", "there", "deals.csv");
        var created = await CliRunner.RunAsync("export", "--format", "csv", "--entity", "deals", "-o", nested, "--db", database.Path);
        Assert.True(created.ExitCode == 0, created.Error);
        Assert.True(File.Exists(nested));
        var folder = Path.Combine(database.Folder, "csv", "all");
        Assert.Equal(0, (await CliRunner.RunAsync("export", "--format", "csv", "-o", folder, "--db", database.Path)).ExitCode);
        var again = await CliRunner.RunAsync("export", "--format", "csv", "-o", folder, "--db", database.Path);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("companies.csv exists", again.Error);
        Assert.Equal(0, (await CliRunner.RunAsync("export", "--format", "csv", "-o", folder, "--force", "--db", database.Path)).ExitCode);
    }

    [Fact]
    public async Task Backup_while_the_server_runs_holds_everything_committed_and_the_server_keeps_writing()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("backup copies a SQLite file (PostgreSQL: pg_dump)");
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme, Inc.", amount = 100000 });
        // A reader holding a snapshot open, as a busy server would, does not stop the backup.
        await using var reader = await server.Db.OpenAsync();
        await using var snapshot = ((Microsoft.Data.Sqlite.SqliteConnection)reader).BeginTransaction(deferred: true);
        await reader.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM deals", transaction: snapshot);

        var target = Path.Combine(server.Database.Folder, "backups", "crm-backup.db");
        var result = await CliRunner.RunAsync("backup", target, "--db", server.Database.Path);
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex", amount = 5 });

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("1 companies, 0 people, 1 deals", result.Output);
        Assert.False(File.Exists(target + ".partial"));
        await using var copy = new SqliteConnection($"Data Source={target};Mode=ReadOnly;Pooling=False");
        await copy.OpenAsync(TestContext.Current.CancellationToken);
        Assert.Equal("DEAL-001", await copy.ExecuteScalarAsync<string>("SELECT identifier FROM deals"));
        Assert.Equal("delete", await copy.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal(2, await server.Database.CountAsync("deals"));
    }

    [Fact]
    public async Task Backup_refuses_to_overwrite_without_force()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("backup copies a SQLite file (PostgreSQL: pg_dump)");
        await using var database = await TestDatabase.CreateAsync();
        var target = Path.Combine(database.Folder, "existing.db");
        await File.WriteAllTextAsync(target, "keep me", TestContext.Current.CancellationToken);

        var refused = await CliRunner.RunAsync("backup", target, "--db", database.Path);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("keep me", await File.ReadAllTextAsync(target, TestContext.Current.CancellationToken));
        var forced = await CliRunner.RunAsync("backup", target, "--force", "--db", database.Path);
        Assert.Equal(0, forced.ExitCode);
    }
}
