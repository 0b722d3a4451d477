using Crm.Mcp.Data;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Data;

/// <summary>Settings that keep a write's cost down (BENCHMARKS.md, issue 15, sixth session): what each one buys is
/// measured there; these tests keep them from being lost.</summary>
public sealed class WriteCostSettingsTests
{
    [Fact]
    public async Task SQLite_connections_keep_savepoint_journals_in_memory_and_checkpoint_every_10000_pages()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("SQLite connection settings");
        var ct = TestContext.Current.CancellationToken;
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.Database.Db.OpenAsync(ct);
        // 2 = MEMORY: at the default (a file past 64 KiB) every draft created and deleted a journal file in /var/tmp.
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>("PRAGMA temp_store"));
        Assert.Equal(CrmDb.AutoCheckpointPages, await connection.ExecuteScalarAsync<int>("PRAGMA wal_autocheckpoint"));
    }

    [Fact]
    public async Task New_ids_are_uuid_version_7_and_sort_in_creation_order()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await TestServer.StartAsync();
        var ids = new List<string>();
        foreach (var name in new[] { "Alder Works", "Birch Labs", "Cedar Mills" })
        {
            var deal = (await server.CallOkAsync("create_deal_draft", new { company_name = name, people = new[] { new { name = $"Ann {name}" } } }))
                .GetProperty("data").GetProperty("deal");
            ids.Add(deal.GetProperty("id").GetString()!);
            ids.Add(deal.GetProperty("company_id").GetString()!);
            // UUIDv7 orders by millisecond; ids made within one millisecond may sort either way.
            await Task.Delay(2, ct);
        }
        Assert.All(ids, id => Assert.Equal(7, Guid.Parse(id).Version));
        var deals = ids.Where((_, i) => i % 2 == 0).ToList();
        var companies = ids.Where((_, i) => i % 2 == 1).ToList();
        Assert.Equal(deals.Order(StringComparer.Ordinal), deals);
        Assert.Equal(companies.Order(StringComparer.Ordinal), companies);
    }
}
