using Crm.Mcp.Common;
using Crm.Mcp.Resolution;
using Crm.Mcp.Tests.Infrastructure;
using Crm.Mcp.Transfer;
using Dapper;

namespace Crm.Mcp.Tests.Transfer;

/// <summary>Imports of fixture files shaped like real Pipedrive, HubSpot and plain CSV exports (see the notes on
/// export formats): mapping, resolution against existing records, rejected-row reasons and atomicity.</summary>
public sealed class ImportTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "import", name);

    private static async Task<ImportReport> ImportAsync(TestDatabase database, string file, ImportSource source, bool dryRun = false, int batchSize = 500)
    {
        var plan = ImportMapping.Map(source, CsvFile.Read(Fixture(file)));
        return await new Importer(database.Db, new Resolver(), new CrmSettings { DatabasePath = database.Path })
            .RunAsync(plan, dryRun, batchSize, cancellationToken: TestContext.Current.CancellationToken);
    }

    private static async Task<T> ScalarAsync<T>(TestDatabase database, string sql, object? args = null)
    {
        await using var connection = await database.Db.OpenAsync();
        return (await connection.ExecuteScalarAsync<T>(sql, args))!;
    }

    private static async Task ImportPipedriveAsync(TestDatabase database)
    {
        await ImportAsync(database, "pipedrive-organizations.csv", ImportSource.Pipedrive);
        await ImportAsync(database, "pipedrive-people.csv", ImportSource.Pipedrive);
        await ImportAsync(database, "pipedrive-deals.csv", ImportSource.Pipedrive);
    }

    [Fact]
    public async Task Pipedrive_organizations_resolve_spellings_of_one_company_and_reject_a_nameless_row()
    {
        await using var database = await TestDatabase.CreateAsync();
        var report = await ImportAsync(database, "pipedrive-organizations.csv", ImportSource.Pipedrive);

        Assert.Equal((ImportEntity.Companies, 4, 2, 1), (report.Entity, report.Rows, report.Created, report.Matched));
        var rejected = Assert.Single(report.Rejected);
        Assert.Equal((3, 5), (rejected.Row, rejected.Line)); // line 5: row 2's address holds a quoted line break
        Assert.Contains("needs a name", rejected.Reason);
        Assert.Equal(2, await database.CountAsync("companies"));
        Assert.Equal("acme.com", await ScalarAsync<string>(database, "SELECT domain FROM companies WHERE name = 'Acme, Inc.'"));
        Assert.Equal("Dana Seller", await ScalarAsync<string>(database,
            "SELECT u.first_name || ' ' || u.last_name FROM companies c JOIN users u ON u.id = c.owner_id WHERE c.name = 'Globex GmbH'"));
        Assert.Contains("Organization - Address", report.IgnoredColumns);
    }

    [Fact]
    public async Task Pipedrive_deals_keep_value_currency_stage_status_owner_contact_and_dates()
    {
        await using var database = await TestDatabase.CreateAsync();
        await ImportPipedriveAsync(database);

        await using var connection = await database.Db.OpenAsync();
        var deals = (await connection.QueryAsync<(string Name, long Amount, string Currency, string Stage, string Kind, string Pipeline, long IsDraft, string CreatedAt, string? Close)>("""
            SELECT d.name, d.amount_minor, d.currency, s.name, s.kind, p.name, d.is_draft, d.created_at, d.expected_close_date
            FROM deals d JOIN stages s ON s.id = d.stage_id JOIN pipelines p ON p.id = d.pipeline_id ORDER BY d.name
            """)).ToList();
        Assert.Equal(
        [
            ("Acme platform license", 2500000L, "USD", "Proposal Made", "open", "Sales", 0L, "2026-01-30T15:55:37.000Z", "2026-12-31"),
            ("Globex rollout", 12000050L, "EUR", "Closed Won", "won", "Sales", 0L, "2026-02-01T09:10:00.000Z", "2026-03-31"),
            ("Hooli upsell", 120000L, "USD", "Contact Made", "open", "Enterprise", 0L, "2026-02-06T12:00:00.000Z", "2026-11-30"),
        ], deals);
        Assert.Equal("Jane Founder", await connection.ExecuteScalarAsync<string>("""
            SELECT p.full_name FROM deal_people dp JOIN people p ON p.id = dp.person_id JOIN deals d ON d.id = dp.deal_id
            WHERE d.name = 'Acme platform license'
            """));
        Assert.Equal("Sam Closer", await connection.ExecuteScalarAsync<string>(
            "SELECT u.first_name || ' ' || u.last_name FROM deals d JOIN users u ON u.id = d.owner_id WHERE d.name = 'Globex rollout'"));
    }

    [Fact]
    public async Task Rejected_rows_name_the_row_the_line_the_column_and_the_accepted_form()
    {
        await using var database = await TestDatabase.CreateAsync();
        var report = await ImportAsync(database, "pipedrive-deals.csv", ImportSource.Pipedrive);

        Assert.Equal(
        [
            (3, 5, "Deal - Value", "'abc' is not a number"),
            (4, 6, "Deal - Currency of Value", "'XYZ' is not a supported currency"),
            (5, 7, "Deal - Expected close date", "'31/12/2026' is not a date"),
        ], report.Rejected.Select(r => (r.Row, r.Line, r.Column!, r.Reason[(r.Reason.IndexOf(": ") + 2)..][..r.Reason[(r.Reason.IndexOf(": ") + 2)..].IndexOf('.')])).ToArray());
        Assert.All(report.Rejected, r => Assert.Contains("Expected", r.Reason));
        // Nothing of a rejected row stays: Initech, Umbrella Corp and the Hooli renewal were never written.
        Assert.Equal(0, await ScalarAsync<long>(database, "SELECT COUNT(*) FROM companies WHERE name IN ('Initech', 'Umbrella Corp')"));
        Assert.Equal(3, await database.CountAsync("deals"));
    }

    [Fact]
    public async Task Reimporting_every_file_creates_nothing_new()
    {
        await using var database = await TestDatabase.CreateAsync();
        string[] files = ["pipedrive-organizations.csv", "pipedrive-people.csv", "pipedrive-deals.csv", "pipedrive-deals-de.csv"];
        foreach (var file in files) await ImportAsync(database, file, ImportSource.Pipedrive);
        foreach (var file in new[] { "hubspot-companies.csv", "hubspot-contacts.csv", "hubspot-deals.csv" }) await ImportAsync(database, file, ImportSource.Hubspot);
        await ImportAsync(database, "plain-deals.csv", ImportSource.Csv);
        var fingerprint = await database.FingerprintAsync();

        var again = new List<ImportReport>();
        foreach (var file in files) again.Add(await ImportAsync(database, file, ImportSource.Pipedrive));
        foreach (var file in new[] { "hubspot-companies.csv", "hubspot-contacts.csv", "hubspot-deals.csv" }) again.Add(await ImportAsync(database, file, ImportSource.Hubspot));
        again.Add(await ImportAsync(database, "plain-deals.csv", ImportSource.Csv));

        Assert.Equal(fingerprint, await database.FingerprintAsync());
        Assert.All(again, r => Assert.Equal(0, r.Created));
        Assert.All(again, r => Assert.All(r.Records.Values, c => Assert.Equal(0, c.Created)));
    }

    [Fact]
    public async Task A_semicolon_file_with_bom_crlf_and_localized_numbers_imports_exactly()
    {
        await using var database = await TestDatabase.CreateAsync();
        var report = await ImportAsync(database, "pipedrive-deals-de.csv", ImportSource.Pipedrive);

        Assert.Equal((4, 0), (report.Created, report.Rejected.Count));
        await using var connection = await database.Db.OpenAsync();
        var amounts = (await connection.QueryAsync<(string, long, string)>("SELECT name, amount_minor, currency FROM deals ORDER BY identifier")).ToList();
        // In a ';' file "1.234" is a thousand and two hundred thirty-four, as the locale that wrote it means.
        Assert.Equal([("Wartungsvertrag", 123456L, "EUR"), ("Großauftrag", 12000000L, "EUR"), ("Kleinauftrag", 9990L, "EUR"), ("Ersatzteile", 123400L, "EUR")], amounts);
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM companies WHERE name = 'Müller & Söhne; Berlin'"));
    }

    [Fact]
    public async Task Hubspot_contacts_match_people_by_email_across_sources_and_closed_won_is_the_won_stage()
    {
        await using var database = await TestDatabase.CreateAsync();
        await ImportPipedriveAsync(database);
        await ImportAsync(database, "hubspot-companies.csv", ImportSource.Hubspot);
        var contacts = await ImportAsync(database, "hubspot-contacts.csv", ImportSource.Hubspot);
        var deals = await ImportAsync(database, "hubspot-deals.csv", ImportSource.Hubspot);

        Assert.Equal((1, 1), (contacts.Created, contacts.Matched)); // JANE@ACME.COM is Pipedrive's jane@acme.com
        Assert.Contains("needs a name or an email", Assert.Single(contacts.Rejected).Reason);
        Assert.Equal("+12025550124", await ScalarAsync<string>(database, "SELECT phone FROM companies WHERE name = 'Initech'"));
        Assert.Equal("won", await ScalarAsync<string>(database,
            "SELECT s.kind FROM deals d JOIN stages s ON s.id = d.stage_id WHERE d.name = 'Initech licenses'"));
        Assert.Equal(11700, await ScalarAsync<long>(database, "SELECT amount_minor FROM deals WHERE name = 'Acme expansion'"));
        Assert.Equal(2, await ScalarAsync<long>(database,
            "SELECT COUNT(*) FROM deal_people dp JOIN deals d ON d.id = dp.deal_id WHERE d.name = 'Initech licenses'"));
        Assert.Equal(["is negative", "needs a name"], deals.Rejected.Select(r => r.Reason.Contains("negative") ? "is negative" : "needs a name").ToArray());
    }

    [Fact]
    public async Task A_dry_run_reports_the_same_outcome_and_writes_nothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var before = await database.FingerprintAsync();
        var dry = await ImportAsync(database, "pipedrive-deals.csv", ImportSource.Pipedrive, dryRun: true);

        Assert.Equal(before, await database.FingerprintAsync());
        var real = await ImportAsync(database, "pipedrive-deals.csv", ImportSource.Pipedrive);
        Assert.Equal((real.Created, real.Matched, real.Rejected.Count), (dry.Created, dry.Matched, dry.Rejected.Count));
    }

    [Fact]
    public async Task A_rejected_row_leaves_nothing_behind_not_even_the_company_it_named()
    {
        await using var database = await TestDatabase.CreateAsync();
        var before = await database.FingerprintAsync();
        var plan = ImportMapping.Map(ImportSource.Csv, CsvFile.Parse("name,email,company\nBad Address,not-an-email,Brand New Co\n"));
        var report = await new Importer(database.Db, new Resolver(), new CrmSettings { DatabasePath = database.Path })
            .RunAsync(plan, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains("not a valid email", Assert.Single(report.Rejected).Reason);
        Assert.Equal(before, await database.FingerprintAsync());
    }

    [Fact]
    public async Task A_batch_that_fails_in_the_database_is_rolled_back_whole_and_the_import_stops()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using (var connection = await database.Db.OpenAsync())
            await connection.ExecuteAsync(TestDatabase.IsPostgres
                ? """
                  CREATE FUNCTION no_hooli() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$;
                  CREATE TRIGGER no_hooli BEFORE INSERT ON deals FOR EACH ROW WHEN (NEW.name = 'Hooli upsell') EXECUTE FUNCTION no_hooli();
                  """
                : "CREATE TRIGGER no_hooli BEFORE INSERT ON deals WHEN NEW.name = 'Hooli upsell' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
        var report = await ImportAsync(database, "pipedrive-deals.csv", ImportSource.Pipedrive, batchSize: 3);

        // Batch 1 (rows 1-3) went in; batch 2 (rows 4-6) held the failing insert: none of its rows stayed.
        Assert.Contains("rows 4-6 were not imported", report.Failure);
        Assert.Contains("disk on fire", report.Failure);
        Assert.Equal(["Acme platform license", "Globex rollout"], (await QueryNamesAsync(database)).ToArray());
        Assert.Equal(0, await ScalarAsync<long>(database, "SELECT COUNT(*) FROM pipelines WHERE name = 'Enterprise'"));
    }

    private static async Task<IEnumerable<string>> QueryNamesAsync(TestDatabase database)
    {
        await using var connection = await database.Db.OpenAsync();
        return await connection.QueryAsync<string>("SELECT name FROM deals ORDER BY name");
    }

    [Fact]
    public async Task Command_prints_the_report_and_exits_1_when_rows_were_rejected()
    {
        await using var database = await TestDatabase.CreateAsync();
        var result = await CliRunner.RunAsync("import", Fixture("pipedrive-deals.csv"), "--from", "pipedrive", "--db", database.Path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("pipedrive-deals.csv: 6 deals rows: 3 created, 0 matched, 3 rejected.", result.Output);
        Assert.Contains("row 3 (line 5): Deal - Value: 'abc' is not a number.", result.Output);
        Assert.Contains("6/6 rows: 3 created, 0 matched, 3 rejected", result.Error); // plain progress lines off a terminal
    }

    [Fact]
    public async Task Command_says_a_folder_is_a_folder_not_a_missing_file()
    {
        await using var database = await TestDatabase.CreateAsync();
        var folder = Path.Combine(database.Folder, "exports");
        Directory.CreateDirectory(folder);
        var result = await CliRunner.RunAsync("import", folder, "--from", "csv", "--db", database.Path);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is a folder", result.Error);
        Assert.DoesNotContain("no such file", result.Error);
        Assert.Contains("no such file", (await CliRunner.RunAsync("import", Path.Combine(folder, "missing.csv"), "--from", "csv", "--db", database.Path)).Error);
    }

    [Fact]
    public async Task Command_refuses_a_file_that_is_not_the_named_export()
    {
        await using var database = await TestDatabase.CreateAsync();
        var result = await CliRunner.RunAsync("import", Fixture("hubspot-deals.csv"), "--from", "pipedrive", "--db", database.Path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("do not look like a pipedrive export", result.Error);
        Assert.Equal(0, await database.CountAsync("deals"));
    }

    [Fact]
    public async Task A_zipped_hubspot_export_imports_organizations_first_whatever_the_file_order()
    {
        await using var database = await TestDatabase.CreateAsync();
        var zip = Path.Combine(database.Folder, "hubspot-crm-exports-all-2026-04-20.zip");
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
        {
            System.IO.Compression.ZipFileExtensions.CreateEntryFromFile(archive, Fixture("hubspot-deals.csv"), "a-deals.csv");
            System.IO.Compression.ZipFileExtensions.CreateEntryFromFile(archive, Fixture("hubspot-contacts.csv"), "b-contacts.csv");
            System.IO.Compression.ZipFileExtensions.CreateEntryFromFile(archive, Fixture("hubspot-companies.csv"), "c-companies.csv");
        }

        var result = await CliRunner.RunAsync("import", zip, "--from", "hubspot", "--db", database.Path);

        Assert.Equal(1, result.ExitCode); // the fixtures hold rejected rows
        var companies = result.Output.IndexOf("c-companies.csv: 2 companies rows: 2 created", StringComparison.Ordinal);
        var people = result.Output.IndexOf("b-contacts.csv: 3 people rows: 2 created", StringComparison.Ordinal);
        var deals = result.Output.IndexOf("a-deals.csv: 4 deals rows: 2 created", StringComparison.Ordinal);
        Assert.True(companies >= 0 && companies < people && people < deals, result.Output);
        Assert.Equal(2, await database.CountAsync("companies"));
    }
}
