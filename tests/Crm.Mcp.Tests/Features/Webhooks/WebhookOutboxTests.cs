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
    public async Task Every_event_type_types_its_record_as_the_tool_replies_do()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_webhook", new { url = "https://example.com/h", events = new[] { "*" } });
        var deal = (await server.CallOkAsync("create_deal_draft", new { company_name = "Bäckerei Müller", amount = 10, people = new object[] { new { name = "Zoë Ä", email = "zoe@mueller.de" } } })).GetProperty("data").GetProperty("deal");
        var dealId = deal.GetProperty("id").GetString()!;
        await server.CallOkAsync("update_deal", new { deal = dealId, is_draft = false, amount = 20 });
        await server.CallOkAsync("update_company", new { company = "Bäckerei Müller", industry = "Bakery" });
        await server.CallOkAsync("update_contact", new { contact = "zoe@mueller.de", title = "Owner" });
        var task = (await server.CallOkAsync("create_tasks", new { items = new[] { new { title = "Call Zoë", deals = new[] { dealId } } } })).GetProperty("data").GetProperty("results")[0].GetProperty("result");
        var taskId = task.GetProperty("id").GetString()!;
        await server.CallOkAsync("update_task", new { task = taskId, status = "done" });
        var service = (await server.CallOkAsync("create_services", new { deal = dealId, items = new[] { new { name = "Workshop", amount = 25, quantity = 2 } } })).GetProperty("data").GetProperty("results")[0].GetProperty("result");
        var serviceId = service.GetProperty("id").GetString()!;
        await server.CallOkAsync("update_service", new { service = serviceId, quantity = 3 });
        var activityId = (await server.CallOkAsync("log_activity", new { type = "call", subject = "Call Zoe", duration_minutes = 5, contacts = new[] { "zoe@mueller.de" }, deals = new[] { dealId } }))
            .GetProperty("data").GetProperty("id").GetString()!;
        await server.CallOkAsync("update_activity", new { activity = activityId, outcome = "connected" });
        // What the tools reply for each entity, before the deletes.
        var replies = new Dictionary<string, JsonElement>
        {
            ["deal"] = (await server.CallOkAsync("get_deal", new { deal = dealId })).GetProperty("data"),
            ["organization"] = (await server.CallOkAsync("get_company", new { company = "Bäckerei Müller" })).GetProperty("data").GetProperty("company"),
            ["contact"] = (await server.CallOkAsync("get_contact", new { contact = "zoe@mueller.de" })).GetProperty("data").GetProperty("contact"),
            ["task"] = (await server.CallOkAsync("get_tasks", new { status = new[] { "done" }, view = "full" })).GetProperty("data").GetProperty("items")[0],
            ["service"] = (await server.CallOkAsync("get_services", new { deal = dealId, view = "full" })).GetProperty("data").GetProperty("items")[0],
            ["activity"] = (await server.CallOkAsync("get_activities", new { view = "full" })).GetProperty("data").GetProperty("items")[0],
        };
        await server.CallOkAsync("delete_activities", new { activities = new[] { activityId } });
        await server.CallOkAsync("delete_services", new { services = new[] { serviceId } });
        await server.CallOkAsync("delete_tasks", new { tasks = new[] { taskId } });
        await server.CallOkAsync("delete_deals", new { deals = new[] { dealId } });
        await server.CallOkAsync("delete_contacts", new { contacts = new[] { "zoe@mueller.de" } });
        await server.CallOkAsync("delete_companies", new { companies = new[] { "Bäckerei Müller" } });

        var events = await EventsAsync(server);
        Assert.Equal(Crm.Mcp.Features.Webhooks.WebhookOutbox.EventTypes, events.Select(e => e.GetProperty("type").GetString()!).Distinct().Order(StringComparer.Ordinal));
        foreach (var payload in events)
        {
            var type = payload.GetProperty("type").GetString()!;
            var reply = replies[type.Split('.')[0]];
            foreach (var field in payload.GetProperty("data").GetProperty("record").EnumerateObject())
            {
                if (!reply.TryGetProperty(field.Name, out var shown) || shown.ValueKind == JsonValueKind.Null || field.Value.ValueKind == JsonValueKind.Null) continue;
                var kind = shown.ValueKind is JsonValueKind.True or JsonValueKind.False ? "boolean" : shown.ValueKind.ToString();
                var sent = field.Value.ValueKind is JsonValueKind.True or JsonValueKind.False ? "boolean" : field.Value.ValueKind.ToString();
                Assert.True(kind == sent, $"{type}: record.{field.Name} is {sent} ({field.Value}), the tools reply {kind} ({shown})");
            }
        }
        var draft = events.First(e => e.GetProperty("type").GetString() == "deal.updated").GetProperty("data");
        Assert.False(draft.GetProperty("changed_fields").GetProperty("is_draft").GetProperty("after").GetBoolean());
        Assert.True(draft.GetProperty("changed_fields").GetProperty("is_draft").GetProperty("before").GetBoolean());
        // The same serializer as tool replies: text is not \u-escaped.
        await using var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken);
        var stored = await Dapper.SqlMapper.ExecuteScalarAsync<string>(connection, "SELECT payload FROM webhook_events WHERE type = 'organization.created'");
        Assert.Contains("Bäckerei Müller", stored);
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
