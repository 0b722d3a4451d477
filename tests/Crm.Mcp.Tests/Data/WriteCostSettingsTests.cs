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
}
