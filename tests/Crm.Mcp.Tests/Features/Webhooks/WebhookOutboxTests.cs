using System.Text.Json;
using Crm.Mcp.Tests.Features.Journal;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Webhooks;

/// <summary>Which events a change queues and what they carry, read back through list_webhook_deliveries.</summary>
public sealed class WebhookOutboxTests
{
    private static async Task<List<JsonElement>> EventsAsync(TestServer server)
    {
        var page = (await server.CallOkAsync("list_webhook_deliveries", new { limit = 100 })).GetProperty("data");
        return page.GetProperty("items").EnumerateArray().Reverse().Select(d => d.GetProperty("payload")).ToList();
    }

    private static string[] Ids(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    [Fact]
    public async Task A_deal_draft_queues_one_event_per_record_with_links_listed_on_the_parent()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_webhook", new { url = "https://example.com/h", events = new[] { "*" } });
        var draft = (await server.CallOkAsync("create_deal_draft", new
        {
            company_name = "Acme",
            people = new object[] { new { name = "Jane", email = "jane@acme.com" }, new { name = "Bob" } },
        })).GetProperty("data");
        var people = draft.GetProperty("resolution").GetProperty("people").EnumerateArray().Select(p => p.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToArray();

        var events = await EventsAsync(server);
        Assert.Equal(["organization.created", "contact.created", "contact.created", "deal.created"], events.Select(e => e.GetProperty("type").GetString()!).ToArray());
        Assert.Equal(people, Ids(events[3].GetProperty("data").GetProperty("record").GetProperty("people")));
        Assert.Equal(people, Ids(events[0].GetProperty("data").GetProperty("record").GetProperty("people")));
        Assert.False(events[3].GetProperty("data").TryGetProperty("changed_fields", out _));
        Assert.Equal(4, events.Select(e => e.GetProperty("id").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task Attaching_and_detaching_a_contact_is_a_deal_update_with_the_list_before_and_after()
    {
        await using var server = await TestServer.StartAsync();
        var draft = (await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", people = new object[] { new { email = "a@acme.com" } } })).GetProperty("data");
        var dealId = draft.GetProperty("deal").GetProperty("id").GetString();
        var first = draft.GetProperty("resolution").GetProperty("people")[0].GetProperty("id").GetString()!;
        await JournalTests.WriteSqlAsync(server.Db, """
            INSERT INTO people (id, full_name, name_key, created_at, updated_at)
            VALUES ('00000000-0000-4000-8000-0000000000b0', 'Bob', 'bob', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')
            """);
        await server.CallOkAsync("create_webhook", new { url = "https://example.com/h", events = new[] { "deal.updated" } });

        await JournalTests.WriteSqlAsync(server.Db, "INSERT INTO deal_people (deal_id, person_id, created_at) VALUES (@dealId, '00000000-0000-4000-8000-0000000000b0', 'now')", new { dealId });
        await JournalTests.WriteSqlAsync(server.Db, "DELETE FROM deal_people WHERE person_id = @first", new { first });
        await JournalTests.WriteSqlAsync(server.Db, "INSERT INTO deal_people (deal_id, person_id, created_at) VALUES (@dealId, @first, 'now'); DELETE FROM deal_people WHERE person_id = @first", new { dealId, first });

        var events = await EventsAsync(server);
        Assert.Equal(2, events.Count); // the add-and-remove in one change nets to nothing
        var added = events[0].GetProperty("data").GetProperty("changed_fields").GetProperty("people");
        Assert.Equal(new[] { first }, Ids(added.GetProperty("before")));
        Assert.Equal(new[] { first, "00000000-0000-4000-8000-0000000000b0" }.Order(StringComparer.Ordinal), Ids(added.GetProperty("after")));
        var removed = events[1].GetProperty("data").GetProperty("changed_fields").GetProperty("people");
        Assert.Equal(["00000000-0000-4000-8000-0000000000b0"], Ids(removed.GetProperty("after")));
        Assert.Equal(["people"], events[1].GetProperty("data").GetProperty("changed_fields").EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("Acme deal", events[1].GetProperty("data").GetProperty("record").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Re_pointing_a_link_like_a_merge_does_is_a_remove_and_an_add()
    {
        await using var server = await TestServer.StartAsync();
        var draft = (await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", people = new object[] { new { email = "a@acme.com" }, new { email = "b@acme.com" } } })).GetProperty("data");
        var people = draft.GetProperty("resolution").GetProperty("people").EnumerateArray().Select(p => p.GetProperty("id").GetString()!).ToArray();
        await JournalTests.WriteSqlAsync(server.Db, "DELETE FROM deal_people WHERE person_id = @loser", new { loser = people[1] });
        await server.CallOkAsync("create_webhook", new { url = "https://example.com/h", events = new[] { "deal.updated" } });
        await JournalTests.WriteSqlAsync(server.Db, "UPDATE deal_people SET person_id = @winner WHERE person_id = @loser", new { loser = people[0], winner = people[1] });

        var change = Assert.Single(await EventsAsync(server)).GetProperty("data").GetProperty("changed_fields").GetProperty("people");
        Assert.Equal([people[0]], Ids(change.GetProperty("before")));
        Assert.Equal([people[1]], Ids(change.GetProperty("after")));
    }

    [Fact]
    public async Task A_deleted_deal_lists_the_people_it_had()
    {
        await using var server = await TestServer.StartAsync();
        var draft = (await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", people = new object[] { new { email = "a@acme.com" } } })).GetProperty("data");
        var person = draft.GetProperty("resolution").GetProperty("people")[0].GetProperty("id").GetString()!;
        await server.CallOkAsync("create_webhook", new { url = "https://example.com/h", events = new[] { "deal.deleted", "deal.updated" } });
        await JournalTests.WriteSqlAsync(server.Db, "DELETE FROM deals");

        var deleted = Assert.Single(await EventsAsync(server));
        Assert.Equal("deal.deleted", deleted.GetProperty("type").GetString());
        Assert.Equal([person], Ids(deleted.GetProperty("data").GetProperty("record").GetProperty("people")));
    }
}
