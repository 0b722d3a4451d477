using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Activities;

public sealed class ActivityToolsTests
{
    private static async Task<TestServer> SeededAsync()
    {
        var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme, Inc.", name = "Acme renewal", people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex", name = "Globex pilot", people = new[] { new { name = "Hank Scorpio", email = "hank@globex.com" } } });
        return server;
    }

    private static string[] Names(JsonElement links) => links.EnumerateArray().Select(l => l.GetProperty("name").GetString()!).ToArray();

    private static Task<JsonElement> LogCallAsync(TestServer server, object? extra = null) =>
        server.CallOkAsync("log_activity", Merge(new Dictionary<string, object?>
        {
            ["type"] = "call", ["subject"] = "Pricing call with Jane", ["body"] = "- Budget **approved**", ["occurred_at"] = "2026-11-30T15:00:00Z",
            ["duration_minutes"] = 20, ["direction"] = "outbound", ["outcome"] = "connected",
            ["contacts"] = new[] { "jane@acme.com" }, ["users"] = new[] { "me" }, ["deals"] = new[] { "DEAL-001" }, ["companies"] = new[] { "acme inc" },
        }, extra));

    private static Dictionary<string, object?> Merge(Dictionary<string, object?> args, object? extra)
    {
        if (extra is not null)
            foreach (var (k, v) in JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(extra))!) args[k] = v;
        return args;
    }

    [Fact]
    public async Task Log_activity_links_participants_and_records_found_by_name_or_email()
    {
        await using var server = await SeededAsync();
        var activity = (await LogCallAsync(server)).GetProperty("data");
        Assert.Equal("call", activity.GetProperty("type").GetString());
        Assert.Equal("2026-11-30T15:00:00.000Z", activity.GetProperty("occurred_at").GetString());
        Assert.Equal(20, activity.GetProperty("duration_minutes").GetInt64());
        Assert.Equal("outbound", activity.GetProperty("direction").GetString());
        Assert.Equal(["Jane Founder <jane@acme.com>"], Names(activity.GetProperty("contacts")));
        Assert.Equal(["DEAL-001 Acme renewal"], Names(activity.GetProperty("deals")));
        Assert.Equal(["Acme, Inc."], Names(activity.GetProperty("companies")));
        Assert.Equal(1, activity.GetProperty("users").GetArrayLength());
        Assert.Equal(activity.GetProperty("users")[0].GetProperty("id").GetString(), activity.GetProperty("logged_by").GetString());
    }

    [Fact]
    public async Task Get_activities_lists_newest_first_with_shortcuts_and_filters()
    {
        await using var server = await SeededAsync();
        await LogCallAsync(server);
        await server.CallOkAsync("log_activity", new { type = "meeting", subject = "Globex kickoff", occurred_at = "2026-12-02", contacts = new[] { "Hank Scorpio" }, deals = new[] { "Globex pilot" } });
        await server.CallOkAsync("log_activity", new { type = "email", subject = "Sent contract to Jane", occurred_at = "2026-12-01T09:00:00Z", contacts = new[] { "jane@acme.com" } });

        static string[] Subjects(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("subject").GetString()!).ToArray();
        var all = (await server.CallOkAsync("get_activities")).GetProperty("data");
        Assert.Equal(["Globex kickoff", "Sent contract to Jane", "Pricing call with Jane"], Subjects(all));
        Assert.Equal(["Sent contract to Jane", "Pricing call with Jane"], Subjects((await server.CallOkAsync("get_activities", new { contact = "jane@acme.com" })).GetProperty("data")));
        Assert.Equal(["Pricing call with Jane"], Subjects((await server.CallOkAsync("get_activities", new { deal = "DEAL-001" })).GetProperty("data")));
        Assert.Equal(["Globex kickoff"], Subjects((await server.CallOkAsync("get_activities", new { type = "meeting" })).GetProperty("data")));
        Assert.Equal(["Pricing call with Jane"], Subjects((await server.CallOkAsync("get_activities", new
        {
            filters = new[] { new { field = "occurred_at", op = "lte", value = "2026-11-30" } },
        })).GetProperty("data")));
        Assert.Equal(["Pricing call with Jane"], Subjects((await server.CallOkAsync("get_activities", new { search = "approved" })).GetProperty("data")));
    }

    [Fact]
    public async Task Update_activity_replaces_given_lists_keeps_omitted_ones_and_clears()
    {
        await using var server = await SeededAsync();
        var id = (await LogCallAsync(server)).GetProperty("data").GetProperty("id").GetString();
        var updated = (await server.CallOkAsync("update_activity", new { activity = id, outcome = "left voicemail", contacts = new[] { "hank@globex.com", "jane@acme.com" }, clear = new[] { "direction" } })).GetProperty("data");
        Assert.Equal("left voicemail", updated.GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, updated.GetProperty("direction").ValueKind);
        Assert.Equal(2, updated.GetProperty("contacts").GetArrayLength());
        Assert.Equal(["DEAL-001 Acme renewal"], Names(updated.GetProperty("deals")));
        var emptied = (await server.CallOkAsync("update_activity", new { activity = id, deals = Array.Empty<string>() })).GetProperty("data");
        Assert.Equal(0, emptied.GetProperty("deals").GetArrayLength());
        Assert.Equal("Pricing call with Jane", emptied.GetProperty("subject").GetString());
    }

    [Fact]
    public async Task Delete_dry_run_and_idempotency_work_like_every_write()
    {
        await using var server = await SeededAsync();
        var preview = await LogCallAsync(server, new { dry_run = true });
        Assert.True(preview.GetProperty("dry_run").GetBoolean());
        Assert.Equal(0, await server.Database.CountAsync("activities"));

        var first = await LogCallAsync(server, new { idempotency_key = "call-1" });
        var replay = await LogCallAsync(server, new { idempotency_key = "call-1" });
        Assert.True(replay.GetProperty("idempotent_replay").GetBoolean());
        Assert.Equal(first.GetProperty("data").GetProperty("id").GetString(), replay.GetProperty("data").GetProperty("id").GetString());
        Assert.Equal(1, await server.Database.CountAsync("activities"));

        var id = first.GetProperty("data").GetProperty("id").GetString()!;
        await server.CallOkAsync("delete_activities", new { activities = new[] { id }, dry_run = true });
        Assert.Equal(1, await server.Database.CountAsync("activities"));
        await server.CallOkAsync("delete_activities", new { activities = new[] { id } });
        Assert.Equal(0, await server.Database.CountAsync("activities"));
        Assert.Equal(0, await server.Database.CountAsync("activity_people"));
    }

    [Fact]
    public async Task A_deleted_activity_comes_back_with_its_links_through_revert_change()
    {
        await using var server = await SeededAsync();
        var id = (await LogCallAsync(server)).GetProperty("data").GetProperty("id").GetString()!;
        await server.CallOkAsync("delete_activities", new { activities = new[] { id } });
        var deletion = (await server.CallOkAsync("get_changes", new { limit = 1 })).GetProperty("data").GetProperty("items")[0].GetProperty("id").GetInt64();
        await server.CallOkAsync("revert_change", new { change_id = deletion });
        var restored = Assert.Single((await server.CallOkAsync("get_activities")).GetProperty("data").GetProperty("items").EnumerateArray());
        Assert.Equal(id, restored.GetProperty("id").GetString());
        Assert.Equal(1, restored.GetProperty("contacts").GetArrayLength());
        Assert.Equal(1, restored.GetProperty("deals").GetArrayLength());
    }

    [Fact]
    public async Task Activities_send_webhooks_and_are_found_by_search_all()
    {
        await using var server = await SeededAsync();
        await server.CallOkAsync("create_webhook", new { url = "https://example.com/h", events = new[] { "activity.created", "activity.updated", "activity.deleted" } });
        var id = (await LogCallAsync(server)).GetProperty("data").GetProperty("id").GetString()!;
        await server.CallOkAsync("update_activity", new { activity = id, subject = "Pricing call with Jane (follow-up)" });

        var hits = (await server.CallOkAsync("search_all", new { query = "budget approved", types = new[] { "activity" } })).GetProperty("data").GetProperty("items");
        Assert.Equal(id, Assert.Single(hits.EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal("activity", hits[0].GetProperty("type").GetString());

        await server.CallOkAsync("delete_activities", new { activities = new[] { id } });
        Assert.Empty((await server.CallOkAsync("search_all", new { query = "budget approved" })).GetProperty("data").GetProperty("items").EnumerateArray());

        var events = (await server.CallOkAsync("list_webhook_deliveries", new { limit = 100 })).GetProperty("data").GetProperty("items")
            .EnumerateArray().Reverse().Select(d => d.GetProperty("payload")).ToList();
        Assert.Equal(["activity.created", "activity.updated", "activity.deleted"], events.Select(e => e.GetProperty("type").GetString()));
        var record = events[0].GetProperty("data").GetProperty("record");
        Assert.Equal(1, record.GetProperty("contacts").GetArrayLength());
        Assert.Equal(1, record.GetProperty("deals").GetArrayLength());
        Assert.Equal("Pricing call with Jane (follow-up)", events[1].GetProperty("data").GetProperty("changed_fields").GetProperty("subject").GetProperty("after").GetString());
    }

    [Fact]
    public async Task Bad_input_names_the_field_and_writes_nothing()
    {
        await using var server = await SeededAsync();
        var type = await server.CallErrorAsync("log_activity", new { type = "lunch", subject = "x" });
        Assert.Equal("type", type.GetProperty("field").GetString());
        Assert.Contains("meeting", type.GetProperty("expected").GetString());
        Assert.Equal("subject", (await server.CallErrorAsync("log_activity", new { type = "call", subject = " " })).GetProperty("field").GetString());
        Assert.Equal("occurred_at", (await server.CallErrorAsync("log_activity", new { type = "call", subject = "x", occurred_at = "yesterday" })).GetProperty("field").GetString());
        Assert.Equal("duration_minutes", (await server.CallErrorAsync("log_activity", new { type = "call", subject = "x", duration_minutes = -5 })).GetProperty("field").GetString());
        Assert.Equal("direction", (await server.CallErrorAsync("log_activity", new { type = "call", subject = "x", direction = "sideways" })).GetProperty("field").GetString());
        var contact = await server.CallErrorAsync("log_activity", new { type = "call", subject = "x", contacts = new[] { "jane@acme.com", "nobody@nowhere.com" } });
        Assert.Equal("contacts[1]", contact.GetProperty("field").GetString());
        Assert.Equal("not_found", contact.GetProperty("code").GetString());
        var user = await server.CallErrorAsync("log_activity", new { type = "call", subject = "x", users = new[] { "Nobody Here" } });
        Assert.Equal("users[0]", user.GetProperty("field").GetString());
        Assert.Equal(0, await server.Database.CountAsync("activities"));

        Assert.Equal("activity", (await server.CallErrorAsync("update_activity", new { activity = "not-a-uuid", subject = "x" })).GetProperty("field").GetString());
        var missing = await server.CallErrorAsync("update_activity", new { activity = Guid.NewGuid().ToString(), subject = "x" });
        Assert.Equal("not_found", missing.GetProperty("code").GetString());
        var id = (await LogCallAsync(server)).GetProperty("data").GetProperty("id").GetString();
        Assert.Equal("activity", (await server.CallErrorAsync("update_activity", new { activity = id })).GetProperty("field").GetString());
        Assert.Equal("clear[0]", (await server.CallErrorAsync("update_activity", new { activity = id, clear = new[] { "subject" } })).GetProperty("field").GetString());
        Assert.Equal("activities[0]", (await server.CallErrorAsync("delete_activities", new { activities = new[] { Guid.NewGuid().ToString() } })).GetProperty("field").GetString());
    }
}
