using Crm.Mcp.Security;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Hosting.Http;

public sealed class HttpJournalTests
{
    [Fact]
    public async Task Over_http_the_journal_names_the_api_key_as_the_actor()
    {
        await using var server = await HttpTestServer.StartAsync();
        var client = await server.ConnectAsync(await server.CreateKeyAsync("cursor-laptop", AccessScope.Write));
        await HttpTestServer.CallOkAsync(client, "create_deal_draft", new { company_name = "Acme" });

        var change = (await HttpTestServer.CallOkAsync(client, "get_changes")).GetProperty("data").GetProperty("items")[0];
        Assert.Equal("cursor-laptop", change.GetProperty("actor").GetString());
        Assert.Equal("create_deal_draft", change.GetProperty("tool").GetString());
        await using var connection = await server.Database.Db.OpenAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM changes WHERE actor = 'cursor-laptop'"));
    }
}
