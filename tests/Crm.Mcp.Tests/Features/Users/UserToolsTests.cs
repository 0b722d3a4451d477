using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Features.Users;

public sealed class UserToolsTests
{
    [Fact]
    public async Task The_current_user_is_the_default_local_user_and_owns_deals()
    {
        await using var server = await TestServer.StartAsync();
        var me = (await server.CallOkAsync("get_current_user")).GetProperty("data");
        Assert.True(me.GetProperty("is_current").GetBoolean());
        Assert.False(string.IsNullOrWhiteSpace(me.GetProperty("name").GetString()));

        var deal = (await server.CallOkAsync("create_deal_draft", new { owner_id = me.GetProperty("id").GetString() })).GetProperty("data").GetProperty("deal");
        Assert.Equal(me.GetProperty("id").GetString(), deal.GetProperty("owner").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Get_users_lists_the_default_user_first_searches_and_pages()
    {
        await using var server = await TestServer.StartAsync();
        await using (var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken))
        {
            for (var i = 0; i < 4; i++)
                await connection.ExecuteAsync("""
                    INSERT INTO users (id, first_name, last_name, email, email_key, created_at, updated_at)
                    VALUES (@id, @first, 'Seller', @email, @email, @at, @at)
                    """, new { id = Guid.NewGuid().ToString(), first = $"Rep{i}", email = $"rep{i}@example.com", at = $"2030-01-01T00:00:0{i}.000Z" });
        }

        var first = (await server.CallOkAsync("get_users", new { limit = 3 })).GetProperty("data");
        Assert.Equal(5, first.GetProperty("total").GetProperty("value").GetInt64());
        Assert.True(first.GetProperty("items")[0].GetProperty("is_current").GetBoolean());
        Assert.True(first.GetProperty("has_more").GetBoolean());
        var second = (await server.CallOkAsync("get_users", new { limit = 3, cursor = first.GetProperty("next_cursor").GetString() })).GetProperty("data");
        Assert.False(second.GetProperty("has_more").GetBoolean());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_cursor").ValueKind);
        var names = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Skip(1).Select(u => u.GetProperty("name").GetString());
        Assert.Equal(["Rep0 Seller", "Rep1 Seller", "Rep2 Seller", "Rep3 Seller"], names);

        var found = (await server.CallOkAsync("get_users", new { search = "REP2@" })).GetProperty("data");
        Assert.Equal(1, found.GetProperty("total").GetProperty("value").GetInt64());
        Assert.Equal("rep2@example.com", found.GetProperty("items")[0].GetProperty("email").GetString());
        Assert.Equal(0, (await server.CallOkAsync("get_users", new { search = "100%_" })).GetProperty("data").GetProperty("total").GetProperty("value").GetInt64());
    }

    [Theory]
    [InlineData("get_users", """{"limit": 0}""", "limit")]
    [InlineData("get_users", """{"search": " "}""", "search")]
    [InlineData("get_users", """{"cursor": "xyz"}""", "cursor")]
    [InlineData("get_users", """{"filters": [{"field": "role", "op": "equals", "value": "admin"}]}""", "filters[0].field")]
    [InlineData("get_current_user", """{"user": "me"}""", "user")]
    public async Task Bad_input_names_the_field(string tool, string arguments, string field)
    {
        await using var server = await TestServer.StartAsync();
        var error = await server.CallErrorAsync(tool, JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments));
        Assert.Equal(field, error.GetProperty("field").GetString());
    }
}
