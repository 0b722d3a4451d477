using Crm.Mcp.Common;
using Crm.Mcp.Resolution;
using Crm.Mcp.Tests.Infrastructure;
using Crm.Mcp.Transfer;
using Dapper;

namespace Crm.Mcp.Tests.Transfer;

/// <summary>
/// People imports on SQLite write the rows a join settles set-based and send the rest through the resolver
/// (PeopleBatch); PostgreSQL takes the row path throughout. One file mixes both kinds: the outcome must be what the row
/// path gives row by row, whichever rows share a batch.
/// </summary>
public sealed class SetBasedImportTests
{
    // Rows 1-2: plain (set-based). 3: Ann without email, after Ann with one (row path: matches row 1's Ann).
    // 4: row 2's email again (row path: matched). 5: the email-less Dee already in the CRM (row path: matched, gets the
    // email). 6: a bad email (rejected). 7: a new person with a 300-character title (rejected). 8: Eve by her email in
    // other case (set-based: matched, linked to a new company). 9: Gus with an owner and a phone (set-based: created).
    private static readonly string Csv = $"""
        name,email,company,title,phone,owner
        Ann Lee,ann@a.example,Acme Inc,,,
        Bob Roe,bob@b.example,"ACME, Inc.",,,
        Ann Lee,,Globex,,,
        Cy Doe,bob@b.example,Acme,,,
        Dee Kay,dee@d.example,Acme,,,
        Fay Wu,fay@,Acme,,,
        Hal Ito,hal@h.example,Acme,{new string('x', 300)},,
        Eve Ng,EVE@e.example,Initech,,,
        Gus Ray,gus@g.example,Initech,CTO,+1 415 555 0100,Olga Owner
        """;

    private static async Task<ImportReport> ImportAsync(TestDatabase database, int batchSize, string csv = "")
    {
        var file = Path.Combine(Path.GetTempPath(), $"set-based-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, csv is "" ? Csv : csv, TestContext.Current.CancellationToken);
        try
        {
            var plan = ImportMapping.Map(ImportSource.Csv, CsvFile.Read(file));
            return await new Importer(database.Db, new Resolver(), new CrmSettings { DatabasePath = database.Path })
                .RunAsync(plan, batchSize: batchSize, cancellationToken: TestContext.Current.CancellationToken);
        }
        finally { File.Delete(file); }
    }

    private static async Task SeedAsync(TestDatabase database)
    {
        await using var connection = await database.Db.OpenAsync();
        const string sql = """
            INSERT INTO people (id, first_name, last_name, full_name, name_key, email, email_key, created_at, updated_at) VALUES
                ('00000000-0000-4000-8000-0000000000d1', 'Dee', 'Kay', 'Dee Kay', 'dee kay', NULL, NULL, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
                ('00000000-0000-4000-8000-0000000000e1', 'Eve', 'Ng', 'Eve Ng', 'eve ng', 'eve@e.example', 'eve@e.example', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
            """;
        await connection.ExecuteAsync(sql);
    }

    // Init properties, not a positional record: Dapper maps by name, whatever type SQLite reports for an all-NULL column.
    internal sealed record PersonState
    {
        public string FullName { get; init; } = "";
        public string? Email { get; init; }
        public string? Title { get; init; }
        public string? Phone { get; init; }
        public string? Owner { get; init; }
        public string? Companies { get; init; }
    }

    private static PersonState Person(string fullName, string email, string companies, string? title = null, string? phone = null, string? owner = null) =>
        new() { FullName = fullName, Email = email, Companies = companies, Title = title, Phone = phone, Owner = owner };

    private static async Task<List<PersonState>> PeopleAsync(TestDatabase database)
    {
        await using var connection = await database.Db.OpenAsync();
        const string sql = """
            SELECT p.full_name AS FullName, p.email AS Email, p.title AS Title, p.phone AS Phone,
                   (SELECT u.first_name || ' ' || u.last_name FROM users u WHERE u.id = p.owner_id) AS Owner,
                   (SELECT string_agg(c.name, '|' ORDER BY c.name) FROM company_people cp JOIN companies c ON c.id = cp.company_id WHERE cp.person_id = p.id) AS Companies
            FROM people p ORDER BY p.full_name, p.email
            """;
        return (await connection.QueryAsync<PersonState>(sql)).ToList();
    }

    [Fact]
    public async Task A_batch_mixing_settled_and_resolver_rows_ends_as_the_row_path_would()
    {
        await using var database = await TestDatabase.CreateAsync();
        await SeedAsync(database);
        var report = await ImportAsync(database, batchSize: 100);

        Assert.Equal((9, 3, 4), (report.Rows, report.Created, report.Matched));
        Assert.Equal([(6, "email.email"), (7, "email.title")], report.Rejected.Select(r => (r.Row, r.Column)));
        Assert.Equal((3, 4), (report.Records["companies"].Created, report.Records["companies"].Matched));
        Assert.Equal((3, 4), (report.Records["people"].Created, report.Records["people"].Matched));
        Assert.Equal((1, 0), (report.Records["owners"].Created, report.Records["owners"].Matched));

        Assert.Equal(new List<PersonState>
        {
            Person("Ann Lee", "ann@a.example", "Acme Inc|Globex"),
            Person("Bob Roe", "bob@b.example", "Acme Inc"),
            Person("Dee Kay", "dee@d.example", "Acme Inc"),
            Person("Eve Ng", "eve@e.example", "Initech"),
            Person("Gus Ray", "gus@g.example", "Initech", "CTO", "+1 415 555 0100", "Olga Owner"),
        }, await PeopleAsync(database));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    public async Task By_name_a_row_without_an_email_finds_any_namesake_and_a_row_with_one_only_a_namesake_without(int batchSize)
    {
        // Seeded: Eve Ng with an email, Dee Kay without. "Eve Ng" without an email is her (the resolver's by-name
        // lookup); "Eve Ng" with another email is someone else; "Dee Kay" with an email is Dee (she gets it). In batches
        // of one each row is staged alone, so the set-based check alone decides which rows the resolver gets.
        const string csv = """
            name,email,company
            Eve Ng,,Initech
            Eve Ng,eve.other@x.example,Initech
            Dee Kay,dee@d.example,Acme
            """;
        await using var database = await TestDatabase.CreateAsync();
        await SeedAsync(database);
        var report = await ImportAsync(database, batchSize, csv);

        Assert.Equal((3, 1, 2), (report.Rows, report.Created, report.Matched));
        Assert.Equal(new List<PersonState>
        {
            Person("Dee Kay", "dee@d.example", "Acme"),
            Person("Eve Ng", "eve.other@x.example", "Initech"),
            Person("Eve Ng", "eve@e.example", "Initech"),
        }, await PeopleAsync(database));
    }

    [Fact]
    public async Task One_row_per_batch_and_one_batch_for_all_give_the_same_records_and_counts()
    {
        await using var whole = await TestDatabase.CreateAsync();
        await using var single = await TestDatabase.CreateAsync();
        await SeedAsync(whole);
        await SeedAsync(single);
        var wholeReport = await ImportAsync(whole, batchSize: 100);
        var singleReport = await ImportAsync(single, batchSize: 1);

        Assert.Equal(await PeopleAsync(single), await PeopleAsync(whole));
        Assert.Equal((singleReport.Created, singleReport.Matched, singleReport.Rejected.Count), (wholeReport.Created, wholeReport.Matched, wholeReport.Rejected.Count));
        Assert.Equal(singleReport.Records.Select(r => (r.Key, r.Value.Created, r.Value.Matched)), wholeReport.Records.Select(r => (r.Key, r.Value.Created, r.Value.Matched)));

        // Re-import creates nothing.
        var again = await ImportAsync(whole, batchSize: 100);
        Assert.Equal((0, 7), (again.Created, again.Matched));
        Assert.Equal(5, await whole.CountAsync("people"));
    }
}
