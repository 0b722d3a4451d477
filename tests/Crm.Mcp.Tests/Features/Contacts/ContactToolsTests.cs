using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Contacts;

public sealed class ContactToolsTests
{
    private static object Args(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Fact]
    public async Task Creates_lists_gets_updates_and_deletes_contacts()
    {
        await using var server = await TestServer.StartAsync();
        var created = (await server.CallOkAsync("create_contacts", Args("""
            {"items": [{"name": "Jane Founder", "email": "Jane@Acme.com", "title": "CEO", "company_name": "Acme, Inc."},
                       {"first_name": "Bob", "last_name": "Builder", "company_name": "ACME inc"},
                       {"email": "anon@globex.com"}]}
            """))).GetProperty("data").GetProperty("results");
        var jane = created[0].GetProperty("result");
        Assert.Equal(["id", "name"], jane.GetProperty("contact").EnumerateObject().Select(p => p.Name));
        var janeRecord = (await server.CallOkAsync("get_contact", new { contact = jane.GetProperty("contact").GetProperty("id").GetString() })).GetProperty("data");
        Assert.Equal("Jane", janeRecord.GetProperty("contact").GetProperty("first_name").GetString());
        Assert.True(jane.GetProperty("company").GetProperty("created").GetBoolean());
        Assert.Equal("name", created[1].GetProperty("result").GetProperty("company").GetProperty("matched_by").GetString());
        Assert.Equal("Bob Builder", created[1].GetProperty("result").GetProperty("contact").GetProperty("name").GetString());
        Assert.Equal("", created[2].GetProperty("result").GetProperty("contact").GetProperty("name").GetString());

        var atAcme = (await server.CallOkAsync("get_contacts", new { company = "acme" })).GetProperty("data");
        Assert.Equal(["Bob Builder", "Jane Founder"], atAcme.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        var ceos = (await server.CallOkAsync("get_contacts", Args("""{"filters": [{"field": "companies", "op": "has_any", "value": ["Acme, Inc."]}, {"field": "title", "op": "equals", "value": "ceo"}]}"""))).GetProperty("data");
        Assert.Equal(1, ceos.GetProperty("total").GetProperty("value").GetInt64());
        var noEmail = (await server.CallOkAsync("get_contacts", Args("""{"filters": [{"field": "email", "op": "is_null"}]}"""))).GetProperty("data");
        Assert.Equal("Bob Builder", noEmail.GetProperty("items")[0].GetProperty("name").GetString());

        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", person_ids = new[] { jane.GetProperty("contact").GetProperty("id").GetString() } });
        var detail = (await server.CallOkAsync("get_contact", new { contact = "JANE@ACME.COM" })).GetProperty("data");
        Assert.Equal("DEAL-001", detail.GetProperty("deals")[0].GetProperty("identifier").GetString());
        Assert.Equal(1, detail.GetProperty("contact").GetProperty("deal_count").GetInt64());

        var updated = (await server.CallOkAsync("update_contact", Args("""{"contact": "Jane Founder", "email": "jane@globex.com", "company_name": "Globex", "clear": ["title"]}"""))).GetProperty("data");
        Assert.Equal("jane@globex.com", updated.GetProperty("contact").GetProperty("email").GetString());
        Assert.Equal(["Globex"], updated.GetProperty("contact").GetProperty("companies").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(JsonValueKind.Null, updated.GetProperty("contact").GetProperty("title").ValueKind);
        var renamed = (await server.CallOkAsync("update_contact", new { contact = "jane@globex.com", last_name = "Smith" })).GetProperty("data").GetProperty("contact");
        Assert.Equal("Jane Smith", renamed.GetProperty("name").GetString());

        var deleted = (await server.CallOkAsync("delete_contacts", new { contacts = new[] { "Jane Smith", "anon@globex.com" } })).GetProperty("data");
        Assert.Equal(2, deleted.GetProperty("succeeded").GetInt32());
        Assert.Equal(1, await server.Database.CountAsync("people"));
        Assert.Equal(0, await server.Database.CountAsync("deal_people"));
        Assert.Equal(1, await server.Database.CountAsync("deals"));
    }

    [Fact]
    public async Task An_email_change_to_a_taken_email_names_the_other_contact()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_contacts", Args("""{"items": [{"name": "Jane Founder", "email": "jane@acme.com"}, {"name": "Bob Builder", "email": "bob@acme.com"}]}"""));
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync("update_contact", new { contact = "Bob Builder", email = "JANE@acme.com", title = "CTO" });
        Assert.Equal("conflict", error.GetProperty("code").GetString());
        Assert.Equal("email", error.GetProperty("field").GetString());
        Assert.Contains("already belongs to the contact 'Jane Founder'", error.GetProperty("message").GetString());
        Assert.Equal("Jane Founder", error.GetProperty("candidates")[0].GetProperty("name").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
        var bob = (await server.CallOkAsync("get_contact", new { contact = "bob@acme.com" })).GetProperty("data").GetProperty("contact");
        Assert.Equal(JsonValueKind.Null, bob.GetProperty("title").ValueKind);
    }

    [Fact]
    public async Task A_name_shared_by_two_contacts_asks_which_one()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_contacts", Args("""{"items": [{"name": "Sam Lee", "email": "sam@a.com"}, {"name": "Sam Lee", "email": "sam@b.com"}]}"""));
        var error = await server.CallErrorAsync("get_contact", new { contact = "sam lee" });
        Assert.Equal("needs_disambiguation", error.GetProperty("code").GetString());
        Assert.Equal(2, error.GetProperty("candidates").GetArrayLength());
    }

    [Theory]
    [InlineData("create_contacts", """{"items": [{"title": "CEO"}]}""", "items[0]", "needs a name or an email")]
    [InlineData("create_contacts", """{"items": [{"name": "X", "email": "not-an-email"}]}""", "items[0].email", "not a valid email")]
    [InlineData("create_contacts", """{"items": [{"name": "X", "email": "jane@acme.com"}]}""", "items[0].email", "already belongs to the contact 'Jane Founder'")]
    [InlineData("create_contacts", """{"items": [{"name": "X", "company_id": "00000000-0000-4000-8000-00000000dead"}]}""", "items[0].company_id", "no company has id")]
    [InlineData("create_contacts", """{"items": [{"name": "X"}, {"name": "Y", "email": "y@y.com"}, {"name": "Z", "email": "Y@Y.com"}]}""", "items[2].email", "already belongs to the contact 'Y'")]
    [InlineData("get_contact", """{"contact": "nobody@acme.com"}""", "contact", "no contact has the email")]
    [InlineData("get_contacts", """{"company": "Nobody"}""", "company", "no company is named")]
    [InlineData("get_contacts", """{"filters": [{"field": "email", "op": "gt", "value": "a"}]}""", "filters[0].op", "does not apply to email")]
    [InlineData("update_contact", """{"contact": "Jane Founder", "email": "bad"}""", "email", "not a valid email")]
    [InlineData("update_contact", """{"contact": "Jane Founder", "clear": ["name"]}""", "clear[0]", "cannot be cleared")]
    [InlineData("update_contact", """{"contact": "Jane Founder", "company_name": "Globex", "clear": ["company"]}""", "company", "both given a value")]
    [InlineData("update_contact", """{"contact": "Nobody Here", "title": "CEO"}""", "contact", "no contact is named")]
    [InlineData("delete_contacts", """{"contacts": ["Jane Founder", "ghost@nowhere.com"]}""", "contacts[1]", "no contact has the email")]
    public async Task Bad_input_names_the_field_and_writes_nothing(string tool, string arguments, string field, string problem)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_contacts", Args("""{"items": [{"name": "Jane Founder", "email": "jane@acme.com", "company_name": "Acme"}]}"""));
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync(tool, Args(arguments));
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(problem, error.GetProperty("message").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }
}
