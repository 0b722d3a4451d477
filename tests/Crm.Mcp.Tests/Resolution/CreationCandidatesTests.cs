using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Resolution;

/// <summary>Never create or change what the caller did not mean: near records are asked about, not duplicated.</summary>
public sealed class CreationCandidatesTests
{
    private static JsonElement Person(JsonElement response, int index = 0) => response.GetProperty("data").GetProperty("resolution").GetProperty("people")[index];

    [Fact]
    public async Task A_plus_address_beside_the_plain_one_is_a_candidate_not_a_second_person()
    {
        await using var server = await TestServer.StartAsync();
        var jane = Person(await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Jane Founder", email = "jane.founder@acme.com" } } }));
        var before = await server.Database.FingerprintAsync();

        var error = await server.CallErrorAsync("create_deal_draft", new { people = new[] { new { name = "Jane Founder", email = "jane.founder+crm@acme.com" } } });

        Assert.Equal("needs_disambiguation", error.GetProperty("code").GetString());
        Assert.Equal(jane.GetProperty("id").GetString(), error.GetProperty("candidates")[0].GetProperty("id").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
        // The other way round too: the plain address beside a +tagged one.
        await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Bob", email = "bob+sales@initech.com" } } });
        Assert.Equal("needs_disambiguation", (await server.CallErrorAsync("create_deal_draft", new { people = new[] { new { email = "bob@initech.com" } } })).GetProperty("code").GetString());

        // Created on purpose, the pair is what find_duplicates shows.
        var second = Person(await server.CallOkAsync("create_deal_draft", new { create_if_missing = "always", people = new[] { new { name = "Jane Founder", email = "jane.founder+crm@acme.com" } } }));
        var pairs = (await server.CallOkAsync("find_duplicates", new { kind = "people", min_score = 0.95 })).GetProperty("data").GetProperty("pairs").EnumerateArray().ToList();
        Assert.Contains(pairs, p => p.GetProperty("why").GetString()!.Contains("same mailbox") &&
            new[] { p.GetProperty("a").GetProperty("id").GetString(), p.GetProperty("b").GetProperty("id").GetString() }.Contains(second.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task An_email_without_a_name_never_becomes_the_name()
    {
        await using var server = await TestServer.StartAsync();
        var person = Person(await server.CallOkAsync("create_deal_draft", new { people = new[] { new { email = "sam@globex.com" } } }));
        Assert.Equal(("", "sam@globex.com"), (person.GetProperty("name").GetString(), person.GetProperty("email").GetString()));
        var contact = await server.CallOkAsync("create_contacts", new { items = new[] { new { email = "kim@globex.com" } } });
        Assert.DoesNotContain("kim@globex.com\"", contact.GetProperty("data").GetRawText().Replace("\"email\":\"kim@globex.com\"", ""));
        await using var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM people WHERE full_name = email"));
        // Two people without names are not duplicates of each other for having none.
        var pairs = (await server.CallOkAsync("find_duplicates", new { kind = "people" })).GetProperty("data").GetProperty("pairs");
        Assert.Equal(0, pairs.GetArrayLength());
    }

    [Theory]
    [InlineData("Won", "Closed Won")]
    [InlineData("won", "Closed Won")]
    [InlineData("Lost", "Closed Lost")]
    [InlineData("closed", null)]
    public async Task A_stage_name_inside_an_existing_stage_or_a_synonym_is_a_candidate(string typed, string? expected)
    {
        await using var server = await TestServer.StartAsync();
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = "Acme", stage_name = typed });
        Assert.Equal(("needs_disambiguation", "stage_name"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
        if (expected is not null) Assert.Equal(expected, error.GetProperty("candidates")[0].GetProperty("name").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task A_first_name_of_an_existing_person_is_a_candidate_not_a_new_person()
    {
        await using var server = await TestServer.StartAsync();
        var deal = await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", people = new[] { new { name = "Jane Founder" } } });
        var identifier = deal.GetProperty("data").GetProperty("deal").GetProperty("identifier").GetString();
        var before = await server.Database.FingerprintAsync();

        var error = await server.CallErrorAsync("update_deal", new { deal = identifier, people = new[] { new { name = "Jane" } } });

        Assert.Equal("needs_disambiguation", error.GetProperty("code").GetString());
        Assert.Equal("Jane Founder", error.GetProperty("candidates")[0].GetProperty("name").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task A_null_on_an_update_points_to_clear_and_writes_nothing()
    {
        await using var server = await TestServer.StartAsync();
        var deal = await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 5000 });
        var identifier = deal.GetProperty("data").GetProperty("deal").GetProperty("identifier").GetString();
        var before = await server.Database.FingerprintAsync();

        var error = await server.CallErrorAsync("update_deal", new Dictionary<string, object?> { ["deal"] = identifier, ["amount"] = null });

        Assert.Equal(("invalid_argument", "amount"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
        Assert.Contains("clear: [\"amount\"]", error.GetProperty("expected").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
        var bulk = await server.CallErrorAsync("update_deals", new { items = new[] { new Dictionary<string, object?> { ["deal"] = identifier, ["amount"] = null } } });
        Assert.Equal("items[0].amount", bulk.GetProperty("field").GetString());
    }
}
