using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Bulk;

/// <summary>create_contacts and create_deals write runs of plain items set-based; every outcome must be the item
/// path's: the same results, errors, candidates and rows.</summary>
public sealed class SetBasedCreateTests
{
    private static object Args(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    // Plain items around items the set-based path must hand to the item path: a company close to an existing one
    // (needs_disambiguation with candidates), an unknown owner, a bad title; and companies created by one item and
    // found by the next.
    private static readonly string PlainAndRefused = $$"""
        [{"name": "Ann One", "email": "ann@one.example", "company_name": "Globex Robotics"},
         {"name": "Cy Three", "email": "cy@one.example", "company_name": "GLOBEX ROBOTICS"},
         {"name": "Eve Five", "company_name": "Acme Robotic"},
         {"name": "Fay Six", "company_name": "Initech", "title": "CTO"},
         {"name": "Gus Seven", "owner_id": "00000000-0000-4000-8000-00000000dead"},
         {"first_name": "Hal", "last_name": "Eight", "company_name": "Acme Robotics"},
         {"name": "Kit Eleven", "title": "x{{new string('x', 200)}}"},
         {"email": "ivy@nine.example"},
         {"name": "Jo Ten", "company_name": "Initech"}]
        """;

    // With emails in use: one a contact has, one an earlier item of the call has.
    private const string MixedItems = """
        [{"name": "Ann One", "email": "ann@one.example", "company_name": "Globex Robotics"},
         {"name": "Bob Two", "email": "taken@acme.example", "company_name": "Globex Robotics"},
         {"name": "Cy Three", "email": "cy@one.example", "company_name": "GLOBEX ROBOTICS"},
         {"name": "Dee Four", "email": "ANN@one.example", "company_name": "Initech"},
         {"name": "Eve Five", "company_name": "Acme Robotic"},
         {"name": "Fay Six", "company_name": "Initech", "title": "CTO"},
         {"name": "Gus Seven", "owner_id": "00000000-0000-4000-8000-00000000dead"},
         {"first_name": "Hal", "last_name": "Eight", "company_name": "Acme Robotics"},
         {"email": "ivy@nine.example"},
         {"name": "Jo Ten", "company_name": "Initech"}]
        """;

    private static async Task<TestServer> SeededAsync()
    {
        var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_contacts", Args("""{"items": [{"name": "Taken Person", "email": "taken@acme.example", "company_name": "Acme Robotics"}]}"""));
        return server;
    }

    private static async Task<(JsonElement Data, string Rows)> CreateContactsAsync(string items, bool upsert)
    {
        await using var server = await SeededAsync();
        var data = (await server.CallOkAsync("create_contacts", Args($$"""{"items": {{items}}, "atomic": false, "upsert": {{(upsert ? "true" : "false")}}}"""))).GetProperty("data");
        await using var connection = await server.Database.Db.OpenAsync();
        var rows = await connection.QueryAsync<string>("""
            SELECT p.full_name || '|' || COALESCE(p.email, '') || '|' || COALESCE(p.title, '') || '|' || COALESCE(c.name, '')
            FROM people p LEFT JOIN company_people cp ON cp.person_id = p.id LEFT JOIN companies c ON c.id = cp.company_id
            ORDER BY p.full_name
            """);
        Assert.Equal(2, await server.Database.CountAsync("changes"));
        return (data, string.Join("\n", rows));
    }

    /// <summary>create_contacts of <paramref name="items"/> on the item path and set-based: the same reply and rows;
    /// returns the items' results.</summary>
    private static async Task<List<JsonElement>> BothPathsAsync(string items)
    {
        // upsert: true keeps every item on the item path (an upsert may find its person; none of these emails is in
        // use, so each item creates as without upsert); without it, runs of items are written set-based.
        var (itemPath, itemRows) = await CreateContactsAsync(items, upsert: true);
        var (setBased, setRows) = await CreateContactsAsync(items, upsert: false);
        Assert.Equal(Masked(itemPath), Masked(setBased));
        Assert.Equal(itemRows, setRows);
        return setBased.GetProperty("results").EnumerateArray().ToList();
    }

    [Fact]
    public async Task Create_contacts_set_based_answers_and_writes_as_the_item_path_does()
    {
        var results = await BothPathsAsync(PlainAndRefused);
        Assert.Equal([true, true, false, true, false, true, false, true, true], results.Select(r => r.GetProperty("ok").GetBoolean()));
        Assert.Equal("needs_disambiguation", results[2].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("Acme Robotics", results[2].GetProperty("error").GetProperty("candidates")[0].GetProperty("name").GetString());
        Assert.True(results[0].GetProperty("result").GetProperty("company").GetProperty("created").GetBoolean());
        Assert.Equal("name", results[1].GetProperty("result").GetProperty("company").GetProperty("matched_by").GetString());
    }

    [Fact]
    public async Task Create_contacts_refuses_emails_in_use_item_by_item()
    {
        await using var server = await SeededAsync();
        var results = (await server.CallOkAsync("create_contacts", Args($$"""{"items": {{MixedItems}}, "atomic": false}""")))
            .GetProperty("data").GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([true, false, true, false, false, true, false, true, true, true], results.Select(r => r.GetProperty("ok").GetBoolean()));
        Assert.Equal("conflict", results[1].GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("'Taken Person'", results[1].GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("items[3].email", results[3].GetProperty("error").GetProperty("field").GetString());
        Assert.Contains("'Ann One'", results[3].GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("items[6].owner_id", results[6].GetProperty("error").GetProperty("field").GetString());
        Assert.Equal(7, await server.Database.CountAsync("people"));
    }

    [Fact]
    public async Task Create_contacts_atomic_failure_writes_nothing_and_lists_the_item_errors()
    {
        await using var server = await SeededAsync();
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync("create_contacts", Args($$"""{"items": {{MixedItems}}}"""));
        Assert.StartsWith("4 of 10 items failed; nothing was written (atomic).", error.GetProperty("message").GetString());
        Assert.Equal("items[1].email", error.GetProperty("field").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task Create_deals_set_based_numbers_appends_and_resolves_as_the_item_path_does()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme Robotics", stage_name = "Proposal" });
        // D-11 from another counter ("D-1{seq}"), so that "D-{seq:1}" meets it taken.
        await server.CallOkAsync("create_deals", Args("""{"items": [{"identifier_template": "D-1{seq:1}"}]}"""));
        var data = (await server.CallOkAsync("create_deals", Args("""
            {"items": [
              {"name": "a", "company_name": "Globex", "stage_name": "Proposal", "identifier_template": "D-{seq:1}"},
              {"name": "b", "company_name": "GLOBEX", "stage_name": "Scoping", "identifier_template": "D-{seq:1}"},
              {"company_name": "Acme Robotics", "stage_name": "scoping", "identifier_template": "D-{seq:1}", "amount": 10},
              {"name": "d", "company_name": "Acme Robotic", "identifier_template": "D-{seq:1}"},
              {"name": "e", "stage_name": "Proposal", "identifier_template": "D-{seq:1}"},
              {"name": "f", "company_name": "Globex", "identifier_template": "D-{seq:1}"},
              {"name": "g", "company_name": "Globex", "identifier_template": "D-{seq:1}"},
              {"name": "h", "company_name": "Globex", "identifier_template": "D-{seq:1}"},
              {"name": "i", "company_name": "Globex", "identifier_template": "D-{seq:1}"},
              {"name": "j", "company_name": "Globex", "identifier_template": "D-{seq:1}"},
              {"name": "k", "company_name": "Globex", "identifier_template": "D-{seq:1}"},
              {"name": "l", "company_name": "Globex", "owner_id": "00000000-0000-4000-8000-00000000dead"},
              {"name": "m", "company_name": "Globex", "identifier_template": "D-{seq:1}"}],
             "atomic": false}
            """))).GetProperty("data");
        var results = data.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(11, data.GetProperty("succeeded").GetInt32());
        Assert.Equal("needs_disambiguation", results[3].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("items[11].owner_id", results[11].GetProperty("error").GetProperty("field").GetString());
        // The item path's numbers: a refused item takes none, and D-11 (taken) is skipped.
        Assert.Equal(["D-1", "D-2", "D-3", null, "D-4", "D-5", "D-6", "D-7", "D-8", "D-9", "D-10", null, "D-12"],
            results.Select(r => r.GetProperty("ok").GetBoolean() ? r.GetProperty("result").GetProperty("deal").GetProperty("identifier").GetString() : null));
        Assert.Equal("Acme Robotics deal", results[2].GetProperty("result").GetProperty("deal").GetProperty("name").GetString());
        string Resolution(int i, string what) => $"{results[i].GetProperty("result").GetProperty(what).GetProperty("created").GetBoolean()}/{results[i].GetProperty("result").GetProperty(what).GetProperty("matched_by").GetString()}";
        Assert.Equal(["True/created", "False/name", "False/name"], new[] { 0, 1, 5 }.Select(i => Resolution(i, "company")));
        Assert.Equal(["False/name", "True/created", "False/name", "False/default"], new[] { 0, 1, 2, 5 }.Select(i => Resolution(i, "stage")));

        // Each deal appended to its stage and to its company after the ones there, in item order.
        await using var connection = await server.Database.Db.OpenAsync();
        var stages = await connection.QueryAsync<string>("""
            SELECT s.name || ':' || d.name || ':' || d.order_in_stage FROM deals d JOIN stages s ON s.id = d.stage_id
            WHERE s.name IN ('Proposal', 'Scoping') ORDER BY s.name, d.order_in_stage
            """);
        Assert.Equal(["Proposal:Acme Robotics deal:0", "Proposal:a:1", "Proposal:e:2", "Scoping:b:0", "Scoping:Acme Robotics deal:1"], stages);
        var globex = await connection.QueryAsync<string>("""
            SELECT d.name || ':' || d.company_sort_index FROM deals d JOIN companies c ON c.id = d.company_id WHERE c.name = 'Globex' ORDER BY d.company_sort_index
            """);
        Assert.Equal(["a:0", "b:1", "f:2", "g:3", "h:4", "i:5", "j:6", "k:7", "m:8"], globex);
        Assert.Equal(12L, await connection.ExecuteScalarAsync<long>("SELECT value FROM counters WHERE name = 'D-{seq}'"));
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM counters WHERE name = 'DEAL-{seq}' AND value <> 1"));
    }

    // New companies close to each other within one call: the item path sees each earlier item's new company when it
    // looks for near names, so "Globex Robotic" after "Globex Robotics" and "Initech 2" after "Initech" are asked
    // about; the run's companies are planned at once, before any is written (Resolver.PlanCompaniesAsync), and must
    // ask the same. "Hooli 3" is no near name of "Hooli 2" (different numbers); a name close to an existing company
    // (Acme Robotic) is asked about too.
    private const string CloseWithinTheCall = """
        [{"name": "Ann One", "company_name": "Globex Robotics"},
         {"name": "Bob Two", "company_name": "Initech"},
         {"name": "Cy Three", "company_name": "Globex Robotic"},
         {"name": "Dee Four", "company_name": "Initech 2"},
         {"name": "Eve Five", "company_name": "Acme Robotic"},
         {"name": "Fay Six", "company_name": "Globex Robotics"},
         {"name": "Gus Seven", "company_name": "Hooli 2"},
         {"name": "Hal Eight", "company_name": "Hooli 3"}]
        """;

    [Fact]
    public async Task Create_contacts_asks_about_a_company_close_to_one_an_earlier_item_created()
    {
        var results = await BothPathsAsync(CloseWithinTheCall);
        Assert.Equal([true, true, false, false, false, true, true, true], results.Select(r => r.GetProperty("ok").GetBoolean()));
        Assert.Equal("Globex Robotics", results[2].GetProperty("error").GetProperty("candidates")[0].GetProperty("name").GetString());
        Assert.Equal("False/name", $"{results[5].GetProperty("result").GetProperty("company").GetProperty("created").GetBoolean()}/{results[5].GetProperty("result").GetProperty("company").GetProperty("matched_by").GetString()}");
    }

    [Fact]
    public async Task Create_deals_with_create_if_missing_never_refuses_new_companies_as_the_item_path_does()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme Robotics" });
        var data = (await server.CallOkAsync("create_deals", Args("""
            {"items": [{"name": "a", "company_name": "Acme Robotics"}, {"name": "b", "company_name": "Globex"},
                       {"name": "c", "company_name": "ACME ROBOTICS"}],
             "atomic": false, "create_if_missing": "never"}
            """))).GetProperty("data");
        var results = data.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([true, false, true], results.Select(r => r.GetProperty("ok").GetBoolean()));
        Assert.Equal("not_found", results[1].GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(1, await server.Database.CountAsync("companies"));
    }

    /// <summary>A reply with its record ids (random per run) blanked.</summary>
    private static string Masked(JsonElement data) =>
        Regex.Replace(JsonNode.Parse(data.GetRawText())!.ToJsonString(), "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID");
}
