using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Notes;

public sealed class NoteToolsTests
{
    private static object Args(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Fact]
    public async Task Append_and_set_notes_on_deals_companies_and_contacts_by_name()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { name = "Acme renewal", company_name = "Acme, Inc.", people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } });

        var first = (await server.CallOkAsync("append_note", new { entity = "deal", record = "DEAL-001", text = "Budget **approved**." })).GetProperty("data");
        Assert.Matches(@"^### \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\nBudget \*\*approved\*\*\.$", first.GetProperty("note").GetString());
        var second = (await server.CallOkAsync("append_note", new { entity = "deals", record = "acme renewal", text = "- Next: contract" })).GetProperty("data");
        // The reply is the note just added (replies stay small as notes grow); the record keeps both.
        Assert.Equal("Acme renewal", second.GetProperty("name").GetString());
        Assert.Matches(@"^### [^\n]+ UTC\n- Next: contract$", second.GetProperty("note").GetString());
        Assert.False(second.TryGetProperty("notes", out _));
        Assert.Equal(first.GetProperty("note").GetString() + "\n\n" + second.GetProperty("note").GetString(),
            (await server.CallOkAsync("get_deal", new { deal = "DEAL-001" })).GetProperty("data").GetProperty("notes").GetString());
        var found = (await server.CallOkAsync("get_deals", new { search = "contract" })).GetProperty("data");
        Assert.Equal(1, found.GetProperty("total").GetProperty("value").GetInt64());

        var company = (await server.CallOkAsync("set_notes", new { entity = "company", record = "ACME inc", notes = "## Account\nRenewal in March." })).GetProperty("data");
        Assert.Equal("Acme, Inc.", company.GetProperty("name").GetString());
        Assert.Equal("## Account\nRenewal in March.", (await server.CallOkAsync("get_company", new { company = "acme" })).GetProperty("data").GetProperty("company").GetProperty("notes").GetString());

        await server.CallOkAsync("append_note", new { entity = "contact", record = "jane@acme.com", text = "Prefers email." });
        var cleared = (await server.CallOkAsync("set_notes", new { entity = "contact", record = "Jane Founder", notes = "" })).GetProperty("data");
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("notes").ValueKind);
    }

    [Theory]
    [InlineData("append_note", """{"entity": "invoice", "record": "x", "text": "y"}""", "entity", "not an entity with notes")]
    [InlineData("append_note", """{"entity": "deal", "record": "DEAL-404", "text": "y"}""", "record", "no deal is named")]
    [InlineData("append_note", """{"entity": "deal", "record": "DEAL-001", "text": "   "}""", "text", "must not be empty")]
    [InlineData("append_note", """{"entity": "contact", "record": "nobody@x.com", "text": "y"}""", "record", "no contact has the email")]
    [InlineData("set_notes", """{"entity": "company", "record": "Nobody", "notes": "y"}""", "record", "no company is named")]
    [InlineData("set_notes", """{"entity": "company", "record": "", "notes": "y"}""", "record", "must not be empty")]
    public async Task Bad_input_names_the_field_and_writes_nothing(string tool, string arguments, string field, string problem)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync(tool, Args(arguments));
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(problem, error.GetProperty("message").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
        Assert.Null((await server.CallOkAsync("get_deal", new { deal = "DEAL-001" })).GetProperty("data").GetProperty("notes").GetString());
    }
}
