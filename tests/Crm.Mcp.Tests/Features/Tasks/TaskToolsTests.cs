using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Tasks;

public sealed class TaskToolsTests
{
    private static async Task SeedAsync(TestServer server)
    {
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme, Inc.", name = "Acme platform", people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex", name = "Globex pilot" });
    }

    private static async Task<JsonElement> TasksAsync(TestServer server, object? args = null) =>
        (await server.CallOkAsync("get_tasks", args)).GetProperty("data");

    [Fact]
    public async Task Create_tasks_links_records_by_name_and_assigns_the_current_user()
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server);
        var me = (await server.CallOkAsync("get_current_user")).GetProperty("data").GetProperty("id").GetString();

        var created = (await server.CallOkAsync("create_tasks", new
        {
            items = new object[]
            {
                new { title = "Call Jane about pricing", type = "Call", due = "2026-12-01T15:00:00+01:00", deals = new[] { "deal-001" }, contacts = new[] { "JANE@acme.com" }, companies = new[] { "acme" }, notes = "Ask about **seats**" },
                new { title = "Send Globex proposal", type = "follow-up", deals = new[] { "Globex pilot" }, status = "done" },
            },
        })).GetProperty("data").GetProperty("results");
        Assert.Equal(2, created.GetArrayLength());
        Assert.Equal("Call Jane about pricing", created[0].GetProperty("result").GetProperty("name").GetString());
        var all = (await server.CallOkAsync("get_tasks", new { view = "full", status = new[] { "any" } })).GetProperty("data").GetProperty("items").EnumerateArray().ToList();
        JsonElement Task(int index) => all.Single(t => t.GetProperty("id").GetString() == created[index].GetProperty("result").GetProperty("id").GetString());
        var call = Task(0);
        Assert.Equal("call", call.GetProperty("type").GetString());
        Assert.Equal("open", call.GetProperty("status").GetString());
        Assert.Equal("2026-12-01T14:00:00.000Z", call.GetProperty("due").GetString());
        Assert.Equal(me, call.GetProperty("assignee_id").GetString());
        Assert.Equal(me, call.GetProperty("assignee").GetProperty("id").GetString());
        Assert.Equal("DEAL-001", call.GetProperty("deals")[0].GetProperty("identifier").GetString());
        Assert.Equal("Acme, Inc.", call.GetProperty("companies")[0].GetProperty("name").GetString());
        Assert.Equal("jane@acme.com", call.GetProperty("contacts")[0].GetProperty("email").GetString());
        Assert.Equal("Ask about **seats**", call.GetProperty("notes").GetString());
        Assert.Equal(JsonValueKind.Null, call.GetProperty("completed_at").ValueKind);

        var followUp = Task(1);
        Assert.Equal("follow_up", followUp.GetProperty("type").GetString());
        Assert.Equal("DEAL-002", followUp.GetProperty("deals")[0].GetProperty("identifier").GetString());
        Assert.NotEqual(JsonValueKind.Null, followUp.GetProperty("completed_at").ValueKind);
        Assert.Equal(0, followUp.GetProperty("contacts").GetArrayLength());
    }

    [Fact]
    public async Task Get_tasks_filters_and_defaults_to_open_work_soonest_due_first()
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server);
        await server.CallOkAsync("create_tasks", new
        {
            items = new object[]
            {
                new { title = "No due date", deals = new[] { "DEAL-001" } },
                new { title = "Late", type = "email", due = "2020-01-01", deals = new[] { "DEAL-001" } },
                new { title = "Next week", type = "meeting", due = "2099-01-08", companies = new[] { "Globex" } },
                new { title = "Done already", due = "2020-01-02", status = "done", contacts = new[] { "Jane Founder" } },
                new { title = "Pricing call", type = "call", due = "2099-01-01", status = "in_progress", notes = "about PRICING" },
            },
        });

        string[] Titles(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("title").GetString()!).ToArray();
        Assert.Equal(["Late", "Pricing call", "Next week", "No due date"], Titles(await TasksAsync(server)));
        Assert.Equal(5, (await TasksAsync(server, new { status = new[] { "any" } })).GetProperty("total").GetProperty("value").GetInt64());
        Assert.Equal(["Done already"], Titles(await TasksAsync(server, new { status = new[] { "done" } })));
        Assert.Equal(["Late", "No due date"], Titles(await TasksAsync(server, new { deal = "DEAL-001" })));
        Assert.Equal(["Next week"], Titles(await TasksAsync(server, new { company = "globex inc" })));
        Assert.Equal(["Done already"], Titles(await TasksAsync(server, new { contact = "jane@acme.com", status = new[] { "any" } })));
        Assert.Equal(["Late"], Titles(await TasksAsync(server, new { overdue = true })));
        Assert.Equal(["Pricing call"], Titles(await TasksAsync(server, new { search = "pricing" })));
        Assert.Equal(["Pricing call", "Next week"], Titles(await TasksAsync(server, new { filters = new[] { new { field = "due", op = "between", value = new[] { "2099-01-01", "2099-01-31" } } } })));
        Assert.Equal(["Next week"], Titles(await TasksAsync(server, new { filters = new[] { new { field = "type", op = "equals", value = "meeting" } } })));
        // A status filter replaces the open-work default instead of being ANDed with it into nothing.
        Assert.Equal(["Done already"], Titles(await TasksAsync(server, new { filters = new[] { new { field = "status", op = "equals", value = "done" } } })));
        Assert.Equal(["Late", "No due date"], Titles(await TasksAsync(server, new { filters = new[] { new { field = "deals", op = "has_any", value = new[] { "deal-001" } } } })));
        Assert.Equal(["Next week", "Pricing call", "Late", "No due date"], Titles(await TasksAsync(server, new { sort = new[] { new { field = "due", direction = "desc" } } })));
        Assert.Equal(4, (await TasksAsync(server, new { assignee = "me" })).GetProperty("total").GetProperty("value").GetInt64());
        Assert.Equal(0, (await TasksAsync(server, new { assignee = "none" })).GetProperty("total").GetProperty("value").GetInt64());
    }

    [Fact]
    public async Task Non_atomic_create_writes_the_valid_tasks_and_reports_each_failure()
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server);
        var data = (await server.CallOkAsync("create_tasks", new
        {
            atomic = false,
            items = new object[] { new { title = "Good", deals = new[] { "DEAL-001" } }, new { title = "Bad", deals = new[] { "DEAL-404" } } },
        })).GetProperty("data");
        Assert.Equal(1, data.GetProperty("succeeded").GetInt32());
        Assert.Equal(1, data.GetProperty("failed").GetInt32());
        Assert.Equal("items[1].deals[0]", data.GetProperty("results")[1].GetProperty("error").GetProperty("field").GetString());
        Assert.Equal(1, await server.Database.CountAsync("tasks"));
        Assert.Equal(1, await server.Database.CountAsync("task_deals"));
    }

    [Fact]
    public async Task Get_tasks_pages_every_task_once()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_tasks", new
        {
            items = Enumerable.Range(0, 23).Select(i => new { title = $"T{i}", due = i % 3 == 0 ? null : $"2030-01-{1 + i % 5:00}" }).ToArray(),
        });
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await TasksAsync(server, new { limit = 5, cursor });
            Assert.Equal(23, page.GetProperty("total").GetProperty("value").GetInt64());
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("title").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
        } while (cursor is not null);
        Assert.Equal(23, seen.Distinct().Count());
        Assert.Equal(23, seen.Count);
    }

    [Fact]
    public async Task Update_task_changes_fields_stamps_completion_and_clears()
    {
        await using var server = await TestServer.StartAsync();
        var task = (await server.CallOkAsync("create_tasks", new { items = new[] { new { title = "Draft", due = "2030-01-01", notes = "n" } } }))
            .GetProperty("data").GetProperty("results")[0].GetProperty("result");
        var id = task.GetProperty("id").GetString();

        var done = (await server.CallOkAsync("update_task", new { task = id, status = "done", title = "Final" })).GetProperty("data");
        Assert.Equal("Final", done.GetProperty("title").GetString());
        var completedAt = done.GetProperty("completed_at").GetString();
        Assert.NotNull(completedAt);
        var stillDone = (await server.CallOkAsync("update_task", new { task = id, type = "email" })).GetProperty("data");
        Assert.Equal(completedAt, stillDone.GetProperty("completed_at").GetString());

        var reopened = (await server.CallOkAsync("update_task", new { task = id, status = "open", clear = new[] { "due", "assignee_id", "notes" } })).GetProperty("data");
        Assert.Equal(JsonValueKind.Null, reopened.GetProperty("completed_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, reopened.GetProperty("due").ValueKind);
        Assert.Equal(JsonValueKind.Null, reopened.GetProperty("assignee").ValueKind);
        Assert.Equal(JsonValueKind.Null, reopened.GetProperty("notes").ValueKind);
        Assert.Equal("email", reopened.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Notes_append_to_and_replace_a_task_notes()
    {
        await using var server = await TestServer.StartAsync();
        var id = (await server.CallOkAsync("create_tasks", new { items = new[] { new { title = "Prep call", notes = "Agenda" } } }))
            .GetProperty("data").GetProperty("results")[0].GetProperty("result").GetProperty("id").GetString();

        var appended = (await server.CallOkAsync("append_note", new { entity = "task", record = id, text = "Jane prefers mornings" })).GetProperty("data");
        Assert.Equal("Prep call", appended.GetProperty("name").GetString());
        var notes = (await TasksAsync(server, new { view = "full" })).GetProperty("items")[0].GetProperty("notes").GetString()!;
        Assert.StartsWith("Agenda", notes);
        Assert.EndsWith("Jane prefers mornings", notes);

        await server.CallOkAsync("set_notes", new { entity = "tasks", record = id, notes = "" });
        Assert.Equal(JsonValueKind.Null, (await TasksAsync(server, new { view = "full" })).GetProperty("items")[0].GetProperty("notes").ValueKind);

        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync("append_note", new { entity = "task", record = "Prep call", text = "x" });
        Assert.Equal("record", error.GetProperty("field").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task Delete_tasks_removes_them_and_their_links_only()
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server);
        var items = (await server.CallOkAsync("create_tasks", new { items = new[] { new { title = "A", deals = new[] { "DEAL-001" } }, new { title = "B", deals = new[] { "DEAL-001" } } } }))
            .GetProperty("data").GetProperty("results");
        var deleted = (await server.CallOkAsync("delete_tasks", new { tasks = new[] { items[0].GetProperty("result").GetProperty("id").GetString() } })).GetProperty("data");
        Assert.Equal("A", deleted.GetProperty("results")[0].GetProperty("result").GetProperty("name").GetString());
        Assert.Equal(1, await server.Database.CountAsync("tasks"));
        Assert.Equal(1, await server.Database.CountAsync("task_deals"));
        Assert.Equal(2, await server.Database.CountAsync("deals"));
    }

    private const string Missing = "0f8e2c1a-3b4d-4e5f-8a6b-7c8d9e0f1a2b";

    public static TheoryData<string, string, string> BadInput() => new()
    {
        { "create_tasks", """{"items": []}""", "items" },
        { "create_tasks", """{"items": [{"title": "ok"}, {"type": "call"}]}""", "items[1].title" },
        { "create_tasks", """{"items": [{"title": "x", "type": "lunch"}]}""", "items[0].type" },
        { "create_tasks", """{"items": [{"title": "x", "status": "later"}]}""", "items[0].status" },
        { "create_tasks", """{"items": [{"title": "x", "due": "next tuesday"}]}""", "items[0].due" },
        { "create_tasks", $$"""{"items": [{"title": "x", "assignee_id": "{{Missing}}"}]}""", "items[0].assignee_id" },
        { "create_tasks", """{"items": [{"title": "ok", "deals": ["DEAL-001"]}, {"title": "x", "deals": ["DEAL-404"]}]}""", "items[1].deals[0]" },
        { "create_tasks", """{"items": [{"title": "x", "companies": ["Nobody"]}]}""", "items[0].companies[0]" },
        { "create_tasks", """{"items": [{"title": "x", "contacts": ["nobody@example.com"]}]}""", "items[0].contacts[0]" },
        { "create_tasks", """{"items": [{"title": "x", "contacts": ["Twin Name"]}]}""", "items[0].contacts[0]" },
        { "create_tasks", """{"items": [{"title": "x", "deals": "DEAL-001"}]}""", "items[0].deals" },
        { "get_tasks", """{"status": ["open", "someday"]}""", "status[1]" },
        { "get_tasks", """{"status": []}""", "status" },
        { "get_tasks", """{"filters": [{"field": "type", "op": "equals", "value": "lunch"}]}""", "filters[0].value" },
        { "get_tasks", """{"filters": [{"field": "priority", "op": "equals", "value": "high"}]}""", "filters[0].field" },
        { "get_tasks", """{"deal": "DEAL-404"}""", "deal" },
        { "get_tasks", """{"assignee": "bob"}""", "assignee" },
        { "get_tasks", """{"filters": [{"field": "due", "op": "lt", "value": "soon"}]}""", "filters[0].value" },
        { "get_tasks", """{"cursor": "zz"}""", "cursor" },
        { "update_task", """{"task": "nope", "title": "x"}""", "task" },
        { "update_task", $$"""{"task": "{{Missing}}", "title": "x"}""", "task" },
        { "update_task", $$"""{"task": "{{Missing}}"}""", "task" },
        { "update_task", $$"""{"task": "{{Missing}}", "clear": ["title"]}""", "clear[0]" },
        { "update_task", $$"""{"task": "{{Missing}}", "due": "2030-01-01", "clear": ["due"]}""", "due" },
        { "update_task", $$"""{"task": "{{Missing}}", "status": "finished"}""", "status" },
        { "delete_tasks", """{"tasks": []}""", "tasks" },
        { "delete_tasks", $$"""{"tasks": ["{{Missing}}"]}""", "tasks[0]" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_names_the_field_and_writes_nothing(string tool, string arguments, string field)
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server);
        await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Twin Name", email = "one@example.com" }, new { name = "Twin Name", email = "two@example.com" } } });
        await server.CallOkAsync("create_tasks", new { items = new[] { new { title = "Existing", deals = new[] { "DEAL-001" } } } });
        var before = await server.Database.FingerprintAsync();

        var error = await server.CallErrorAsync(tool, JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments));
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("expected").GetString()));
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task An_ambiguous_contact_name_lists_candidates()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Twin Name", email = "one@example.com" }, new { name = "Twin Name", email = "two@example.com" } } });
        var error = await server.CallErrorAsync("create_tasks", new { items = new[] { new { title = "x", contacts = new[] { "twin name" } } } });
        Assert.Equal("needs_disambiguation", error.GetProperty("code").GetString());
        Assert.Equal(["one@example.com", "two@example.com"], error.GetProperty("candidates").EnumerateArray().Select(c => c.GetProperty("email").GetString()).Order());
    }
}
