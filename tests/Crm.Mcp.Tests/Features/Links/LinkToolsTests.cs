using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Links;

public sealed class LinkToolsTests
{
    private static async Task<string> SeedAsync(TestServer server)
    {
        await server.CallOkAsync("create_deal_draft", new { name = "Acme platform", people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex", people = new[] { new { name = "Bob Buyer" } } });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme, Inc." });
        return (await server.CallOkAsync("create_tasks", new { items = new[] { new { title = "Follow up" } } }))
            .GetProperty("data").GetProperty("results")[0].GetProperty("result").GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> LinkAsync(TestServer server, string tool, string fromType, string from, string toType, params string[] to) =>
        (await server.CallOkAsync(tool, new { from_type = fromType, from, to_type = toType, to })).GetProperty("data");

    [Fact]
    public async Task Deal_contact_links_are_idempotent_both_ways()
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server);

        var first = await LinkAsync(server, "link_entities", "deal", "DEAL-001", "contact", "Bob Buyer", "jane@acme.com");
        Assert.Equal("deal-contact", first.GetProperty("pair").GetString());
        Assert.Equal("Acme platform", first.GetProperty("from").GetProperty("name").GetString());
        Assert.Equal([true, false], first.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("changed").GetBoolean()));
        Assert.Equal(1, first.GetProperty("changed_count").GetInt64());

        // The same pair named from the other side, again: nothing changes and nothing is duplicated.
        var again = await LinkAsync(server, "link_entities", "person", "bob buyer", "deals", "Acme platform");
        Assert.Equal("deal-contact", again.GetProperty("pair").GetString());
        Assert.Equal(0, again.GetProperty("changed_count").GetInt64());
        var people = (await server.CallOkAsync("get_deal", new { deal = "DEAL-001" })).GetProperty("data").GetProperty("people");
        Assert.Equal(["Bob Buyer", "Jane Founder"], people.EnumerateArray().Select(p => p.GetProperty("person").GetProperty("full_name").GetString()!).Order());

        var removed = await LinkAsync(server, "unlink_entities", "deal", "DEAL-001", "contact", "Bob Buyer");
        Assert.True(removed.GetProperty("results")[0].GetProperty("changed").GetBoolean());
        var removedAgain = await LinkAsync(server, "unlink_entities", "deal", "DEAL-001", "contact", "Bob Buyer");
        Assert.False(removedAgain.GetProperty("results")[0].GetProperty("changed").GetBoolean());
        Assert.Equal(1, (await server.CallOkAsync("get_deal", new { deal = "DEAL-001" })).GetProperty("data").GetProperty("people").GetArrayLength());
        Assert.Equal(2, await server.Database.CountAsync("people"));
    }

    [Fact]
    public async Task A_deal_has_one_company_linking_a_second_is_a_conflict()
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server);

        var linked = await LinkAsync(server, "link_entities", "company", "acme", "deal", "DEAL-001");
        Assert.Equal("deal-company", linked.GetProperty("pair").GetString());
        Assert.True(linked.GetProperty("results")[0].GetProperty("changed").GetBoolean());
        var deal = (await server.CallOkAsync("get_deal", new { deal = "DEAL-001" })).GetProperty("data");
        Assert.Equal("Acme, Inc.", deal.GetProperty("company").GetProperty("name").GetString());
        Assert.Equal(1, deal.GetProperty("company_sort_index").GetInt64());
        Assert.False((await LinkAsync(server, "link_entities", "deal", "DEAL-001", "company", "Acme")).GetProperty("results")[0].GetProperty("changed").GetBoolean());

        var before = await server.Database.FingerprintAsync();
        var conflict = await server.CallErrorAsync("link_entities", new { from_type = "deal", from = "DEAL-001", to_type = "company", to = new[] { "Globex" } });
        Assert.Equal("conflict", conflict.GetProperty("code").GetString());
        Assert.Equal("to[0]", conflict.GetProperty("field").GetString());
        Assert.Contains("Acme, Inc.", conflict.GetProperty("message").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());

        Assert.False((await LinkAsync(server, "unlink_entities", "deal", "DEAL-001", "company", "Globex")).GetProperty("results")[0].GetProperty("changed").GetBoolean());
        Assert.True((await LinkAsync(server, "unlink_entities", "deal", "DEAL-001", "company", "Acme")).GetProperty("results")[0].GetProperty("changed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, (await server.CallOkAsync("get_deal", new { deal = "DEAL-001" })).GetProperty("data").GetProperty("company").ValueKind);
        Assert.Equal(2, await server.Database.CountAsync("companies"));
    }

    [Fact]
    public async Task Contacts_join_companies_and_tasks_link_to_anything()
    {
        await using var server = await TestServer.StartAsync();
        var task = await SeedAsync(server);

        var member = await LinkAsync(server, "link_entities", "contact", "jane@acme.com", "company", "Acme", "Globex");
        Assert.Equal("contact-company", member.GetProperty("pair").GetString());
        Assert.Equal(2, member.GetProperty("changed_count").GetInt64());
        Assert.Equal(2, await server.Database.CountAsync("company_people") - 1);
        Assert.Equal(0, (await LinkAsync(server, "link_entities", "company", "Globex", "contact", "jane@acme.com")).GetProperty("changed_count").GetInt64());

        Assert.Equal("task-deal", (await LinkAsync(server, "link_entities", "task", task, "deal", "DEAL-001", "DEAL-002")).GetProperty("pair").GetString());
        Assert.Equal("task-company", (await LinkAsync(server, "link_entities", "company", "Globex", "task", task)).GetProperty("pair").GetString());
        Assert.Equal("task-contact", (await LinkAsync(server, "link_entities", "task", task, "contact", "Bob Buyer")).GetProperty("pair").GetString());
        Assert.Equal(0, (await LinkAsync(server, "link_entities", "task", task, "deal", "DEAL-002")).GetProperty("changed_count").GetInt64());

        var linked = (await server.CallOkAsync("get_tasks", new { view = "full", deal = "DEAL-002" })).GetProperty("data").GetProperty("items")[0];
        Assert.Equal(2, linked.GetProperty("deals").GetArrayLength());
        Assert.Equal("Globex", linked.GetProperty("companies")[0].GetProperty("name").GetString());
        Assert.Equal("Bob Buyer", linked.GetProperty("contacts")[0].GetProperty("full_name").GetString());

        Assert.Equal(1, (await LinkAsync(server, "unlink_entities", "deal", "DEAL-001", "task", task)).GetProperty("changed_count").GetInt64());
        Assert.Equal(0, (await server.CallOkAsync("get_tasks", new { view = "full", deal = "DEAL-001" })).GetProperty("data").GetProperty("total").GetProperty("value").GetInt64());
    }

    private const string Missing = "0f8e2c1a-3b4d-4e5f-8a6b-7c8d9e0f1a2b";

    public static TheoryData<string, string, string> BadInput() => new()
    {
        { "link_entities", """{"from_type": "deal", "from": "DEAL-001", "to_type": "deal", "to": ["DEAL-002"]}""", "to_type" },
        { "link_entities", """{"from_type": "company", "from": "Acme", "to_type": "company", "to": ["Globex"]}""", "to_type" },
        { "link_entities", """{"from_type": "invoice", "from": "X", "to_type": "deal", "to": ["DEAL-001"]}""", "from_type" },
        { "link_entities", """{"from_type": "deal", "from": "DEAL-001", "to_type": "contact", "to": []}""", "to" },
        { "link_entities", """{"from_type": "deal", "from": "DEAL-001", "to_type": "contact", "to": "Bob Buyer"}""", "to" },
        { "link_entities", """{"from_type": "deal", "from": "DEAL-404", "to_type": "contact", "to": ["Bob Buyer"]}""", "from" },
        { "link_entities", """{"from_type": "deal", "from": "DEAL-001", "to_type": "contact", "to": ["Bob Buyer", "Nobody Here"]}""", "to[1]" },
        { "link_entities", $$"""{"from_type": "task", "from": "{{Missing}}", "to_type": "deal", "to": ["DEAL-001"]}""", "from" },
        { "link_entities", """{"from_type": "task", "from": "not-a-uuid", "to_type": "deal", "to": ["DEAL-001"]}""", "from" },
        { "link_entities", """{"from_type": "deal", "from": "DEAL-001", "to": ["Bob Buyer"]}""", "to_type" },
        { "unlink_entities", """{"from_type": "contact", "from": "Bob Buyer", "to_type": "person", "to": ["Jane Founder"]}""", "to_type" },
        { "unlink_entities", """{"from_type": "deal", "from": "DEAL-001", "to_type": "company", "to": ["Nobody"]}""", "to[0]" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_names_the_field_and_writes_nothing(string tool, string arguments, string field)
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server);
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync(tool, JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments));
        Assert.True(field == error.GetProperty("field").GetString(), error.GetRawText());
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("expected").GetString()));
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }
}
