using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Resolution;
using Crm.Mcp.Tests.Infrastructure;
using Crm.Mcp.Transfer;
using Dapper;

namespace Crm.Mcp.Tests.Data;

/// <summary>Bulk calls and import batches write the search index once at their end (migration 0102): what search_all
/// finds afterwards is exactly what row-by-row maintenance gave, and the FTS5 indexes agree with their content.</summary>
public sealed class SearchIndexBatchTests
{
    private static object Args(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    private static async Task<List<string>> TitlesAsync(TestServer server, string query) =>
        (await server.CallOkAsync("search_all", new { query })).GetProperty("data").GetProperty("items").EnumerateArray()
        .Select(i => i.GetProperty("title").GetString()!).ToList();

    /// <summary>FTS5's own check that an external-content index holds exactly its content table's text.</summary>
    private static async Task AssertIndexesAgreeAsync(TestDatabase database)
    {
        if (TestDatabase.IsPostgres) return; // a tsvector column is written with its row: nothing deferred
        await using var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken);
        await connection.ExecuteAsync("INSERT INTO search_words (search_words, rank) VALUES ('integrity-check', 1)");
        await connection.ExecuteAsync("INSERT INTO search_trigrams (search_trigrams, rank) VALUES ('integrity-check', 1)");
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT (SELECT COUNT(*) FROM search_pending) + (SELECT COUNT(*) FROM write_batch)"));
    }

    [Fact]
    public async Task A_bulk_create_then_a_bulk_rename_are_found_by_their_new_names_only()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_contacts", Args("""
            {"items": [{"name": "Quintessa Vale", "email": "quintessa@zephyrine.com", "company_name": "Zephyrine Labs"},
                       {"name": "Orrin Blackwood", "email": "orrin@zephyrine.com", "company_name": "Zephyrine Labs"},
                       {"name": "Maelis Corbin", "email": "maelis@halvorsen.io", "company_name": "Halvorsen Works"}]}
            """));
        Assert.Contains("Quintessa Vale", await TitlesAsync(server, "Quintessa"));
        Assert.Contains("Halvorsen Works", await TitlesAsync(server, "Halvorsen"));
        await AssertIndexesAgreeAsync(server.Database);

        // Two changes to one person in one batch: the index ends with the last.
        await server.CallOkAsync("update_contacts", Args("""
            {"items": [{"contact": "quintessa@zephyrine.com", "name": "Quintessa Marlowe"},
                       {"contact": "quintessa@zephyrine.com", "name": "Quintessa Ashdown"},
                       {"contact": "orrin@zephyrine.com", "title": "Chief Cartographer"}]}
            """));
        Assert.Contains("Quintessa Ashdown", await TitlesAsync(server, "Ashdown"));
        Assert.Empty(await TitlesAsync(server, "Marlowe"));
        Assert.DoesNotContain("Quintessa Vale", await TitlesAsync(server, "Quintessa"));
        Assert.Contains("Orrin Blackwood", await TitlesAsync(server, "Cartographer"));
        await AssertIndexesAgreeAsync(server.Database);

        // An atomic batch that fails leaves the index as it was.
        var error = await server.CallErrorAsync("update_contacts", Args("""
            {"items": [{"contact": "maelis@halvorsen.io", "name": "Maelis Thornquist"}, {"contact": "nobody@halvorsen.io", "title": "X"}]}
            """));
        Assert.Equal("items[1].contact", error.GetProperty("field").GetString());
        Assert.Empty(await TitlesAsync(server, "Thornquist"));
        Assert.Contains("Maelis Corbin", await TitlesAsync(server, "Maelis"));
        await AssertIndexesAgreeAsync(server.Database);
    }

    [Fact]
    public async Task Deleting_in_bulk_takes_the_records_out_of_the_index()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_companies", Args("""{"items": [{"name": "Vantablack Optics"}, {"name": "Vantablue Paints"}]}"""));
        Assert.Equal(2, (await TitlesAsync(server, "Vanta")).Count);
        await server.CallOkAsync("delete_companies", Args("""{"companies": ["Vantablack Optics"]}"""));
        Assert.Equal(["Vantablue Paints"], await TitlesAsync(server, "Vanta"));
        await AssertIndexesAgreeAsync(server.Database);
    }

    [Fact]
    public async Task An_imported_batch_is_searchable_and_a_dry_run_leaves_nothing_behind()
    {
        await using var database = await TestDatabase.CreateAsync();
        var plan = ImportMapping.Map(ImportSource.Pipedrive, CsvFile.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", "import", "pipedrive-people.csv")));
        var importer = new Importer(database.Db, new Resolver(), new CrmSettings { DatabasePath = database.Path });
        var before = await database.FingerprintAsync();
        await importer.RunAsync(plan, dryRun: true, batchSize: 3, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(before, await database.FingerprintAsync());
        var report = await importer.RunAsync(plan, batchSize: 3, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(report.Created > 0);
        await AssertIndexesAgreeAsync(database);
        await using var server = await TestServer.StartAsync(database: database);
        await using var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken);
        foreach (var name in await connection.QueryAsync<string>("SELECT full_name FROM people WHERE full_name <> '' LIMIT 3"))
            Assert.Contains(name, await TitlesAsync(server, name));
    }
}
