using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Lists;

/// <summary>Six deals that every read-only test shares, so the rule-by-rule theories stay fast.</summary>
public sealed class SixDeals : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await ListEngineTests.SixDealsAsync();

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>The filter language, search, sort and paging, driven through get_deals over a real MCP client.</summary>
public sealed class ListEngineTests(SixDeals six) : IClassFixture<SixDeals>
{
    internal static async Task<TestServer> SixDealsAsync()
    {
        var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { name = "Alpha", company_name = "Acme", amount = 1000, stage_name = "Proposal", expected_close_date = "2026-03-01", people = new[] { new { name = "Jane Founder" } } });
        await server.CallOkAsync("create_deal_draft", new { name = "Beta", company_name = "Acme", amount = 5000, stage_name = "Discovery", expected_close_date = "2026-06-30" });
        await server.CallOkAsync("create_deal_draft", new { name = "Gamma", company_name = "Globex", amount = 5000, stage_name = "Proposal", people = new[] { new { name = "Bob Builder" }, new { name = "Jane Founder" } } });
        await server.CallOkAsync("create_deal_draft", new { name = "Delta", stage_name = "Qualified" });
        await server.CallOkAsync("create_deal_draft", new { name = "Epsilon 100%", company_name = "Initech", amount = 250000, currency = "JPY", stage_name = "Negotiation", expected_close_date = "2026-12-31" });
        await server.CallOkAsync("create_deal_draft", new { name = "Zeta_x", company_name = "Globex", amount = 20000.5, currency = "EUR", stage_name = "Closed Won" });
        await using var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken);
        await connection.ExecuteAsync("UPDATE deals SET is_draft = 0 WHERE name = 'Beta'");
        return server;
    }

    private static async Task<List<string>> NamesAsync(TestServer server, object arguments) =>
        (await server.CallOkAsync("get_deals", arguments)).GetProperty("data").GetProperty("items").EnumerateArray()
        .Select(d => d.GetProperty("name").GetString()!).ToList();

    private static object Args(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Theory]
    [InlineData("""{"field": "name", "op": "equals", "value": "ALPHA"}""", "Alpha")]
    [InlineData("""{"field": "company", "op": "not_equals", "value": "acme"}""", "Gamma,Delta,Epsilon 100%,Zeta_x")]
    [InlineData("""{"field": "name", "op": "contains", "value": "ta"}""", "Beta,Delta,Zeta_x")]
    [InlineData("""{"field": "name", "op": "contains", "value": "%"}""", "Epsilon 100%")]
    [InlineData("""{"field": "name", "op": "contains", "value": "_"}""", "Zeta_x")]
    [InlineData("""{"field": "name", "op": "starts_with", "value": "ep"}""", "Epsilon 100%")]
    // Amounts compare within one currency (the six deals hold USD, EUR and JPY): each comparison pins one.
    [InlineData("""{"field": "amount", "op": "gt", "value": 5000}, {"field": "currency", "op": "equals", "value": "EUR"}""", "Zeta_x")]
    [InlineData("""{"field": "amount", "op": "gte", "value": 5000}, {"field": "currency", "op": "in", "value": ["USD"]}""", "Beta,Gamma")]
    [InlineData("""{"field": "amount", "op": "lt", "value": 5000}, {"field": "currency", "op": "equals", "value": "USD"}""", "Alpha")]
    [InlineData("""{"field": "amount", "op": "lte", "value": 1000}, {"field": "currency", "op": "equals", "value": "USD"}""", "Alpha")]
    [InlineData("""{"field": "amount", "op": "equals", "value": 20000.5}, {"field": "currency", "op": "equals", "value": "EUR"}""", "Zeta_x")]
    [InlineData("""{"field": "amount", "op": "between", "value": [1000, 5000]}, {"field": "currency", "op": "equals", "value": "USD"}""", "Alpha,Beta,Gamma")]
    [InlineData("""{"field": "amount", "op": "gt", "value": 100000}""", "Epsilon 100%")] // the matches are all JPY: not mixed
    [InlineData("""{"field": "stage", "op": "in", "value": ["proposal", "Discovery"]}""", "Alpha,Beta,Gamma")]
    [InlineData("""{"field": "stage", "op": "not_in", "value": ["Proposal"]}""", "Beta,Delta,Epsilon 100%,Zeta_x")]
    [InlineData("""{"field": "expected_close_date", "op": "is_null"}""", "Gamma,Delta,Zeta_x")]
    [InlineData("""{"field": "amount", "op": "is_not_null"}""", "Alpha,Beta,Gamma,Epsilon 100%,Zeta_x")]
    [InlineData("""{"field": "people", "op": "has_any", "value": ["jane founder", "Bob Builder"]}""", "Alpha,Gamma")]
    [InlineData("""{"field": "people", "op": "has_none", "value": ["Jane Founder"]}""", "Beta,Delta,Epsilon 100%,Zeta_x")]
    [InlineData("""{"field": "people", "op": "is_null"}""", "Beta,Delta,Epsilon 100%,Zeta_x")]
    [InlineData("""{"field": "stage_kind", "op": "equals", "value": "won"}""", "Zeta_x")]
    [InlineData("""{"field": "currency", "op": "equals", "value": "jpy"}""", "Epsilon 100%")]
    [InlineData("""{"field": "expected_close_date", "op": "lte", "value": "2026-06-30"}""", "Alpha,Beta")]
    [InlineData("""{"field": "expected_close_date", "op": "equals", "value": "2026-12-31"}""", "Epsilon 100%")]
    [InlineData("""{"field": "is_draft", "op": "equals", "value": false}""", "Beta")]
    [InlineData("""{"field": "is_draft", "op": "not_equals", "value": false}""", "Alpha,Gamma,Delta,Epsilon 100%,Zeta_x")]
    [InlineData("""{"field": "created_at", "op": "lt", "value": "2000-01-01"}""", "")]
    [InlineData("""{"field": "created_at", "op": "gt", "value": "2000-01-01T00:00:00Z"}""", "Alpha,Beta,Gamma,Delta,Epsilon 100%,Zeta_x")]
    public async Task Each_rule_selects_exactly_the_matching_deals(string rule, string expected)
    {
        var server = six.Server;
        var names = await NamesAsync(server, Args($$"""{"filters": [{{rule}}], "sort": [{"field": "created_at"}]}"""));
        Assert.Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries), names);
    }

    [Fact]
    public async Task A_bare_date_on_a_datetime_field_means_the_whole_utc_day()
    {
        var server = six.Server;
        var created = (await server.CallOkAsync("get_deals", new { view = "full", limit = 1 })).GetProperty("data").GetProperty("items")[0].GetProperty("created_at").GetString()!;
        var day = created[..10];
        Assert.Equal(6, (await NamesAsync(server, Args($$"""{"filters": [{"field": "created_at", "op": "equals", "value": "{{day}}"}]}"""))).Count);
        Assert.Equal(6, (await NamesAsync(server, Args($$"""{"filters": [{"field": "created_at", "op": "lte", "value": "{{day}}"}]}"""))).Count);
        Assert.Empty(await NamesAsync(server, Args($$"""{"filters": [{"field": "created_at", "op": "gt", "value": "{{day}}"}]}""")));
    }

    [Fact]
    public async Task Id_fields_filter_by_uuid()
    {
        var server = six.Server;
        var page = (await server.CallOkAsync("get_deals", new { view = "full", search = "alpha" })).GetProperty("data");
        var alpha = page.GetProperty("items")[0];
        var companyId = alpha.GetProperty("company_id").GetString();
        Assert.Equal(["Alpha"], await NamesAsync(server, Args($$"""{"filters": [{"field": "id", "op": "equals", "value": "{{alpha.GetProperty("id").GetString()!.ToUpperInvariant()}}"}]}""")));
        Assert.Equal(["Alpha", "Beta"], await NamesAsync(server, Args($$"""{"filters": [{"field": "company_id", "op": "in", "value": ["{{companyId}}"]}], "sort": [{"field": "name"}]}""")));
    }

    [Fact]
    public async Task Any_of_groups_are_ored_and_anded_with_the_other_rules()
    {
        var server = six.Server;
        var names = await NamesAsync(server, Args("""
            {"filters": [
               {"any_of": [{"field": "stage", "op": "equals", "value": "Proposal"}, {"field": "stage_kind", "op": "equals", "value": "won"}]},
               {"field": "company", "op": "not_equals", "value": "Initech"}],
             "sort": [{"field": "name"}]}
            """));
        Assert.Equal(["Alpha", "Gamma", "Zeta_x"], names);
    }

    [Theory]
    [InlineData("acme", "Alpha,Beta")]
    [InlineData("GAMMA bob", "Gamma")]
    [InlineData("acme gamma", "")]
    [InlineData("100%", "Epsilon 100%")]
    public async Task Search_matches_every_word_in_some_text_field(string search, string expected)
    {
        var server = six.Server;
        Assert.Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries),
            await NamesAsync(server, new { search, sort = new[] { new { field = "name" } } }));
    }

    [Fact]
    public async Task Several_sort_keys_apply_in_order_with_nulls_last()
    {
        var server = six.Server;
        // Amounts sort within their currency (EUR, JPY, USD), never raw across them.
        Assert.Equal(["Zeta_x", "Epsilon 100%", "Beta", "Gamma", "Alpha", "Delta"],
            await NamesAsync(server, Args("""{"sort": [{"field": "amount", "direction": "desc"}, {"field": "name"}]}""")));
        Assert.Equal(["Zeta_x", "Epsilon 100%", "Gamma", "Beta", "Alpha", "Delta"],
            await NamesAsync(server, Args("""{"sort": [{"field": "amount", "direction": "desc"}, {"field": "name", "direction": "DESC"}]}""")));
        // A stage sorts in pipeline order, not by its name.
        Assert.Equal(["Delta", "Beta", "Alpha", "Gamma", "Epsilon 100%", "Zeta_x"],
            await NamesAsync(server, Args("""{"sort": [{"field": "stage"}, {"field": "name"}]}""")));
        Assert.Equal(["Alpha", "Beta", "Zeta_x", "Gamma", "Epsilon 100%", "Delta"],
            await NamesAsync(server, Args("""{"sort": [{"field": "company"}, {"field": "amount"}]}""")));
    }

    [Fact]
    public async Task Cursor_paging_over_ties_and_nulls_loses_and_repeats_nothing()
    {
        await using var server = await TestServer.StartAsync();
        string[] companies = ["Acme", "Globex", "Initech"];
        for (var i = 0; i < 37; i++)
            await server.CallOkAsync("create_deal_draft", new
            {
                name = $"Deal {i}",
                company_name = i % 4 == 3 ? null : companies[i % 3],
                amount = i % 5 == 4 ? (double?)null : 1000 * (i % 3),
                stage_name = i % 2 == 0 ? "Proposal" : "Discovery",
                expected_close_date = i % 3 == 0 ? null : "2026-06-30",
            });
        await using (var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken))
            await connection.ExecuteAsync("UPDATE deals SET is_draft = 0 WHERE name LIKE '%3' OR name LIKE '%7'; UPDATE deals SET created_at = '2026-01-01T00:00:00.000Z' WHERE name LIKE '%1%'");

        string[] sorts =
        [
            """[{"field": "amount", "direction": "desc"}]""",
            """[{"field": "company"}, {"field": "amount", "direction": "desc"}]""",
            """[{"field": "is_draft"}, {"field": "stage", "direction": "desc"}, {"field": "expected_close_date"}]""",
            """[{"field": "created_at", "direction": "desc"}]""",
        ];
        foreach (var sort in sorts)
        {
            var sortKeys = JsonSerializer.Deserialize<JsonElement>(sort);
            var all = await NamesAsync(server, new { sort = sortKeys, limit = 100 });
            Assert.Equal(37, all.Count);
            Assert.Equal(37, all.Distinct().Count());
            Assert.Equal(all, await PageThroughAsync(server, sortKeys));
        }
    }

    private static async Task<List<string>> PageThroughAsync(TestServer server, JsonElement sortKeys)
    {
        var paged = new List<string>();
        string? cursor = null;
        do
        {
            var page = (await server.CallOkAsync("get_deals", new { sort = sortKeys, limit = 4, cursor })).GetProperty("data");
            Assert.Equal(37, page.GetProperty("total").GetProperty("value").GetInt64());
            var items = page.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("name").GetString()!).ToList();
            Assert.InRange(items.Count, 1, 4);
            paged.AddRange(items);
            cursor = page.GetProperty("next_cursor").GetString();
            Assert.Equal(cursor is not null, page.GetProperty("has_more").GetBoolean());
        } while (cursor is not null);
        return paged;
    }

    [Fact]
    public async Task Total_is_exact_up_to_the_bound_and_a_lower_bound_beyond_it()
    {
        await using var server = await TestServer.StartAsync();
        // One past the bound, written set-based (1,001 tool calls would take a while).
        const string insertSql = """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @rows)
            INSERT INTO companies (id, name, name_key, created_at, updated_at)
            SELECT 'bulk-' || i, 'Bulk ' || i, 'bulk ' || i, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z' FROM n
            """;
        await server.Db.WriteAsync((connection, transaction) => connection.ExecuteAsync(insertSql, new { rows = Crm.Mcp.Lists.ListEngine.ExactTotalUpTo + 1 }, transaction));
        var all = (await server.CallOkAsync("get_companies", new { limit = 1 })).GetProperty("data").GetProperty("total");
        Assert.Equal(Crm.Mcp.Lists.ListEngine.ExactTotalUpTo, all.GetProperty("value").GetInt64());
        Assert.Equal("gte", all.GetProperty("relation").GetString());
        var some = (await server.CallOkAsync("get_companies", Args("""{"filters": [{"field": "name", "op": "starts_with", "value": "Bulk 100"}]}""")))
            .GetProperty("data").GetProperty("total");
        Assert.Equal(3, some.GetProperty("value").GetInt64()); // Bulk 100, 1000, 1001
        Assert.Equal("eq", some.GetProperty("relation").GetString());
    }

    /// <summary>With its currency pinned, the count compares an amount on its minor units (an index range) while the
    /// page compares major units (a double division): both must select the same deals, also where a decimal amount
    /// has no exact double (1.1 is 1.100000000000000088..., so a naive ceil(1.1 × 100) = 111 would drop 110 cents).</summary>
    [Fact]
    public async Task The_count_agrees_with_the_page_at_amount_boundaries()
    {
        await using var server = await TestServer.StartAsync();
        foreach (var (amount, currency) in new[] { (0.29, "USD"), (1.1, "USD"), (1.11, "USD"), (5.0, "JPY"), (1.105, "BHD") })
            await server.CallOkAsync("create_deal_draft", new { name = $"{currency} {amount}", amount, currency });
        (string Currency, string Op, double Value, int Expected)[] cases =
        [
            ("USD", "gte", 1.1, 2), ("USD", "gt", 1.1, 1), ("USD", "lte", 1.1, 2), ("USD", "lt", 1.1, 1),
            ("USD", "gte", 0.29, 3), ("USD", "lt", 0.29, 0), ("JPY", "gte", 5, 1), ("JPY", "gt", 4.5, 1),
            ("BHD", "gte", 1.105, 1), ("BHD", "lte", 1.104, 0),
        ];
        foreach (var (currency, op, value, expected) in cases)
        {
            var amount = new { field = "amount", op, value };
            // Pinned by equals (any case) and by a one-value in.
            foreach (var pin in new object[] { new { field = "currency", op = "equals", value = currency.ToLowerInvariant() }, new { field = "currency", op = "in", value = new[] { currency } } })
            {
                var data = (await server.CallOkAsync("get_deals", new { filters = new[] { amount, pin } })).GetProperty("data");
                Assert.True(expected == data.GetProperty("items").GetArrayLength(), $"{currency} {op} {value}: page");
                Assert.True(expected == data.GetProperty("total").GetProperty("value").GetInt64(), $"{currency} {op} {value}: count");
            }
        }
    }

    [Fact]
    public async Task Paging_with_filters_counts_only_the_matches()
    {
        await using var server = await TestServer.StartAsync();
        for (var i = 0; i < 12; i++)
            await server.CallOkAsync("create_deal_draft", new { name = $"Deal {i}", amount = i % 2 == 0 ? 500 : 50 });
        var first = (await server.CallOkAsync("get_deals", Args("""{"filters": [{"field": "amount", "op": "gte", "value": 100}], "limit": 5}"""))).GetProperty("data");
        Assert.Equal(6, first.GetProperty("total").GetProperty("value").GetInt64());
        Assert.True(first.GetProperty("has_more").GetBoolean());
        var second = (await server.CallOkAsync("get_deals", Args($$"""{"filters": [{"field": "amount", "op": "gte", "value": 100}], "limit": 5, "cursor": "{{first.GetProperty("next_cursor").GetString()}}"}"""))).GetProperty("data");
        Assert.Equal(1, second.GetProperty("items").GetArrayLength());
        Assert.False(second.GetProperty("has_more").GetBoolean());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next_cursor").ValueKind);
    }

    [Theory]
    [InlineData("""{"filters": [{"field": "amout", "op": "gt", "value": 1}]}""", "filters[0].field", "not a field of deals; did you mean amount", "amount, currency")]
    [InlineData("""{"filters": [{"op": "gt", "value": 1}]}""", "filters[0].field", "is required", "amount")]
    [InlineData("""{"filters": [{"field": "amount", "op": "greater", "value": 1}]}""", "filters[0].op", "not an operator", "gt, gte")]
    [InlineData("""{"filters": [{"field": "amount", "op": "contains", "value": "1"}]}""", "filters[0].op", "does not apply to amount, a currency field", "between")]
    [InlineData("""{"filters": [{"field": "name", "op": "gt", "value": "b"}]}""", "filters[0].op", "does not apply to name, a text field", "contains")]
    [InlineData("""{"filters": [{"field": "amount", "op": "gt", "value": "lots"}]}""", "filters[0].value", "amount is a currency field; got the text \"lots\"", "major units")]
    [InlineData("""{"filters": [{"field": "amount", "op": "gt"}]}""", "filters[0].value", "gt needs a value", "major units")]
    [InlineData("""{"filters": [{"field": "amount", "op": "between", "value": [1]}]}""", "filters[0].value", "has 1 values", "[from, to]")]
    [InlineData("""{"filters": [{"field": "amount", "op": "between", "value": [1, "x"]}]}""", "filters[0].value[1]", "currency field", "major units")]
    [InlineData("""{"filters": [{"field": "stage", "op": "in", "value": "Proposal"}]}""", "filters[0].value", "needs an array", "array of 1 to 100")]
    [InlineData("""{"filters": [{"field": "stage", "op": "in", "value": []}]}""", "filters[0].value", "has 0 values", "array of 1 to 100")]
    [InlineData("""{"filters": [{"field": "currency", "op": "equals", "value": "XXX"}]}""", "filters[0].value", "not an option of currency", "\"USD\"")]
    [InlineData("""{"filters": [{"field": "expected_close_date", "op": "gt", "value": "next week"}]}""", "filters[0].value", "not an ISO date", "2026-12-31")]
    [InlineData("""{"filters": [{"field": "created_at", "op": "gt", "value": "yesterday"}]}""", "filters[0].value", "datetime field", "2026-12-31T17:00:00Z")]
    [InlineData("""{"filters": [{"field": "is_draft", "op": "equals", "value": "yes"}]}""", "filters[0].value", "checkbox field", "true or false")]
    [InlineData("""{"filters": [{"field": "company_id", "op": "equals", "value": "acme"}]}""", "filters[0].value", "not a UUID", "UUID")]
    [InlineData("""{"filters": [{"field": "notes", "op": "is_null", "value": "x"}]}""", "filters[0].value", "is_null takes no value", "no value")]
    [InlineData("""{"filters": [{"field": "people", "op": "has_any", "value": [1]}]}""", "filters[0].value[0]", "multi_select field", "text")]
    [InlineData("""{"filters": [{"any_of": [{"field": "amount", "op": "gt", "value": 1}, {"field": "nope", "op": "equals", "value": 1}]}]}""", "filters[0].any_of[1].field", "not a field of deals", "amount")]
    [InlineData("""{"filters": [{"any_of": []}]}""", "filters[0].any_of", "has 0 rules", "1 to 50")]
    [InlineData("""{"filters": [{"field": "amount", "op": "gt", "value": 1, "any_of": [{"field": "amount", "op": "gt", "value": 1}]}]}""", "filters[0]", "both any_of and field", "either")]
    [InlineData("""{"sort": [{"field": "amont"}]}""", "sort[0].field", "not a field of deals", "amount")]
    [InlineData("""{"sort": [{"field": "notes"}]}""", "sort[0].field", "cannot be sorted", "amount")]
    [InlineData("""{"sort": [{"field": "amount", "direction": "down"}]}""", "sort[0].direction", "not a direction", "\"asc\" or \"desc\"")]
    [InlineData("""{"sort": [{"field": "amount"}, {"field": "AMOUNT"}]}""", "sort[1].field", "already a sort key", "at most once")]
    [InlineData("""{"search": "   "}""", "search", "must not be empty", "acme")]
    public async Task Bad_filters_are_errors_that_name_the_field_and_list_what_is_valid(string arguments, string field, string problem, string expected)
    {
        var server = six.Server;
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync("get_deals", Args(arguments));
        Assert.Equal("invalid_argument", error.GetProperty("code").GetString());
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(problem, error.GetProperty("message").GetString());
        Assert.Contains(expected, error.GetProperty("expected").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task A_cursor_only_continues_the_sort_it_was_made_for()
    {
        var server = six.Server;
        var cursor = (await server.CallOkAsync("get_deals", Args("""{"limit": 2, "sort": [{"field": "amount"}]}""")))
            .GetProperty("data").GetProperty("next_cursor").GetString();
        var error = await server.CallErrorAsync("get_deals", Args($$"""{"limit": 2, "cursor": "{{cursor}}", "sort": [{"field": "name"}]}"""));
        Assert.Equal("cursor", error.GetProperty("field").GetString());
        Assert.Contains("different sort", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(" WHERE lower(s.name) = lower(@lp0)", "deals d LEFT JOIN stages s ON s.id = d.stage_id")]
    [InlineData(" WHERE lower(c.name) = lower(@lp0)", "deals d LEFT JOIN companies c ON c.id = d.company_id")]
    [InlineData(" WHERE d.stage_id = @lp0 AND d.is_draft = 0", "deals d")]
    public void A_count_leaves_out_the_left_joins_its_conditions_do_not_use(string where, string from) =>
        Assert.Equal(from, Crm.Mcp.Lists.ListEngine.FromFor(new Crm.Mcp.Features.Deals.DealFields().Schema.From, where));

    [Fact]
    public void A_left_join_before_another_join_is_left_out_alone() =>
        Assert.Equal("a x JOIN c z ON z.id = x.c_id", Crm.Mcp.Lists.ListEngine.FromFor("a x LEFT JOIN b y ON y.id = x.b_id JOIN c z ON z.id = x.c_id", " WHERE z.n = 1"));
}
