using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Resolution;

/// <summary>Each matching rule through a real MCP call: what matched, how it says so, and that nothing is duplicated.</summary>
public sealed class MatchingTests
{
    private static JsonElement Company(JsonElement response) => response.GetProperty("data").GetProperty("resolution").GetProperty("company");
    private static JsonElement Person(JsonElement response, int index = 0) => response.GetProperty("data").GetProperty("resolution").GetProperty("people")[index];
    private static string Id(JsonElement record) => record.GetProperty("id").GetString()!;
    private static string MatchedBy(JsonElement record) => record.GetProperty("matched_by").GetString()!;

    [Fact]
    public async Task An_exact_id_matches_by_id()
    {
        await using var server = await TestServer.StartAsync();
        var first = Company(await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" }));
        var second = Company(await server.CallOkAsync("create_deal_draft", new { company_id = Id(first) }));
        Assert.Equal(("id", Id(first)), (MatchedBy(second), Id(second)));
    }

    [Fact]
    public async Task An_email_matches_case_insensitively_whatever_the_name()
    {
        await using var server = await TestServer.StartAsync();
        var first = Person(await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Jane Founder", email = "Jane@Acme.com" } } }));
        var second = Person(await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Janet F.", email = "JANE@acme.com" } } }));
        Assert.Equal(("email", Id(first)), (MatchedBy(second), Id(second)));
        Assert.Equal(1, await server.Database.CountAsync("people"));
    }

    [Theory]
    [InlineData("Acme Corporation", "ACME Corp.")]
    [InlineData("Acme Inc", "Acme Incorporated")]
    [InlineData("Globex GmbH & Co. KG", "globex")]
    public async Task Spellings_of_one_normalized_name_match_by_name(string created, string later)
    {
        await using var server = await TestServer.StartAsync();
        var first = Company(await server.CallOkAsync("create_deal_draft", new { company_name = created }));
        var second = Company(await server.CallOkAsync("create_deal_draft", new { company_name = later }));
        Assert.Equal(("name", Id(first)), (MatchedBy(second), Id(second)));
        Assert.Equal(1, await server.Database.CountAsync("companies"));
    }

    [Fact]
    public async Task A_company_is_found_by_its_domain_when_the_name_is_the_domain_s_own()
    {
        await using var server = await TestServer.StartAsync();
        var first = Company(await server.CallOkAsync("create_deal_draft", new { company_name = "Initech Software Group", people = new[] { new { name = "Bill L", email = "bill@initech.com" } } }));
        var second = Company(await server.CallOkAsync("create_deal_draft", new { company_name = "Initech", people = new[] { new { name = "Peter G", email = "peter@INITECH.com" } } }));
        Assert.Equal(("domain", Id(first)), (MatchedBy(second), Id(second)));
        Assert.Equal(1, await server.Database.CountAsync("companies"));
    }

    [Fact]
    public async Task An_explicit_name_is_never_overridden_by_the_domain_it_is_a_candidate()
    {
        await using var server = await TestServer.StartAsync();
        var acme = Company(await server.CallOkAsync("create_deal_draft", new { company_name = "Acme, Inc.", people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } }));
        var before = await server.Database.FingerprintAsync();

        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = "Acme Robotics", people = new[] { new { name = "Rob Otto", email = "rob@acme.com" } } });

        Assert.Equal(("needs_disambiguation", "company_name"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
        var candidate = Assert.Single(error.GetProperty("candidates").EnumerateArray());
        Assert.Equal((Id(acme), "same domain"), (candidate.GetProperty("id").GetString(), candidate.GetProperty("why").GetString()));
        Assert.Equal(before, await server.Database.FingerprintAsync());

        // Said on purpose, it is a company of its own, and the domain stays Acme's.
        var robotics = Company(await server.CallOkAsync("create_deal_draft", new { company_name = "Acme Robotics", create_if_missing = "always", people = new[] { new { name = "Rob Otto", email = "rob@acme.com" } } }));
        Assert.Equal("created", MatchedBy(robotics));
        Assert.Equal(2, await server.Database.CountAsync("companies"));
    }

    [Fact]
    public async Task A_website_domain_makes_a_candidate_too()
    {
        await using var server = await TestServer.StartAsync();
        var id = Guid.NewGuid().ToString();
        await using (var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken))
            await connection.ExecuteAsync("""
                INSERT INTO companies (id, name, name_key, website, created_at, updated_at)
                VALUES (@id, 'Umbrella', 'umbrella', 'https://www.umbrella-corp.example/about', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')
                """, new { id });
        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = "Umbrella Pharmaceuticals", people = new[] { new { name = "Al W", email = "al@umbrella-corp.example" } } });
        Assert.Equal(id, error.GetProperty("candidates")[0].GetProperty("id").GetString());
        Assert.Equal("umbrella-corp.example", error.GetProperty("candidates")[0].GetProperty("domain").GetString());
    }

    [Fact]
    public async Task Two_companies_on_the_people_s_domain_are_candidates_not_a_guess()
    {
        await using var server = await TestServer.StartAsync();
        await using (var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken))
            await connection.ExecuteAsync("""
                INSERT INTO companies (id, name, name_key, domain, created_at, updated_at) VALUES
                    (@a, 'Hooli', 'hooli', 'hooli.example', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
                    (@b, 'Hooli XYZ', 'hooli xyz', 'www.hooli.example', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')
                """, new { a = Guid.NewGuid().ToString(), b = Guid.NewGuid().ToString() });
        var before = await server.Database.FingerprintAsync();

        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = "Hooli Labs", people = new[] { new { name = "Gavin B", email = "gavin@hooli.example" } } });

        Assert.Equal(("needs_disambiguation", "company_name"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
        Assert.All(error.GetProperty("candidates").EnumerateArray(), c => Assert.Equal("hooli.example", c.GetProperty("domain").GetString()));
        Assert.Equal(2, error.GetProperty("candidates").GetArrayLength());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task Free_mail_domains_say_nothing_about_the_company()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Initech", people = new[] { new { name = "Bill L", email = "bill@gmail.com" } } });
        var other = Company(await server.CallOkAsync("create_deal_draft", new { company_name = "Vandelay", people = new[] { new { name = "Art V", email = "art@gmail.com" } } }));
        Assert.Equal("created", MatchedBy(other));
        Assert.Equal(2, await server.Database.CountAsync("companies"));
    }

    [Fact]
    public async Task A_misspelt_company_is_a_candidate_not_a_new_company()
    {
        await using var server = await TestServer.StartAsync();
        var globex = Company(await server.CallOkAsync("create_deal_draft", new { company_name = "Globex Corporation" }));
        var before = await server.Database.FingerprintAsync();

        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = "Globx", amount = 10 });

        Assert.Equal("needs_disambiguation", error.GetProperty("code").GetString());
        Assert.Equal("company_name", error.GetProperty("field").GetString());
        var candidate = error.GetProperty("candidates")[0];
        Assert.Equal(Id(globex), candidate.GetProperty("id").GetString());
        Assert.Equal("Globex Corporation", candidate.GetProperty("name").GetString());
        Assert.True(candidate.GetProperty("score").GetDouble() >= 0.9);
        Assert.Contains("one letter apart", candidate.GetProperty("why").GetString());
        Assert.Contains("create_if_missing", error.GetProperty("expected").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task Create_if_missing_always_creates_beside_a_similar_company()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" });
        var created = Company(await server.CallOkAsync("create_deal_draft", new { company_name = "Globx", create_if_missing = "always" }));
        Assert.Equal("created", MatchedBy(created));
        Assert.Equal(2, await server.Database.CountAsync("companies"));
    }

    [Fact]
    public async Task Create_if_missing_never_finds_but_never_creates()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" });
        var found = Company(await server.CallOkAsync("create_deal_draft", new { company_name = "GLOBEX inc", create_if_missing = "never" }));
        Assert.Equal("name", MatchedBy(found));
        var before = await server.Database.FingerprintAsync();

        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = "Globexx", create_if_missing = "never" });
        Assert.Equal(("not_found", "company_name"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
        Assert.Equal("Globex", error.GetProperty("candidates")[0].GetProperty("name").GetString());
        var person = await server.CallErrorAsync("create_deal_draft", new { people = new[] { new { name = "Nobody Yet" } }, create_if_missing = "never" });
        Assert.Equal(("not_found", "people[0]"), (person.GetProperty("code").GetString(), person.GetProperty("field").GetString()));
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task A_bad_create_if_missing_names_the_field_and_writes_nothing()
    {
        await using var server = await TestServer.StartAsync();
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = "Acme", create_if_missing = "sometimes" });
        Assert.Equal("create_if_missing", error.GetProperty("field").GetString());
        Assert.Contains("never", error.GetProperty("expected").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task A_misspelt_person_and_stage_are_candidates_too()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Jane Founder" } } });
        var before = await server.Database.FingerprintAsync();

        var person = await server.CallErrorAsync("create_deal_draft", new { people = new[] { new { name = "Jane Foudner" } } });
        Assert.Equal(("needs_disambiguation", "people[0]"), (person.GetProperty("code").GetString(), person.GetProperty("field").GetString()));
        Assert.Equal("Jane Founder", person.GetProperty("candidates")[0].GetProperty("name").GetString());

        var stage = await server.CallErrorAsync("create_deal_draft", new { stage_name = "Proposals" });
        Assert.Equal(("needs_disambiguation", "stage_name"), (stage.GetProperty("code").GetString(), stage.GetProperty("field").GetString()));
        Assert.Equal("Proposal", stage.GetProperty("candidates")[0].GetProperty("name").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task A_person_with_an_email_is_not_confused_with_a_similar_name_that_has_another_email()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } });
        var other = Person(await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Jane Foudner", email = "jane@globex.com" } } }));
        Assert.Equal("created", MatchedBy(other));
    }
}
