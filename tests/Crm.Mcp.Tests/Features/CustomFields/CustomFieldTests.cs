using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.CustomFields;

public sealed class CustomFieldTests
{
    private static async Task<string> CreateDealAsync(TestServer server, string company = "Acme") =>
        (await server.CallOkAsync("create_deal_draft", new { company_name = company })).GetProperty("data").GetProperty("deal").GetProperty("id").GetString()!;

    private static async Task CreateFieldsAsync(TestServer server)
    {
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Notes line", type = "text" });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Seats", type = "number" });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Budget", type = "currency", currency = "EUR" });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Kickoff", type = "date" });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Demo at", type = "datetime" });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Lead source", type = "single_select", options = new[] { "Inbound", "Referral", "Partner" } });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Tags", type = "multi_select", options = new[] { "vip", "renewal", "pilot" } });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Champion email", type = "email" });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Hotline", type = "phone" });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Portal", type = "url" });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Signed", type = "checkbox" });
    }

    [Fact]
    public async Task Create_returns_the_definition_with_a_snake_case_name()
    {
        await using var server = await TestServer.StartAsync();
        var field = (await server.CallOkAsync("create_custom_field", new { entity = "deal", label = "Lead source (2026)", type = "single_select",
            options = new[] { "Inbound", "Referral" }, description = "Where the lead came from" })).GetProperty("data");
        Assert.Equal("lead_source_2026", field.GetProperty("name").GetString());
        Assert.Equal("deals", field.GetProperty("entity").GetString());
        Assert.Equal("single_select", field.GetProperty("type").GetString());
        Assert.Equal(["Inbound", "Referral"], field.GetProperty("options").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(JsonValueKind.Null, field.GetProperty("currency").ValueKind);

        var money = (await server.CallOkAsync("create_custom_field", new { entity = "contacts", label = "Budget", type = "currency" })).GetProperty("data");
        Assert.Equal("USD", money.GetProperty("currency").GetString());
        Assert.Equal("budget", money.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Every_type_stores_and_reads_back_normalized_values()
    {
        await using var server = await TestServer.StartAsync();
        await CreateFieldsAsync(server);
        await CreateDealAsync(server);
        var values = (await server.CallOkAsync("set_custom_field_values", new
        {
            entity = "deals", record = "deal-001", values = new Dictionary<string, object?>
            {
                ["notes_line"] = "  Met at the fair ", ["seats"] = 25, ["budget"] = 2500.5, ["kickoff"] = "2026-03-01",
                ["demo_at"] = "2026-03-02T09:30:00+02:00", ["lead_source"] = "referral", ["tags"] = new[] { "VIP", "pilot", "vip" },
                ["champion_email"] = "Jane@Acme.com", ["hotline"] = "+1 (415) 555-0100", ["portal"] = "acme.com/portal", ["signed"] = true,
            },
        })).GetProperty("data");
        var read = values.GetProperty("custom_fields");
        Assert.Equal("Met at the fair", read.GetProperty("notes_line").GetString());
        Assert.Equal(25, read.GetProperty("seats").GetDouble());
        Assert.Equal(2500.5, read.GetProperty("budget").GetDouble());
        Assert.Equal("2026-03-01", read.GetProperty("kickoff").GetString());
        Assert.Equal("2026-03-02T07:30:00.000Z", read.GetProperty("demo_at").GetString());
        Assert.Equal("Referral", read.GetProperty("lead_source").GetString());
        Assert.Equal(["vip", "pilot"], read.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("Jane@Acme.com", read.GetProperty("champion_email").GetString());
        Assert.Equal("+1 (415) 555-0100", read.GetProperty("hotline").GetString());
        Assert.Equal("https://acme.com/portal", read.GetProperty("portal").GetString());
        Assert.True(read.GetProperty("signed").GetBoolean());

        // null clears one value; the others stay.
        var cleared = (await server.CallOkAsync("set_custom_field_values", new
        {
            entity = "deal", record = values.GetProperty("id").GetString(), values = new Dictionary<string, object?> { ["seats"] = null, ["tags"] = Array.Empty<string>() },
        })).GetProperty("data").GetProperty("custom_fields");
        Assert.False(cleared.TryGetProperty("seats", out _));
        Assert.False(cleared.TryGetProperty("tags", out _));
        Assert.Equal(9, cleared.EnumerateObject().Count());
    }

    [Theory]
    [InlineData("notes_line", "\"\"", "empty text")]
    [InlineData("notes_line", "42", "got the number 42")]
    [InlineData("seats", "\"25\"", "got the text \"25\"")]
    [InlineData("budget", "10.555", "more decimals than EUR allows")]
    [InlineData("budget", "-5", "negative")]
    [InlineData("kickoff", "\"03/01/2026\"", "not an ISO date")]
    [InlineData("kickoff", "\"2026-02-30\"", "not an ISO date")]
    [InlineData("demo_at", "\"2026-03-02\"", "no time of day")]
    [InlineData("demo_at", "\"next tuesday at 3\"", "not an ISO 8601 date-time")]
    [InlineData("lead_source", "\"Cold call\"", "not an option")]
    [InlineData("tags", "\"vip\"", "not an array")]
    [InlineData("tags", "[\"vip\", \"gold\"]", "'gold' is not an option of tags")]
    [InlineData("champion_email", "\"jane-at-acme\"", "not a valid email")]
    [InlineData("hotline", "\"call me maybe\"", "not a phone number")]
    [InlineData("portal", "\"not a url\"", "not a web address")]
    [InlineData("portal", "\"ftp://acme.com\"", "not a web address")]
    [InlineData("signed", "\"yes\"", "got the text \"yes\"")]
    [InlineData("unknown_field", "1", "not a custom field of deals")]
    public async Task Wrong_values_name_the_field_and_write_nothing(string field, string json, string problem)
    {
        await using var server = await TestServer.StartAsync();
        await CreateFieldsAsync(server);
        await CreateDealAsync(server);
        await server.CallOkAsync("set_custom_field_values", new { entity = "deals", record = "DEAL-001", values = new { seats = 3 } });

        var values = new Dictionary<string, JsonElement> { ["signed"] = JsonSerializer.SerializeToElement(true), [field] = JsonDocument.Parse(json).RootElement };
        var error = await server.CallErrorAsync("set_custom_field_values", new { entity = "deals", record = "DEAL-001", values });
        Assert.StartsWith($"values.{field}", error.GetProperty("field").GetString());
        Assert.Contains(problem, error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("expected").GetString()));
        Assert.Equal(1, await server.Database.CountAsync("custom_field_values"));
    }

    [Theory]
    [InlineData("""{"entity": "invoices", "label": "X", "type": "text"}""", "entity", "not an entity")]
    [InlineData("""{"entity": "deals", "label": "X", "type": "string"}""", "type", "not a field type")]
    [InlineData("""{"entity": "deals", "label": "X", "type": "text", "name": "Bad Name"}""", "name", "not a field name")]
    [InlineData("""{"entity": "deals", "label": "!!!", "type": "text"}""", "label", "no usable field name")]
    [InlineData("""{"entity": "deals", "label": "X", "type": "single_select"}""", "options", "needs its options")]
    [InlineData("""{"entity": "deals", "label": "X", "type": "multi_select", "options": ["a", "A"]}""", "options[1]", "listed twice")]
    [InlineData("""{"entity": "deals", "label": "X", "type": "text", "options": ["a"]}""", "options", "only to single_select")]
    [InlineData("""{"entity": "deals", "label": "X", "type": "number", "currency": "EUR"}""", "currency", "only to currency")]
    [InlineData("""{"entity": "deals", "label": "X", "type": "currency", "currency": "XYZ"}""", "currency", "not a supported currency")]
    [InlineData("""{"entity": "deals", "label": "Seats", "type": "number"}""", "label", "already have a custom field named 'seats'")]
    public async Task Bad_definitions_are_refused(string arguments, string field, string problem)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Seats", type = "number" });
        var error = await server.CallErrorAsync("create_custom_field", JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments));
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(problem, error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, await server.Database.CountAsync("custom_fields"));
    }

    [Fact]
    public async Task Renaming_options_rewrites_values_and_dropping_a_used_option_is_refused()
    {
        await using var server = await TestServer.StartAsync();
        await CreateFieldsAsync(server);
        await CreateDealAsync(server, "Acme");
        await CreateDealAsync(server, "Globex");
        await server.CallOkAsync("set_custom_field_values", new { entity = "deals", record = "DEAL-001", values = new Dictionary<string, object> { ["lead_source"] = "Partner", ["tags"] = new[] { "pilot", "vip" } } });
        await server.CallOkAsync("set_custom_field_values", new { entity = "deals", record = "DEAL-002", values = new Dictionary<string, object> { ["lead_source"] = "Inbound", ["tags"] = new[] { "renewal" } } });

        var refused = await server.CallErrorAsync("update_custom_field", new { entity = "deals", field = "lead_source", options = new[] { "Inbound", "Referral" } });
        Assert.Equal("conflict", refused.GetProperty("code").GetString());
        Assert.Contains("'Partner' is still the value of 1 deals", refused.GetProperty("message").GetString());

        var merged = (await server.CallOkAsync("update_custom_field", new { entity = "deals", field = "lead_source", rename_options = new Dictionary<string, string> { ["partner"] = "Referral" } })).GetProperty("data");
        Assert.Equal(["Inbound", "Referral"], merged.GetProperty("options").EnumerateArray().Select(o => o.GetString()));
        var renamed = (await server.CallOkAsync("update_custom_field", new { entity = "deals", field = "tags", name = "labels", label = "Labels",
            options = new[] { "VIP client", "renewal", "pilot" }, rename_options = new Dictionary<string, string> { ["vip"] = "VIP client" } })).GetProperty("data");
        Assert.Equal("labels", renamed.GetProperty("name").GetString());

        var values = (await server.CallOkAsync("set_custom_field_values", new { entity = "deals", record = "DEAL-001", values = new { signed = false } }))
            .GetProperty("data").GetProperty("custom_fields");
        Assert.Equal("Referral", values.GetProperty("lead_source").GetString());
        Assert.Equal(["pilot", "VIP client"], values.GetProperty("labels").EnumerateArray().Select(t => t.GetString()));

        var typeless = await server.CallErrorAsync("update_custom_field", new { entity = "deals", field = "seats", options = new[] { "a" } });
        Assert.Equal("options", typeless.GetProperty("field").GetString());
        var missing = await server.CallErrorAsync("update_custom_field", new { entity = "deals", field = "nope", label = "X" });
        Assert.Equal("not_found", missing.GetProperty("code").GetString());
        Assert.Contains("seats", missing.GetProperty("expected").GetString());
    }

    [Fact]
    public async Task Deleting_a_field_or_a_record_removes_its_values()
    {
        await using var server = await TestServer.StartAsync();
        await CreateFieldsAsync(server);
        var dealId = await CreateDealAsync(server, "Acme");
        await CreateDealAsync(server, "Globex");
        await server.CallOkAsync("set_custom_field_values", new { entity = "deals", record = "DEAL-001", values = new { seats = 1, signed = true } });
        await server.CallOkAsync("set_custom_field_values", new { entity = "deals", record = "DEAL-002", values = new { seats = 2 } });

        var deleted = (await server.CallOkAsync("delete_custom_field", new { entity = "deals", field = "seats" })).GetProperty("data");
        Assert.Equal(2, deleted.GetProperty("values_removed").GetInt64());
        Assert.Equal("seats", deleted.GetProperty("field").GetProperty("name").GetString());
        Assert.Equal(1, await server.Database.CountAsync("custom_field_values"));

        await using (var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken))
            await Dapper.SqlMapper.ExecuteAsync(connection, "DELETE FROM deals WHERE id = @dealId", new { dealId });
        Assert.Equal(0, await server.Database.CountAsync("custom_field_values"));

        var again = await server.CallErrorAsync("delete_custom_field", new { entity = "deals", field = "seats" });
        Assert.Equal("not_found", again.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Records_are_found_by_identifier_company_name_or_contact_email()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme, Inc.", people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } });
        await server.CallOkAsync("create_custom_field", new { entity = "companies", label = "Tier", type = "single_select", options = new[] { "Gold", "Silver" } });
        await server.CallOkAsync("create_custom_field", new { entity = "contacts", label = "Newsletter", type = "checkbox" });

        var company = (await server.CallOkAsync("set_custom_field_values", new { entity = "companies", record = "ACME inc", values = new { tier = "gold" } })).GetProperty("data");
        Assert.Equal("Gold", company.GetProperty("custom_fields").GetProperty("tier").GetString());
        var contact = (await server.CallOkAsync("set_custom_field_values", new { entity = "people", record = "JANE@acme.com", values = new { newsletter = true } })).GetProperty("data");
        Assert.Equal("contacts", contact.GetProperty("entity").GetString());

        var missing = await server.CallErrorAsync("set_custom_field_values", new { entity = "deals", record = "DEAL-404", values = new { x = 1 } });
        Assert.Equal(("not_found", "record"), (missing.GetProperty("code").GetString(), missing.GetProperty("field").GetString()));
        var empty = await server.CallErrorAsync("set_custom_field_values", new { entity = "companies", record = "Acme", values = new { } });
        Assert.Equal("values", empty.GetProperty("field").GetString());
        var wrongEntityField = await server.CallErrorAsync("set_custom_field_values", new { entity = "companies", record = "Acme", values = new { newsletter = true } });
        Assert.Contains("tier (single_select)", wrongEntityField.GetProperty("expected").GetString());
    }
}
