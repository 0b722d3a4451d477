using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Features.Duplicates;

public sealed class DuplicateToolsTests
{
    private static string CompanyId(JsonElement response) => response.GetProperty("data").GetProperty("resolution").GetProperty("company").GetProperty("id").GetString()!;
    private static string PersonId(JsonElement response) => response.GetProperty("data").GetProperty("resolution").GetProperty("people")[0].GetProperty("id").GetString()!;

    [Fact]
    public async Task Find_duplicates_ranks_company_pairs_with_the_reason()
    {
        await using var server = await TestServer.StartAsync();
        var globex = CompanyId(await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" }));
        var typo = CompanyId(await server.CallOkAsync("create_deal_draft", new { company_name = "Globx", create_if_missing = "always" }));
        await server.CallOkAsync("create_deal_draft", new { company_name = "Initech", people = new[] { new { name = "Bill", email = "bill@initech.com" } } });
        // A domain match is a match, so a second company on one domain only comes from elsewhere (an import, an old mess).
        await using (var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken))
            await connection.ExecuteAsync("""
                INSERT INTO companies (id, name, name_key, website, created_at, updated_at)
                VALUES (@id, 'Initrode', 'initrode', 'https://www.initech.com', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')
                """, new { id = Guid.NewGuid().ToString() });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Umbrella" });

        var found = (await server.CallOkAsync("find_duplicates", new { kind = "companies" })).GetProperty("data");

        Assert.Equal(5, found.GetProperty("scanned").GetInt64());
        var pairs = found.GetProperty("pairs").EnumerateArray().ToList();
        var names = pairs.Select(p => string.Join("+", new[] { p.GetProperty("a").GetProperty("name").GetString(), p.GetProperty("b").GetProperty("name").GetString() }.Order())).ToList();
        Assert.Contains("Globex+Globx", names);
        Assert.DoesNotContain(names, n => n.Contains("Umbrella"));
        var globexPair = pairs.Single(p => p.GetProperty("a").GetProperty("id").GetString() is var a && (a == globex || a == typo));
        Assert.Contains("one letter apart", globexPair.GetProperty("why").GetString());
        Assert.Contains(pairs, p => p.GetProperty("why").GetString()!.Contains("same domain initech.com"));
        Assert.Equal(pairs.Select(p => p.GetProperty("score").GetDouble()).OrderDescending(), pairs.Select(p => p.GetProperty("score").GetDouble()));
    }

    [Fact]
    public async Task Find_duplicates_finds_people_with_the_same_name_and_other_emails()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } });
        await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Jane Founder", email = "jane.founder@gmail.com" } } });
        await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Omar Haddad", email = "omar@acme.com" } } });

        var pair = Assert.Single((await server.CallOkAsync("find_duplicates", new { kind = "contacts", min_score = 0.95 })).GetProperty("data").GetProperty("pairs").EnumerateArray());
        Assert.Equal(1.0, pair.GetProperty("score").GetDouble());
        Assert.Equal("same normalized name", pair.GetProperty("why").GetString());
    }

    [Fact]
    public async Task Merging_companies_moves_every_deal_and_link_fills_gaps_and_keeps_an_audit()
    {
        await using var server = await TestServer.StartAsync();
        var survivor = CompanyId(await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" }));
        var duplicateDeal = await server.CallOkAsync("create_deal_draft", new { company_name = "Globx", create_if_missing = "always", people = new[] { new { name = "Hank S", email = "hank@globex.com" } } });
        var duplicate = CompanyId(duplicateDeal);
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globx", people = new[] { new { name = "Hank S", email = "hank@globex.com" } } });

        var result = (await server.CallOkAsync("merge_records", new { kind = "company", survivor_id = survivor, duplicate_ids = new[] { duplicate } })).GetProperty("data");

        var merged = Assert.Single(result.GetProperty("merged").EnumerateArray());
        Assert.Equal(2, merged.GetProperty("moved").GetProperty("deals.company_id").GetInt64());
        Assert.Equal(1, merged.GetProperty("moved").GetProperty("company_people.company_id").GetInt64());
        Assert.Contains("domain", merged.GetProperty("fields_filled").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("globex.com", result.GetProperty("survivor").GetProperty("domain").GetString());
        Assert.Equal(1, await server.Database.CountAsync("companies"));
        await using var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM deals WHERE company_id = @survivor", new { survivor }));
        var audit = await connection.QuerySingleAsync<(string MergedId, string Record)>("SELECT merged_id AS MergedId, merged_record AS Record FROM merge_audit WHERE id = @id",
            new { id = merged.GetProperty("audit_id").GetString() });
        Assert.Equal(duplicate, audit.MergedId);
        Assert.Equal("Globx", JsonDocument.Parse(audit.Record).RootElement.GetProperty("name").GetString());
        // The merged name now resolves to the survivor through the trigram index too: no stale candidate remains.
        var again = await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" });
        Assert.Equal(survivor, CompanyId(again));
    }

    [Fact]
    public async Task Merging_people_moves_deals_and_company_links_and_takes_over_a_missing_email()
    {
        await using var server = await TestServer.StartAsync();
        var survivor = PersonId(await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", people = new[] { new { name = "Jane Founder" } } }));
        var duplicate = PersonId(await server.CallOkAsync("create_deal_draft", new { company_name = "Globex", create_if_missing = "always", people = new[] { new { name = "J Founder", email = "jane@acme.com" } } }));

        var result = (await server.CallOkAsync("merge_records", new { kind = "people", survivor_id = survivor, duplicate_ids = new[] { duplicate } })).GetProperty("data");

        Assert.Equal("jane@acme.com", result.GetProperty("survivor").GetProperty("email").GetString());
        var moved = Assert.Single(result.GetProperty("merged").EnumerateArray()).GetProperty("moved");
        Assert.Equal(1, moved.GetProperty("deal_people.person_id").GetInt64());
        Assert.Equal(1, moved.GetProperty("company_people.person_id").GetInt64());
        Assert.Equal(1, await server.Database.CountAsync("people"));
        var byEmail = await server.CallOkAsync("create_deal_draft", new { people = new[] { new { name = "Jane", email = "JANE@acme.com" } } });
        Assert.Equal(survivor, PersonId(byEmail));
    }

    [Fact]
    public async Task Merging_moves_tasks_and_custom_field_values_to_the_survivor()
    {
        await using var server = await TestServer.StartAsync();
        var survivor = CompanyId(await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" }));
        var duplicate = CompanyId(await server.CallOkAsync("create_deal_draft", new { company_name = "Globx", create_if_missing = "always" }));
        await server.CallOkAsync("create_tasks", new { items = new[] { new { title = "Call Hank", companies = new[] { duplicate } }, new { title = "Send deck", companies = new[] { survivor } } } });

        var merged = (await server.CallOkAsync("merge_records", new { kind = "company", survivor_id = survivor, duplicate_ids = new[] { duplicate } }))
            .GetProperty("data").GetProperty("merged")[0];

        Assert.Equal(1, merged.GetProperty("moved").GetProperty("task_companies.company_id").GetInt64());
        var tasks = (await server.CallOkAsync("get_tasks", new { company = "Globex" })).GetProperty("data").GetProperty("items");
        Assert.Equal(["Call Hank", "Send deck"], tasks.EnumerateArray().Select(t => t.GetProperty("title").GetString()).Order());
    }

    [Fact]
    public async Task Merging_moves_rows_in_tables_that_hold_any_records_id_by_convention()
    {
        await using var server = await TestServer.StartAsync();
        var survivor = CompanyId(await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" }));
        var duplicate = CompanyId(await server.CallOkAsync("create_deal_draft", new { company_name = "Globx", create_if_missing = "always" }));
        await using var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken);
        // Like custom field values or import keys: no foreign key can say which table entity_id points into.
        await connection.ExecuteAsync("""
            CREATE TABLE feature_values (field TEXT NOT NULL, entity_id TEXT NOT NULL, value TEXT, PRIMARY KEY (field, entity_id));
            INSERT INTO feature_values VALUES ('tier', @duplicate, 'gold'), ('region', @duplicate, 'EMEA'), ('region', @survivor, 'US');
            """, new { survivor, duplicate });

        var merged = (await server.CallOkAsync("merge_records", new { kind = "company", survivor_id = survivor, duplicate_ids = new[] { duplicate } }))
            .GetProperty("data").GetProperty("merged")[0];

        Assert.Equal(1, merged.GetProperty("moved").GetProperty("feature_values.entity_id").GetInt64());
        Assert.Equal(1, merged.GetProperty("dropped_as_redundant").GetProperty("feature_values.entity_id").GetInt64());
        var values = (await connection.QueryAsync<string>("SELECT field || '=' || value FROM feature_values WHERE entity_id = @survivor ORDER BY field", new { survivor })).ToList();
        Assert.Equal(["region=US", "tier=gold"], values);
    }

    [Fact]
    public async Task A_merge_appends_to_the_journal_and_keeps_both_records_history()
    {
        await using var server = await TestServer.StartAsync();
        var survivor = CompanyId(await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" }));
        var duplicate = CompanyId(await server.CallOkAsync("create_deal_draft", new { company_name = "Globx", create_if_missing = "always" }));
        async Task<List<(long Id, string? Tool)>> HistoryAsync(string id) =>
            (await server.CallOkAsync("get_changes", new { record_id = id })).GetProperty("data").GetProperty("items").EnumerateArray()
            .Select(c => (c.GetProperty("id").GetInt64(), c.GetProperty("tool").GetString())).ToList();
        var createdDuplicate = Assert.Single(await HistoryAsync(duplicate)).Id;
        var createdSurvivor = Assert.Single(await HistoryAsync(survivor)).Id;

        await server.CallOkAsync("merge_records", new { kind = "company", survivor_id = survivor, duplicate_ids = new[] { duplicate } });

        var merge = (await server.CallOkAsync("get_changes", new { tool = "merge_records" })).GetProperty("data").GetProperty("items")[0];
        var mergeId = merge.GetProperty("id").GetInt64();
        var records = merge.GetProperty("records").EnumerateArray().Where(r => r.GetProperty("entity").GetString() == "companies").ToList();
        Assert.Contains(records, r => r.GetProperty("record_id").GetString() == duplicate && r.GetProperty("operation").GetString() == "delete");
        var onSurvivor = Assert.Single(records, r => r.GetProperty("record_id").GetString() == survivor);
        Assert.Equal([duplicate], onSurvivor.GetProperty("changed_fields").GetProperty("merged_from").GetProperty("after").EnumerateArray().Select(e => e.GetString()));
        // Both ids keep their whole history, the merge appended on top of it.
        Assert.Equal([(mergeId, "merge_records"), (createdDuplicate, "create_deal_draft")], await HistoryAsync(duplicate));
        Assert.Equal([(mergeId, "merge_records"), (createdSurvivor, "create_deal_draft")], await HistoryAsync(survivor));
        foreach (var older in new[] { createdDuplicate, createdSurvivor })
        {
            var refused = await server.CallErrorAsync("revert_change", new { change_id = older });
            Assert.Equal("conflict", refused.GetProperty("code").GetString());
            Assert.Contains($"change {mergeId} ", refused.GetProperty("message").GetString());
            Assert.Contains("(merge_records)", refused.GetProperty("message").GetString());
        }
        Assert.Equal(1, await server.Database.CountAsync("companies"));
    }

    [Fact]
    public async Task A_merge_dry_run_reports_the_moves_and_writes_nothing()
    {
        await using var server = await TestServer.StartAsync();
        var survivor = CompanyId(await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" }));
        var duplicate = CompanyId(await server.CallOkAsync("create_deal_draft", new { company_name = "Globx", create_if_missing = "always" }));
        var before = await server.Database.FingerprintAsync();

        var preview = await server.CallOkAsync("merge_records", new { kind = "company", survivor_id = survivor, duplicate_ids = new[] { duplicate }, dry_run = true });

        Assert.True(preview.GetProperty("dry_run").GetBoolean());
        Assert.Equal(1, preview.GetProperty("data").GetProperty("merged")[0].GetProperty("moved").GetProperty("deals.company_id").GetInt64());
        Assert.Equal(before, await server.Database.FingerprintAsync());
        Assert.Equal(0, await server.Database.CountAsync("merge_audit"));

        var real = await server.CallOkAsync("merge_records", new { kind = "company", survivor_id = survivor, duplicate_ids = new[] { duplicate } });
        static string WithoutAuditIds(JsonElement response) => System.Text.RegularExpressions.Regex.Replace(
            response.GetProperty("data").GetRawText(), "\"audit_id\":\"[^\"]+\"", "\"audit_id\":\"-\"");
        Assert.Equal(WithoutAuditIds(preview), WithoutAuditIds(real));
        Assert.Equal(1, await server.Database.CountAsync("merge_audit"));
    }

    [Theory]
    [InlineData("{\"kind\": \"deal\", \"survivor_id\": \"3f2b8a1e-5c4d-4e6f-8a9b-0c1d2e3f4a5b\", \"duplicate_ids\": [\"9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d\"]}", "kind")]
    [InlineData("{\"kind\": \"company\", \"survivor_id\": \"nope\", \"duplicate_ids\": [\"9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d\"]}", "survivor_id")]
    [InlineData("{\"kind\": \"company\", \"survivor_id\": \"3f2b8a1e-5c4d-4e6f-8a9b-0c1d2e3f4a5b\", \"duplicate_ids\": []}", "duplicate_ids")]
    [InlineData("{\"kind\": \"company\", \"survivor_id\": \"3f2b8a1e-5c4d-4e6f-8a9b-0c1d2e3f4a5b\", \"duplicate_ids\": [\"3f2b8a1e-5c4d-4e6f-8a9b-0c1d2e3f4a5b\"]}", "duplicate_ids")]
    [InlineData("{\"kind\": \"company\", \"survivor_id\": \"3f2b8a1e-5c4d-4e6f-8a9b-0c1d2e3f4a5b\", \"duplicate_ids\": [\"9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d\"]}", "survivor_id")]
    public async Task Bad_merge_input_names_the_field_and_writes_nothing(string arguments, string field)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" });
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync("merge_records", JsonDocument.Parse(arguments).RootElement);
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task A_duplicate_that_does_not_exist_is_named_by_position_and_nothing_is_merged()
    {
        await using var server = await TestServer.StartAsync();
        var survivor = CompanyId(await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" }));
        var real = CompanyId(await server.CallOkAsync("create_deal_draft", new { company_name = "Globx", create_if_missing = "always" }));
        var before = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync("merge_records", new { kind = "company", survivor_id = survivor, duplicate_ids = new[] { real, Guid.NewGuid().ToString() } });
        Assert.Equal(("not_found", "duplicate_ids[1]"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Theory]
    [InlineData("{\"kind\": \"deals\"}", "kind")]
    [InlineData("{\"kind\": \"companies\", \"min_score\": 0.2}", "min_score")]
    [InlineData("{\"kind\": \"companies\", \"limit\": 0}", "limit")]
    public async Task Bad_find_input_names_the_field(string arguments, string field)
    {
        await using var server = await TestServer.StartAsync();
        var error = await server.CallErrorAsync("find_duplicates", JsonDocument.Parse(arguments).RootElement);
        Assert.Equal(field, error.GetProperty("field").GetString());
    }
}
