using Crm.Mcp.Cli;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Cli;

public sealed class SeedDemoTests
{
    [Fact]
    public async Task Command_fills_an_empty_database_and_refuses_a_second_run()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        var exit = await CrmCli.Build().Parse(["seed-demo", "--db", database.Path, "--deals", "100", "--seed", "7"]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, exit);

        Assert.Equal(100, await database.CountAsync("deals"));
        Assert.Equal(20, await database.CountAsync("companies"));
        Assert.InRange(await database.CountAsync("people"), 40, 80);
        Assert.Equal(await database.CountAsync("people"), await database.CountAsync("company_people"));
        Assert.InRange(await database.CountAsync("services"), 100, 300);
        Assert.InRange(await database.CountAsync("tasks"), 20, 200);
        Assert.Equal(5, await database.CountAsync("users"));
        await using (var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken))
        {
            // Every stage holds deals, and each deal's amount is the sum of its line items.
            Assert.Equal(6, await connection.ExecuteScalarAsync<long>("SELECT COUNT(DISTINCT stage_id) FROM deals"));
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("""
                SELECT COUNT(*) FROM deals d
                WHERE d.amount_minor <> (SELECT SUM(s.amount_minor * s.quantity) FROM services s WHERE s.deal_id = d.id)
                """));
            // The triggers indexed every record for search_all.
            Assert.Equal(await connection.ExecuteScalarAsync<long>("SELECT (SELECT COUNT(*) FROM deals) + (SELECT COUNT(*) FROM companies) + (SELECT COUNT(*) FROM people) + (SELECT COUNT(*) FROM tasks)"),
                await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM search_documents"));
        }

        var before = await database.FingerprintAsync();
        var again = await CrmCli.Build().Parse(["seed-demo", "--db", database.Path, "--deals", "10"]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, again);
        Assert.Equal(before, await database.FingerprintAsync());
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_rows()
    {
        async Task<string> Dump(int seed)
        {
            await using var database = await TestDatabase.CreateAsync();
            await SeedDemoCommand.SeedAsync(database.Db, new SeedDemoCommand.Options(Deals: 30, Seed: seed), TestContext.Current.CancellationToken);
            await using var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken);
            var rows = await connection.QueryAsync<string>("""
                SELECT d.id || d.identifier || d.name || d.amount_minor || d.stage_id || d.created_at || c.name
                FROM deals d JOIN companies c ON c.id = d.company_id ORDER BY d.identifier
                """);
            return string.Join("\n", rows);
        }
        var first = await Dump(3);
        Assert.Equal(first, await Dump(3));
        Assert.NotEqual(first, await Dump(4));
    }

    [Fact]
    public async Task Seeded_data_works_with_the_tools()
    {
        await using var database = await TestDatabase.CreateAsync();
        await SeedDemoCommand.SeedAsync(database.Db, new SeedDemoCommand.Options(Deals: 50), TestContext.Current.CancellationToken);
        await using var server = await TestServer.StartAsync(database: database);

        var created = await server.CallOkAsync("create_deal_draft", new { company_name = "Brand New Co" });
        Assert.Equal("DEAL-051", created.GetProperty("data").GetProperty("deal").GetProperty("identifier").GetString());

        string companyName;
        await using (var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken))
            companyName = await connection.QueryFirstAsync<string>("SELECT name FROM companies ORDER BY name LIMIT 1");
        var hits = (await server.CallOkAsync("search_all", new { query = companyName, types = new[] { "company" } })).GetProperty("data").GetProperty("items");
        Assert.Equal(companyName, hits[0].GetProperty("title").GetString());
    }
}
