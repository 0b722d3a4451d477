using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.BulkUpdates;

/// <summary>The operations issue 18 adds as tools: bulk updates, get_task/get_service, upserts, pipelines CRUD,
/// relative date filters and users.</summary>
public sealed class Issue18ToolsTests
{
    private static object Args(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    private static IEnumerable<JsonElement> Results(JsonElement reply) => reply.GetProperty("data").GetProperty("results").EnumerateArray();

    [Fact]
    public async Task Update_contacts_changes_many_and_reports_each_item()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_contacts", Args("""{"items": [{"name": "Jane Founder", "email": "jane@acme.com"}, {"name": "Bob Builder", "email": "bob@acme.com"}]}"""));
        var reply = await server.CallOkAsync("update_contacts", Args("""{"items": [{"contact": "jane@acme.com", "title": "CTO", "company_name": "Acme"}, {"contact": "Bob Builder", "phone": "+1 415 555 0100"}]}"""));
        Assert.Equal(2, reply.GetProperty("data").GetProperty("succeeded").GetInt32());
        Assert.True(Results(reply).First().GetProperty("result").GetProperty("company").GetProperty("created").GetBoolean());
        Assert.Equal("CTO", (await server.CallOkAsync("get_contact", new { contact = "jane@acme.com" })).GetProperty("data").GetProperty("contact").GetProperty("title").GetString());

        // Atomic by default: one bad item writes nothing and names the item's field.
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync("update_contacts", Args("""{"items": [{"contact": "jane@acme.com", "title": "CEO"}, {"contact": "nobody@acme.com", "title": "X"}]}"""));
        Assert.Equal("items[1].contact", error.GetProperty("field").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());

        var partial = await server.CallOkAsync("update_contacts", Args("""{"atomic": false, "items": [{"contact": "jane@acme.com", "email": "bob@acme.com"}, {"contact": "bob@acme.com", "title": "CFO"}]}"""));
        Assert.Equal([false, true], Results(partial).Select(r => r.GetProperty("ok").GetBoolean()));
        Assert.Equal("items[0].email", Results(partial).First().GetProperty("error").GetProperty("field").GetString());
    }

    [Fact]
    public async Task Update_companies_tasks_and_services_share_the_bulk_path()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_companies", Args("""{"items": [{"name": "Acme, Inc."}, {"name": "Globex"}]}"""));
        var companies = await server.CallOkAsync("update_companies", Args("""{"items": [{"company": "acme", "industry": "Robotics"}, {"company": "Globex", "domain": "https://www.globex.com/about"}]}"""));
        Assert.Equal(["Acme, Inc.", "Globex"], Results(companies).Select(r => r.GetProperty("result").GetProperty("name").GetString()));
        Assert.Equal("globex.com", (await server.CallOkAsync("get_company", new { company = "Globex" })).GetProperty("data").GetProperty("company").GetProperty("domain").GetString());
        var taken = await server.CallErrorAsync("update_companies", Args("""{"items": [{"company": "Globex", "name": "ACME inc"}]}"""));
        Assert.Equal("conflict", taken.GetProperty("code").GetString());
        Assert.Equal("items[0].name", taken.GetProperty("field").GetString());

        var tasks = Results(await server.CallOkAsync("create_tasks", Args("""{"items": [{"title": "Call Jane"}, {"title": "Send proposal"}]}""")))
            .Select(r => r.GetProperty("result").GetProperty("id").GetString()).ToList();
        var closed = await server.CallOkAsync("update_tasks", new { items = tasks.Select(id => new { task = id, status = "done" }) });
        Assert.Equal(2, closed.GetProperty("data").GetProperty("succeeded").GetInt32());
        var task = (await server.CallOkAsync("get_task", new { task = tasks[0] })).GetProperty("data");
        Assert.Equal("done", task.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, task.GetProperty("completed_at").ValueKind);
        var nothing = await server.CallErrorAsync("update_tasks", new { items = new[] { new { task = tasks[0] } } });
        Assert.Equal("items[0].task", nothing.GetProperty("field").GetString());
        var missing = await server.CallErrorAsync("get_task", new { task = Guid.NewGuid().ToString() });
        Assert.Equal("not_found", missing.GetProperty("code").GetString());

        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 1000 });
        var services = Results(await server.CallOkAsync("create_services", Args("""{"deal": "DEAL-001", "items": [{"name": "Licence", "amount": 100}, {"name": "Setup", "amount": 50}]}""")))
            .Select(r => r.GetProperty("result").GetProperty("id").GetString()).ToList();
        await server.CallOkAsync("update_services", new { items = new object[] { new { service = services[0], quantity = 3 }, new { service = services[1], amount = 75.5 } } });
        var licence = (await server.CallOkAsync("get_service", new { service = services[0] })).GetProperty("data");
        Assert.Equal(3, licence.GetProperty("quantity").GetInt64());
        Assert.Equal("DEAL-001", licence.GetProperty("deal").GetProperty("identifier").GetString());
        Assert.Equal("7550", (await server.CallOkAsync("get_service", new { service = services[1] })).GetProperty("data").GetProperty("amount").GetString());
        var badQuantity = await server.CallErrorAsync("update_services", new { items = new[] { new { service = services[0], quantity = 0L } } });
        Assert.Equal("items[0].quantity", badQuantity.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Upsert_updates_a_contact_by_email_and_a_company_by_domain()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_contacts", Args("""{"items": [{"name": "Jane Founder", "email": "jane@acme.com"}]}"""));
        var again = await server.CallErrorAsync("create_contacts", Args("""{"items": [{"name": "Jane F.", "email": "JANE@acme.com"}]}"""));
        Assert.Equal("conflict", again.GetProperty("code").GetString());

        var upserted = Results(await server.CallOkAsync("create_contacts", Args("""{"upsert": true, "items": [{"email": "JANE@acme.com", "title": "CEO"}, {"name": "Bob", "email": "bob@acme.com"}]}"""))).ToList();
        Assert.True(upserted[0].GetProperty("result").GetProperty("updated").GetBoolean());
        Assert.False(upserted[1].GetProperty("result").TryGetProperty("updated", out _));
        Assert.Equal(2, await server.Database.CountAsync("people"));
        var jane = (await server.CallOkAsync("get_contact", new { contact = "jane@acme.com" })).GetProperty("data").GetProperty("contact");
        Assert.Equal(("Jane Founder", "CEO"), (jane.GetProperty("name").GetString(), jane.GetProperty("title").GetString()));

        await server.CallOkAsync("create_companies", Args("""{"items": [{"name": "Acme, Inc.", "domain": "acme.com"}]}"""));
        var company = Results(await server.CallOkAsync("create_companies", Args("""{"upsert": true, "items": [{"website": "https://www.acme.com", "industry": "Robotics"}]}"""))).Single();
        Assert.True(company.GetProperty("result").GetProperty("updated").GetBoolean());
        Assert.Equal("Acme, Inc.", company.GetProperty("result").GetProperty("name").GetString());
        Assert.Equal(1, await server.Database.CountAsync("companies"));
        var noName = await server.CallErrorAsync("create_companies", Args("""{"upsert": true, "items": [{"domain": "globex.com"}]}"""));
        Assert.Equal("items[0].name", noName.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Pipelines_are_created_renamed_and_deleted_without_orphaning_deals()
    {
        await using var server = await TestServer.StartAsync();
        var created = (await server.CallOkAsync("create_pipeline", Args("""{"name": "Partnerships", "stages": [{"name": "Intro"}, {"name": "Proposal"}, {"name": "Signed", "kind": "won"}]}"""))).GetProperty("data");
        Assert.Equal(["Intro", "Proposal", "Signed"], created.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        var copy = (await server.CallOkAsync("create_pipeline", new { name = "Renewals" })).GetProperty("data");
        var defaultStages = (await server.CallOkAsync("get_pipelines", new { pipeline = (string?)null })).GetProperty("data").GetProperty("items")[0].GetProperty("stages");
        Assert.Equal(defaultStages.GetArrayLength(), copy.GetProperty("stages").GetArrayLength());

        var clash = await server.CallErrorAsync("create_pipeline", new { name = "partnerships!" });
        Assert.Equal("conflict", clash.GetProperty("code").GetString());
        var wonFirst = await server.CallErrorAsync("create_pipeline", Args("""{"name": "X", "stages": [{"name": "Won", "kind": "won"}, {"name": "Open"}]}"""));
        Assert.Equal("stages[1].kind", wonFirst.GetProperty("field").GetString());

        await server.CallOkAsync("update_pipeline", new { pipeline = "Partnerships", name = "Partners" });
        var stageIds = created.GetProperty("stages").EnumerateArray().Select(st => st.GetProperty("id").GetString()).ToList();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", stage_id = stageIds[1] });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex", stage_id = stageIds[0] });
        var isDefault = await server.CallErrorAsync("delete_pipeline", new { pipeline = Crm.Mcp.Resolution.Resolver.DefaultPipelineId });
        Assert.Equal("conflict", isDefault.GetProperty("code").GetString());

        var needsTarget = (await server.CallErrorAsync("delete_pipeline", new { pipeline = "Partners" }));
        Assert.Equal("move_deals_to", needsTarget.GetProperty("field").GetString());
        var deleted = (await server.CallOkAsync("delete_pipeline", new { pipeline = "Partners", move_deals_to = "Renewals" })).GetProperty("data");
        Assert.Equal(2, deleted.GetProperty("moved").GetProperty("deals").GetInt64());
        var acme = (await server.CallOkAsync("get_deal", new { deal = "DEAL-001" })).GetProperty("data");
        Assert.Equal("Proposal", acme.GetProperty("stage").GetProperty("name").GetString());
        Assert.Equal(copy.GetProperty("id").GetString(), acme.GetProperty("pipeline_id").GetString());
        Assert.Equal(0, await server.Database.CountAsync("deals d WHERE NOT EXISTS (SELECT 1 FROM stages s WHERE s.id = d.stage_id AND s.pipeline_id = d.pipeline_id)"));
        Assert.Equal(2, await server.Database.CountAsync("pipelines"));
    }

    [Fact]
    public async Task In_last_days_and_in_next_days_filter_dates_by_whole_utc_days()
    {
        await using var server = await TestServer.StartAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        string Day(int offset) => today.AddDays(offset).ToString("yyyy-MM-dd");
        await server.CallOkAsync("create_tasks", new
        {
            items = new[] { new { title = "past", due = Day(-10) }, new { title = "recent", due = Day(-2) }, new { title = "today", due = Day(0) }, new { title = "soon", due = Day(5) }, new { title = "later", due = Day(40) } },
        });
        async Task<string[]> Titles(string op, int days) =>
            (await server.CallOkAsync("get_tasks", new { filters = new[] { new { field = "due", op, value = days } }, sort = new[] { new { field = "due" } } }))
            .GetProperty("data").GetProperty("items").EnumerateArray().Select(t => t.GetProperty("title").GetString()!).ToArray();
        Assert.Equal(["recent", "today"], await Titles("in_last_days", 7));
        Assert.Equal(["today", "soon"], await Titles("in_next_days", 7));
        Assert.Equal(["today"], await Titles("in_next_days", 0));

        var bad = (await server.CallErrorAsync("get_tasks", Args("""{"filters": [{"field": "due", "op": "in_last_days", "value": "week"}]}""")));
        Assert.Equal("filters[0].value", bad.GetProperty("field").GetString());
        var notADate = (await server.CallErrorAsync("get_tasks", Args("""{"filters": [{"field": "title", "op": "in_last_days", "value": 3}]}""")));
        Assert.Equal("filters[0].op", notADate.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Entity_configuration_lists_services_fields()
    {
        await using var server = await TestServer.StartAsync();
        var all = (await server.CallOkAsync("get_entity_configuration")).GetProperty("data").GetProperty("entities");
        Assert.Contains("services", all.EnumerateArray().Select(e => e.GetProperty("entity").GetString()));
        var services = (await server.CallOkAsync("get_entity_configuration", new { entity = "services" })).GetProperty("data").GetProperty("entities").EnumerateArray().Single();
        Assert.Contains("quantity", services.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Create_user_adds_a_user_and_refuses_a_taken_email()
    {
        await using var server = await TestServer.StartAsync();
        var jane = (await server.CallOkAsync("create_user", new { name = "Jane Founder", email = "jane@acme.com" })).GetProperty("data");
        Assert.Equal(("Jane", "Founder", false), (jane.GetProperty("first_name").GetString(), jane.GetProperty("last_name").GetString(), jane.GetProperty("is_current").GetBoolean()));
        var again = (await server.CallErrorAsync("create_user", new { name = "Jane Two", email = "JANE@acme.com" }));
        Assert.Equal(("conflict", "email"), (again.GetProperty("code").GetString(), again.GetProperty("field").GetString()));
        Assert.Equal(2, (await server.CallOkAsync("get_users")).GetProperty("data").GetProperty("total").GetProperty("value").GetInt64());
    }
}
