using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Journal;

/// <summary>The catalog's write tools are journaled, revertable and publish webhooks without calling the journal.</summary>
public sealed class CatalogJournalTests
{
    private static async Task<JsonElement> LatestChangeAsync(TestServer server) =>
        (await server.CallOkAsync("get_changes", new { limit = 1 })).GetProperty("data").GetProperty("items")[0];

    [Fact]
    public async Task A_deleted_contact_comes_back_with_its_company_link_and_custom_field_value()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_contacts", new { items = new[] { new { name = "Jane Founder", email = "jane@acme.com", company_name = "Acme" } } });
        await server.CallOkAsync("create_custom_field", new { entity = "contacts", label = "Lead source", type = "text" });
        await server.CallOkAsync("set_custom_field_values", new { entity = "contacts", record = "jane@acme.com", values = new { lead_source = "Referral" } });
        var before = await server.CallOkAsync("get_contact", new { contact = "jane@acme.com" });

        await server.CallOkAsync("delete_contacts", new { contacts = new[] { "jane@acme.com" } });
        var deletion = await LatestChangeAsync(server);
        Assert.Equal("delete_contacts", deletion.GetProperty("tool").GetString());
        var entities = deletion.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("entity").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "people", "company_people", "custom_field_values" }, entities);
        await server.CallErrorAsync("get_contact", new { contact = "jane@acme.com" });

        await server.CallOkAsync("revert_change", new { change_id = deletion.GetProperty("id").GetInt64() });
        var after = await server.CallOkAsync("get_contact", new { contact = "jane@acme.com" });
        Assert.Equal(JsonSerializer.Serialize(before), JsonSerializer.Serialize(after));
    }

    [Fact]
    public async Task An_update_tool_is_journaled_field_by_field_and_a_task_publishes_task_created_with_its_links()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_webhook", new { url = "https://example.com/h", events = new[] { "contact.updated", "task.created" } });
        await server.CallOkAsync("create_contacts", new { items = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } });
        await server.CallOkAsync("update_contact", new { contact = "jane@acme.com", title = "CEO" });

        var update = await LatestChangeAsync(server);
        Assert.Equal("update_contact", update.GetProperty("tool").GetString());
        var person = update.GetProperty("records").EnumerateArray().Single(r => r.GetProperty("entity").GetString() == "people");
        Assert.Equal("CEO", person.GetProperty("changed_fields").GetProperty("title").GetProperty("after").GetString());

        await server.CallOkAsync("create_tasks", new { tasks = new[] { new { title = "Send proposal", contacts = new[] { "jane@acme.com" } } } });
        var deliveries = (await server.CallOkAsync("list_webhook_deliveries")).GetProperty("data").GetProperty("items").EnumerateArray()
            .Select(d => d.GetProperty("payload")).Reverse().ToList();
        Assert.Equal(["contact.updated", "task.created"], deliveries.Select(p => p.GetProperty("type").GetString()!).ToArray());
        Assert.Equal(person.GetProperty("record_id").GetString(),
            deliveries[1].GetProperty("data").GetProperty("record").GetProperty("people")[0].GetString());
    }
}
