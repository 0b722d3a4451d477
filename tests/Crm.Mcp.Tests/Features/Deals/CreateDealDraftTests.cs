using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Deals;

public sealed class CreateDealDraftTests
{
    private static readonly object SeedExample = new
    {
        company_name = "Acme, Inc.",
        amount = 100000,
        stage_name = "Workbench",
        people = new[] { new { name = "Jane Founder" } },
    };

    [Fact]
    public async Task Seed_example_reproduces_the_contract_shape_and_values()
    {
        await using var server = await TestServer.StartAsync();
        var response = await server.CallOkAsync("create_deal_draft", SeedExample);

        var seed = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "create-deal-draft-seed-response.json"))).RootElement;
        AssertHasEveryField(seed, response, "$");

        var deal = response.GetProperty("data").GetProperty("deal");
        Assert.Equal("10000000", deal.GetProperty("amount").GetString());
        var display = deal.GetProperty("amount_display");
        Assert.Equal("USD", display.GetProperty("currency").GetString());
        Assert.Equal("$100.00K", display.GetProperty("formatted").GetString());
        Assert.Equal("cents", display.GetProperty("unit").GetString());
        Assert.Equal(100000.0, display.GetProperty("value").GetDouble());
        Assert.Equal("DEAL-001", deal.GetProperty("identifier").GetString());
        Assert.True(deal.GetProperty("is_draft").GetBoolean());
        Assert.Equal("Acme, Inc.", deal.GetProperty("company").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, deal.GetProperty("company").GetProperty("logo").ValueKind);
        Assert.Equal(deal.GetProperty("company").GetProperty("id").GetString(), deal.GetProperty("company_id").GetString());
        Assert.Equal("Workbench", deal.GetProperty("stage").GetProperty("name").GetString());
        Assert.Equal(deal.GetProperty("stage").GetProperty("id").GetString(), deal.GetProperty("stage_id").GetString());
        Assert.Equal("Jane Founder", deal.GetProperty("people")[0].GetProperty("person").GetProperty("full_name").GetString());
        Assert.Equal("api", deal.GetProperty("source").GetString());
        Assert.Equal(0, deal.GetProperty("company_sort_index").GetInt32());
        Assert.Equal(0, deal.GetProperty("order_in_stage").GetInt32());
        foreach (var nullField in new[] { "expected_close_date", "renewal_date", "org_id", "owner", "owner_id", "user_id" })
            Assert.Equal(JsonValueKind.Null, deal.GetProperty(nullField).ValueKind);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", deal.GetProperty("created_at").GetString());
        Assert.Equal(0, response.GetProperty("data").GetProperty("people_deals").GetArrayLength());

        var resolution = response.GetProperty("data").GetProperty("resolution");
        Assert.True(resolution.GetProperty("company").GetProperty("created").GetBoolean());
        Assert.True(resolution.GetProperty("stage").GetProperty("created").GetBoolean());
        Assert.True(resolution.GetProperty("people")[0].GetProperty("created").GetBoolean());
        Assert.Equal(deal.GetProperty("people")[0].GetProperty("person").GetProperty("id").GetString(),
            resolution.GetProperty("people")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_created_deal_in_the_reply_is_the_deal_get_deal_reads_back()
    {
        // The write path builds a new deal's view without reading its services and custom field values (it has none
        // yet); it must still be, field for field, what a later read of the deal returns.
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Seats", type = "number" });
        var draft = await server.CallOkAsync("create_deal_draft", new
        {
            company_name = "Harper Robotics GmbH", amount = 1234.5, currency = "EUR", stage_name = "Proposal",
            people = new[] { new { name = "Ann Harper", email = "ann@harper.example" }, new { name = "Bob Quinn", email = "bob@harper.example" } },
        });
        var deal = draft.GetProperty("data").GetProperty("deal");
        var read = (await server.CallOkAsync("get_deal", new { deal = deal.GetProperty("identifier").GetString() })).GetProperty("data");
        Assert.Equal(read.GetRawText(), deal.GetRawText());
        Assert.Equal("0", deal.GetProperty("total_value").GetString());
        Assert.Equal(0, deal.GetProperty("total_quantity").GetInt64());
        Assert.Equal(2, deal.GetProperty("people").GetArrayLength());
    }

    [Fact]
    public async Task Second_call_resolves_the_same_company_person_and_stage_and_gets_the_next_identifier()
    {
        await using var server = await TestServer.StartAsync();
        var first = (await server.CallOkAsync("create_deal_draft", SeedExample)).GetProperty("data");
        var second = (await server.CallOkAsync("create_deal_draft", new
        {
            company_name = "ACME inc",
            amount = 5000,
            stage_name = "workbench",
            people = new[] { new { name = "jane  founder" } },
        })).GetProperty("data");

        var resolution = second.GetProperty("resolution");
        Assert.False(resolution.GetProperty("company").GetProperty("created").GetBoolean());
        Assert.Equal("name", resolution.GetProperty("company").GetProperty("matched_by").GetString());
        Assert.Equal(first.GetProperty("resolution").GetProperty("company").GetProperty("id").GetString(),
            resolution.GetProperty("company").GetProperty("id").GetString());
        Assert.False(resolution.GetProperty("stage").GetProperty("created").GetBoolean());
        Assert.False(resolution.GetProperty("people")[0].GetProperty("created").GetBoolean());
        Assert.Equal("DEAL-002", second.GetProperty("deal").GetProperty("identifier").GetString());
        Assert.Equal(1, second.GetProperty("deal").GetProperty("company_sort_index").GetInt32());
        Assert.Equal(1, second.GetProperty("deal").GetProperty("order_in_stage").GetInt32());
        Assert.Equal(1, await server.Database.CountAsync("companies"));
        Assert.Equal(1, await server.Database.CountAsync("people"));
    }

    [Theory]
    [InlineData("Acme, Inc.", "ACME inc")]
    [InlineData("Acme, Inc.", "acme")]
    [InlineData("Acme Corporation", "ACME Corp.")]
    [InlineData("Globex GmbH", "globex")]
    [InlineData("Initech L.L.C.", "Initech LLC")]
    [InlineData("Müller & Söhne AG", "Muller and Sohne")]
    public async Task Company_spellings_resolve_to_one_record(string first, string second)
    {
        await using var server = await TestServer.StartAsync();
        var a = await server.CallOkAsync("create_deal_draft", new { company_name = first });
        var b = await server.CallOkAsync("create_deal_draft", new { company_name = second });
        Assert.Equal(CompanyId(a), CompanyId(b));
        Assert.Equal(first, b.GetProperty("data").GetProperty("deal").GetProperty("company").GetProperty("name").GetString());
    }

    [Fact]
    public async Task People_match_by_email_case_insensitively_before_name()
    {
        await using var server = await TestServer.StartAsync();
        var a = await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", people = new[] { new { name = "Jane Founder", email = "Jane@Acme.com" } } });
        var b = await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", people = new[] { new { name = "J. Founder", email = "jane@acme.COM" } } });
        var person = b.GetProperty("data").GetProperty("resolution").GetProperty("people")[0];
        Assert.Equal("email", person.GetProperty("matched_by").GetString());
        Assert.Equal(a.GetProperty("data").GetProperty("resolution").GetProperty("people")[0].GetProperty("id").GetString(), person.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_name_shared_by_two_people_is_an_error_with_candidates_and_writes_nothing()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Sam Lee", email = "sam1@x.com" } } });
        await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Sam Lee", email = "sam2@y.com" } } });
        var before = await server.Database.FingerprintAsync();

        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = "NewCo", people = new[] { new { name = "Sam Lee" } } });

        Assert.Equal("needs_disambiguation", error.GetProperty("code").GetString());
        Assert.Equal("people[0]", error.GetProperty("field").GetString());
        var emails = error.GetProperty("candidates").EnumerateArray().Select(c => c.GetProperty("email").GetString()).Order();
        Assert.Equal(["sam1@x.com", "sam2@y.com"], emails);
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task A_bad_email_on_the_third_person_leaves_nothing_written()
    {
        await using var server = await TestServer.StartAsync();
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync("create_deal_draft", new
        {
            company_name = "Brand New Co",
            stage_name = "Brand New Stage",
            people = new[] { new { name = "One", email = "one@new.co" }, new { name = "Two", email = "two@new.co" }, new { name = "Three", email = "three-at-new.co" } },
        });
        Assert.Equal("people[2].email", error.GetProperty("field").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task An_unknown_owner_id_leaves_nothing_written()
    {
        await using var server = await TestServer.StartAsync();
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = "Brand New Co", owner_id = Guid.NewGuid().ToString() });
        Assert.Equal("not_found", error.GetProperty("code").GetString());
        Assert.Equal("owner_id", error.GetProperty("field").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    public static TheoryData<string, string, string> BadInputs() => new()
    {
        { """{"amount": -1}""", "amount", "negative" },
        { """{"amount": 10.123}""", "amount", "decimals" },
        { """{"amount": 1.5, "currency": "JPY"}""", "amount", "decimals" },
        { """{"amount": 1e300}""", "amount", "too large" },
        { """{"amount": "100"}""", "amount", "not number" },
        { """{"currency": "XYZ"}""", "currency", "not a supported currency" },
        { """{"expected_close_date": "31/12/2026"}""", "expected_close_date", "ISO 8601" },
        { """{"renewal_date": "2026-02-30"}""", "renewal_date", "ISO 8601" },
        { """{"company_name": "  "}""", "company_name", "empty" },
        { """{"company_name": "!!!"}""", "company_name", "no letters" },
        { """{"people": [{}]}""", "people[0]", "name or an email" },
        { """{"people": [{"email": "jane@"}]}""", "people[0].email", "not a valid email" },
        { """{"people": [{"name": "Jane", "email": "jane at acme.com"}]}""", "people[0].email", "not a valid email" },
        { """{"company_id": "acme"}""", "company_id", "not a UUID" },
        { """{"stage_id": "123"}""", "stage_id", "not a UUID" },
        { """{"owner_id": "me"}""", "owner_id", "not a UUID" },
        { """{"user_id": "42"}""", "user_id", "not a UUID" },
        { """{"person_ids": ["x"]}""", "person_ids[0]", "not a UUID" },
        { """{"person_ids": ["3f2b8a1e-5c4d-4e6f-8a9b-0c1d2e3f4a5b"]}""", "person_ids[0]", "no person" },
        { """{"company_id": "3f2b8a1e-5c4d-4e6f-8a9b-0c1d2e3f4a5b"}""", "company_id", "no company" },
        { """{"stage_id": "3f2b8a1e-5c4d-4e6f-8a9b-0c1d2e3f4a5b"}""", "stage_id", "no stage" },
        { """{"identifier_template": "DEAL"}""", "identifier_template", "{seq}" },
        { """{"identifier_template": "D-{seq}-{foo}"}""", "identifier_template", "unknown token" },
        { """{"stage": "Proposal"}""", "stage", "did you mean" },
        { """{"people": [{"name": "Jane", "mail": "j@x.com"}]}""", "people[0].mail", "not a known field" },
        { """{"name": ""}""", "name", "empty" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_is_an_error_naming_the_field_and_writes_nothing(string arguments, string field, string problem)
    {
        await using var server = await TestServer.StartAsync();
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync("create_deal_draft", JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments));
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(problem, error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("expected").GetString()));
        Assert.DoesNotContain("   at ", error.GetProperty("message").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task Company_id_and_a_disagreeing_company_name_are_rejected()
    {
        await using var server = await TestServer.StartAsync();
        var acme = CompanyId(await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" }));
        var error = await server.CallErrorAsync("create_deal_draft", new { company_id = acme, company_name = "Globex" });
        Assert.Equal("company_name", error.GetProperty("field").GetString());
        Assert.Contains("disagree", error.GetProperty("message").GetString());

        var agreeing = await server.CallOkAsync("create_deal_draft", new { company_id = acme, company_name = "ACME Inc." });
        Assert.Equal("id", agreeing.GetProperty("data").GetProperty("resolution").GetProperty("company").GetProperty("matched_by").GetString());
    }

    [Fact]
    public async Task A_new_stage_goes_after_the_last_open_stage_and_closed_stages_stay_last()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { stage_name = "Workbench" });
        await using var connection = await server.Db.OpenAsync();
        var names = Dapper.SqlMapper.Query<string>(connection, "SELECT name FROM stages ORDER BY position").ToList();
        Assert.Equal(["Qualified", "Discovery", "Proposal", "Negotiation", "Workbench", "Closed Won", "Closed Lost"], names);
    }

    [Fact]
    public async Task Person_ids_attach_existing_people_and_are_reported_in_people_deals()
    {
        await using var server = await TestServer.StartAsync();
        var first = await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Ann Buyer", email = "ann@buyer.com" } } });
        var annId = first.GetProperty("data").GetProperty("resolution").GetProperty("people")[0].GetProperty("id").GetString();

        var second = (await server.CallOkAsync("create_deal_draft", new { company_name = "Buyer Inc", person_ids = new[] { annId } })).GetProperty("data");
        var link = Assert.Single(second.GetProperty("people_deals").EnumerateArray());
        Assert.Equal(annId, link.GetProperty("person_id").GetString());
        Assert.Equal(annId, second.GetProperty("deal").GetProperty("people")[0].GetProperty("person").GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_draft_links_its_people_and_attached_people_with_one_statement_each_person_once()
    {
        await using var server = await TestServer.StartAsync();
        var first = await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Ann Buyer", email = "ann@buyer.com" } } });
        var annId = first.GetProperty("data").GetProperty("resolution").GetProperty("people")[0].GetProperty("id").GetString();

        // Ann twice (by email and by id) and a new person: two links, written by one INSERT (a statement per person before).
        var inserts = await CountStatementsAsync(server, "INSERT INTO deal_people");
        var draft = await server.CallOkAsync("create_deal_draft", new
        {
            company_name = "Buyer Inc", person_ids = new[] { annId },
            people = new[] { new { name = "Ann Buyer", email = "ann@buyer.com" }, new { name = "Carl Ostrander", email = "carl@buyer.com" } },
        });
        var deal = draft.GetProperty("data").GetProperty("deal");
        Assert.Equal(["Ann Buyer", "Carl Ostrander"], deal.GetProperty("people").EnumerateArray().Select(p => p.GetProperty("person").GetProperty("full_name").GetString()));
        var read = (await server.CallOkAsync("get_deal", new { deal = deal.GetProperty("identifier").GetString() })).GetProperty("data");
        Assert.Equal(read.GetRawText(), deal.GetRawText());
        if (!TestDatabase.IsPostgres) Assert.Equal(1, inserts());
    }

    /// <summary>Counts, from now on, the SQLite statements starting with <paramref name="prefix"/> that the pool's
    /// connections run (none on PostgreSQL, which is not traced).</summary>
    private static async Task<Func<int>> CountStatementsAsync(TestServer server, string prefix)
    {
        var count = 0;
        if (TestDatabase.IsPostgres) return () => count;
        var opened = new List<System.Data.Common.DbConnection>();
        for (var i = 0; i < 8; i++) opened.Add(await server.Db.OpenAsync(TestContext.Current.CancellationToken));
        foreach (var connection in opened)
            SQLitePCL.raw.sqlite3_profile(((Microsoft.Data.Sqlite.SqliteConnection)connection).Handle!, (_, sql, _) =>
            {
                if (sql.StartsWith(prefix, StringComparison.Ordinal)) Interlocked.Increment(ref count);
            }, null);
        foreach (var connection in opened) await connection.DisposeAsync();
        return () => Volatile.Read(ref count);
    }

    [Fact]
    public async Task Owner_and_dates_and_currency_are_stored()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.Db.OpenAsync();
        var userId = Dapper.SqlMapper.ExecuteScalar<string>(connection, "SELECT id FROM users WHERE is_default = 1");
        var deal = (await server.CallOkAsync("create_deal_draft", new
        {
            company_name = "Tokyo KK", amount = 1500000, currency = "jpy", owner_id = userId,
            expected_close_date = "2026-12-31", renewal_date = "2027-12-31T09:00:00+09:00",
        })).GetProperty("data").GetProperty("deal");
        Assert.Equal("1500000", deal.GetProperty("amount").GetString());
        Assert.Equal("¥1.50M", deal.GetProperty("amount_display").GetProperty("formatted").GetString());
        Assert.Equal("JPY", deal.GetProperty("currency").GetString());
        Assert.Equal(userId, deal.GetProperty("owner").GetProperty("id").GetString());
        Assert.Equal("2026-12-31", deal.GetProperty("expected_close_date").GetString());
        Assert.Equal("2027-12-31T00:00:00.000Z", deal.GetProperty("renewal_date").GetString());
    }

    [Fact]
    public async Task Custom_identifier_templates_count_separately()
    {
        await using var server = await TestServer.StartAsync();
        var year = DateTime.UtcNow.Year;
        var a = await server.CallOkAsync("create_deal_draft", new { identifier_template = "ACME-{yyyy}-{seq:4}" });
        var b = await server.CallOkAsync("create_deal_draft", new { identifier_template = "ACME-{yyyy}-{seq:4}" });
        var c = await server.CallOkAsync("create_deal_draft", new { });
        Assert.Equal($"ACME-{year}-0001", Identifier(a));
        Assert.Equal($"ACME-{year}-0002", Identifier(b));
        Assert.Equal("DEAL-001", Identifier(c));
    }

    private static string? CompanyId(JsonElement response) =>
        response.GetProperty("data").GetProperty("deal").GetProperty("company_id").GetString();

    private static string? Identifier(JsonElement response) =>
        response.GetProperty("data").GetProperty("deal").GetProperty("identifier").GetString();

    /// <summary>Every field of the contract exists in the response with a compatible kind (extra fields are allowed).</summary>
    private static void AssertHasEveryField(JsonElement expected, JsonElement actual, string path)
    {
        if (expected.ValueKind == JsonValueKind.Object)
        {
            Assert.True(actual.ValueKind == JsonValueKind.Object, $"{path} should be an object");
            foreach (var property in expected.EnumerateObject())
            {
                Assert.True(actual.TryGetProperty(property.Name, out var value), $"{path}.{property.Name} is missing");
                AssertHasEveryField(property.Value, value, $"{path}.{property.Name}");
            }
        }
        else if (expected.ValueKind == JsonValueKind.Array && expected.GetArrayLength() > 0)
        {
            Assert.True(actual.ValueKind == JsonValueKind.Array && actual.GetArrayLength() > 0, $"{path} should be a non-empty array");
            AssertHasEveryField(expected[0], actual[0], $"{path}[0]");
        }
        else if (expected.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
        {
            var kind = expected.ValueKind is JsonValueKind.True or JsonValueKind.False ? JsonValueKind.True : expected.ValueKind;
            var actualKind = actual.ValueKind is JsonValueKind.True or JsonValueKind.False ? JsonValueKind.True : actual.ValueKind;
            Assert.True(kind == actualKind, $"{path} is {actual.ValueKind}, the contract has {expected.ValueKind}");
        }
    }
}
