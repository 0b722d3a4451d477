using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Features.Journal;

public sealed class JournalTests
{
    private static readonly object DraftArguments = new
    {
        company_name = "Acme, Inc.",
        amount = 100000,
        stage_name = "Workbench",
        people = new object[] { new { name = "Jane Founder", email = "jane@acme.com" }, new { name = "Bob Builder" } },
    };

    /// <summary>A write that is not an MCP tool call (an import, a CLI command): journaled all the same.</summary>
    internal static async Task<int> WriteSqlAsync(CrmDb db, string sql, object? args = null, string actor = "import-test")
    {
        using (CallContext.Use(new CallContext(actor, "import", null)))
            return await db.WriteAsync((connection, transaction) => connection.ExecuteAsync(sql, args, transaction));
    }

    private static List<(string Entity, string Operation)> Records(JsonElement change) =>
        change.GetProperty("records").EnumerateArray()
            .Select(r => (r.GetProperty("entity").GetString()!, r.GetProperty("operation").GetString()!)).ToList();

    /// <summary>PostgreSQL writers run in parallel and take their change id when they seal, before COMMIT, so a change
    /// can commit after a later-numbered one was listed. A reader who saw the newest change must find everything that
    /// commits afterwards above it, never below: both orders of "started writing" and "sealed" are played here with two
    /// open transactions, and after each commit the earlier listing must be the tail of the new one.</summary>
    [Fact]
    public async Task A_change_committed_late_is_listed_above_every_change_already_shown_never_below()
    {
        if (!TestDatabase.IsPostgres) Assert.Skip("SQLite runs one writer at a time: change ids are commit order there");
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync();
        await using var server = await TestServer.StartAsync(database: database);
        await server.CallOkAsync("create_deal_draft", new { company_name = "Settled Co" });

        async Task<List<long>> ListedAsync() => (await server.CallOkAsync("get_changes")).GetProperty("data").GetProperty("items")
            .EnumerateArray().Select(c => c.GetProperty("id").GetInt64()).ToList();
        async Task<(System.Data.Common.DbConnection, System.Data.Common.DbTransaction)> WriteAsync(string company)
        {
            var connection = await database.Db.OpenAsync(ct);
            var transaction = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync("""
                INSERT INTO companies (id, name, name_key, created_at, updated_at) VALUES (@id, @company, lower(@company), '2026-01-01', '2026-01-01')
                """, new { id = Guid.NewGuid().ToString(), company }, transaction);
            return (connection, transaction);
        }

        foreach (var olderSealsFirst in new[] { false, true })
        {
            // "older" writes first (so it has the older transaction id), "younger" second; then they seal in the order
            // under test, and the younger one commits while the older is still open (or the other way round).
            var (older, olderTx) = await WriteAsync($"Older {olderSealsFirst}");
            var (younger, youngerTx) = await WriteAsync($"Younger {olderSealsFirst}");
            using var _ = CallContext.Use(new CallContext("race-test", "test"));
            long olderId, youngerId;
            if (olderSealsFirst)
            {
                olderId = (await ChangeJournal.SealAsync(older, olderTx))!.Value;
                youngerId = (await ChangeJournal.SealAsync(younger, youngerTx))!.Value;
            }
            else
            {
                youngerId = (await ChangeJournal.SealAsync(younger, youngerTx))!.Value;
                olderId = (await ChangeJournal.SealAsync(older, olderTx))!.Value;
            }
            var (first, firstTx, firstId, last, lastTx, lastId) = olderSealsFirst
                ? (younger, youngerTx, youngerId, older, olderTx, olderId)   // committed first: the higher id
                : (older, olderTx, olderId, younger, youngerTx, youngerId);  // committed first: the older writer
            await firstTx.CommitAsync(ct);
            var shown = await ListedAsync();
            // The younger writer's change waits while an older write is still in flight; the older one may show at once.
            Assert.Equal(!olderSealsFirst, shown.Contains(firstId));
            await lastTx.CommitAsync(ct);
            var now = await ListedAsync();
            Assert.Equal(shown, now.Skip(now.Count - shown.Count));
            Assert.Contains(firstId, now);
            Assert.Contains(lastId, now);
            foreach (var connection in new[] { first, last }) await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task Create_deal_draft_is_one_change_with_the_deal_company_stage_and_people_and_who_made_it()
    {
        await using var server = await TestServer.StartAsync();
        var deal = await server.CallOkAsync("create_deal_draft", DraftArguments);
        var dealId = deal.GetProperty("data").GetProperty("deal").GetProperty("id").GetString();

        var page = (await server.CallOkAsync("get_changes")).GetProperty("data");
        Assert.Equal(1, page.GetProperty("total").GetProperty("value").GetInt64());
        var change = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal("crm-tests", change.GetProperty("actor").GetString());
        Assert.Equal("create_deal_draft", change.GetProperty("tool").GetString());
        Assert.Equal("Acme, Inc.", change.GetProperty("arguments").GetProperty("company_name").GetString());
        var records = Records(change);
        Assert.Contains(("companies", "insert"), records);
        Assert.Contains(("stages", "insert"), records);
        Assert.Contains(("deals", "insert"), records);
        Assert.Equal(2, records.Count(r => r == ("people", "insert")));
        Assert.Equal(2, records.Count(r => r == ("company_people", "insert")));
        Assert.Equal(2, records.Count(r => r == ("deal_people", "insert")));
        // The new open stage pushed the two closed stages down one position each.
        Assert.Equal(2, records.Count(r => r == ("stages", "update")));
        Assert.DoesNotContain(records, r => r.Entity == "counters");
        Assert.Equal(records.Count, change.GetProperty("record_count").GetInt64());

        var dealRecord = change.GetProperty("records").EnumerateArray().Single(r => r.GetProperty("entity").GetString() == "deals");
        Assert.Equal(dealId, dealRecord.GetProperty("record_id").GetString());
        Assert.Equal(10000000, dealRecord.GetProperty("after").GetProperty("amount_minor").GetInt64());
        var stageUpdate = change.GetProperty("records").EnumerateArray().First(r => r.GetProperty("operation").GetString() == "update");
        Assert.Equal(JsonValueKind.Null, stageUpdate.GetProperty("after").ValueKind);
        var position = stageUpdate.GetProperty("changed_fields").GetProperty("position");
        Assert.Equal(position.GetProperty("before").GetInt64() + 1, position.GetProperty("after").GetInt64());
    }

    [Fact]
    public async Task A_failed_call_and_setup_leave_no_change()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallErrorAsync("create_deal_draft", new { company_name = "Acme", currency = "XYZ" });
        await server.CallErrorAsync("create_deal_draft", new { company_name = "Acme", people = new object[] { new { name = "Jane", email = "nope" } } });
        Assert.Equal(0, await server.Database.CountAsync("changes"));
        Assert.Equal(0, await server.Database.CountAsync("change_records"));
    }

    [Fact]
    public async Task Concurrent_writers_each_get_their_own_change()
    {
        await using var server = await TestServer.StartAsync();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            server.CallOkAsync("create_deal_draft", new { company_name = $"Company {i}", people = new object[] { new { email = $"p{i}@x.com" } } })));
        await using var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken);
        var perChange = (await connection.QueryAsync<(long Change, long Deals, long Companies, long People)>("""
            SELECT change_id, COUNT(CASE WHEN entity = 'deals' THEN 1 END), COUNT(CASE WHEN entity = 'companies' THEN 1 END), COUNT(CASE WHEN entity = 'people' THEN 1 END)
            FROM change_records GROUP BY change_id
            """)).ToList();
        Assert.Equal(8, perChange.Count);
        Assert.All(perChange, c => Assert.Equal((1L, 1L, 1L), (c.Deals, c.Companies, c.People)));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM change_records WHERE change_id IS NULL"));
    }

    [Fact]
    public async Task Filters_by_entity_record_actor_tool_and_time_and_pages_newest_first()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        var second = await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" });
        var globexDeal = second.GetProperty("data").GetProperty("deal").GetProperty("id").GetString()!;
        await WriteSqlAsync(server.Db, "UPDATE deals SET name = 'Renamed' WHERE id = @globexDeal", new { globexDeal });
        await WriteSqlAsync(server.Db, "UPDATE people SET title = 'x' WHERE 1 = 0"); // touches nothing: no change

        async Task<long[]> Ids(object args) => (await server.CallOkAsync("get_changes", args)).GetProperty("data").GetProperty("items")
            .EnumerateArray().Select(c => c.GetProperty("id").GetInt64()).ToArray();

        Assert.Equal(new long[] { 3, 2, 1 }, await Ids(new { }));
        Assert.Equal(new long[] { 3, 2 }, await Ids(new { record_id = globexDeal }));
        Assert.Equal(new long[] { 3, 2 }, await Ids(new { entity = "deal", record_id = "DEAL-002" }));
        Assert.Equal(new long[] { 2, 1 }, await Ids(new { entity = "organization" }));
        Assert.Equal(new long[] { 3 }, await Ids(new { actor = "import-test" }));
        Assert.Equal(new long[] { 2, 1 }, await Ids(new { tool = "create_deal_draft" }));
        Assert.Empty(await Ids(new { until = "2000-01-01" }));
        Assert.Equal(new long[] { 3, 2, 1 }, await Ids(new { since = "2000-01-01" }));

        var first = (await server.CallOkAsync("get_changes", new { limit = 2 })).GetProperty("data");
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.Equal(3, first.GetProperty("total").GetProperty("value").GetInt64());
        var rest = (await server.CallOkAsync("get_changes", new { limit = 2, cursor = first.GetProperty("next_cursor").GetString() })).GetProperty("data");
        Assert.Equal(1, Assert.Single(rest.GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64());
        Assert.False(rest.GetProperty("has_more").GetBoolean());
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("next_cursor").ValueKind);
    }

    /// <summary>A record's history also lists the changes that only touched a link naming it, on either side of the
    /// link's "left/right" id: found through 0163's indexes, not by reading every change.</summary>
    [Fact]
    public async Task A_records_history_lists_changes_to_links_naming_it_on_either_side()
    {
        await using var server = await TestServer.StartAsync();
        var first = (await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", people = new[] { new { name = "Jane Founder" } } })).GetProperty("data");
        var second = (await server.CallOkAsync("create_deal_draft", new { company_name = "Globex" })).GetProperty("data");
        var jane = first.GetProperty("deal").GetProperty("people")[0].GetProperty("person").GetProperty("id").GetString()!;
        var globexDeal = second.GetProperty("deal").GetProperty("id").GetString()!;
        await WriteSqlAsync(server.Db, "INSERT INTO deal_people (deal_id, person_id, created_at) VALUES (@globexDeal, @jane, '2026-12-07T00:00:00.000Z')", new { globexDeal, jane });
        await WriteSqlAsync(server.Db, "DELETE FROM deal_people WHERE deal_id = @globexDeal", new { globexDeal });

        async Task<long[]> Ids(object args) => (await server.CallOkAsync("get_changes", args)).GetProperty("data").GetProperty("items")
            .EnumerateArray().Select(c => c.GetProperty("id").GetInt64()).ToArray();

        Assert.Equal(new long[] { 4, 3, 1 }, await Ids(new { record_id = jane }));
        Assert.Equal(new long[] { 4, 3, 2 }, await Ids(new { record_id = globexDeal }));
        Assert.Equal(new long[] { 4, 3, 1 }, await Ids(new { entity = "deal_people", record_id = jane }));
        Assert.Equal(new long[] { 1 }, await Ids(new { entity = "contact", record_id = jane }));
        // A link's own id, paged: the total is counted past the first page.
        var link = (await server.CallOkAsync("get_changes", new { record_id = $"{globexDeal}/{jane}", limit = 1, tool = "import" })).GetProperty("data");
        Assert.Equal(4, Assert.Single(link.GetProperty("items").EnumerateArray()).GetProperty("id").GetInt64());
        Assert.Equal(2, link.GetProperty("total").GetProperty("value").GetInt64());
    }

    [Fact]
    public async Task A_records_history_is_read_from_its_index_entries_not_by_scanning_the_journal()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL has the same indexes (0163).");
        await using var database = await TestDatabase.CreateAsync();
        await using var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken);
        var plan = (await connection.QueryAsync<(long, long, long, string Detail)>("EXPLAIN QUERY PLAN " + Crm.Mcp.Features.Journal.JournalSql.PageSql(false, true),
            new { Entity = (string?)null, RecordId = "x", Actor = (string?)null, Tool = (string?)null, Since = (string?)null, Until = (string?)null, BeforeId = (long?)null, Take = 26 }))
            .Select(s => s.Detail).ToList();
        Assert.Contains(plan, s => s.Contains("ix_change_records_record (record_id=? AND entity=?)")); // 0190: record_id first
        Assert.Contains(plan, s => s.Contains("ix_change_records_link_left"));
        Assert.Contains(plan, s => s.Contains("ix_change_records_link_right"));
        Assert.DoesNotContain(plan, s => s.StartsWith("SCAN c", StringComparison.Ordinal) || s.StartsWith("SCAN r", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_update_that_changes_nothing_but_updated_at_is_not_a_change()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        await WriteSqlAsync(server.Db, "UPDATE deals SET name = name, updated_at = '2030-01-01T00:00:00.000Z'");
        Assert.Equal(1, await server.Database.CountAsync("changes"));
        await WriteSqlAsync(server.Db, "UPDATE deals SET name = 'New name'");
        Assert.Equal(2, await server.Database.CountAsync("changes"));
    }

    [Fact]
    public async Task Reverting_a_create_deletes_what_it_created_and_puts_the_stages_back()
    {
        await using var server = await TestServer.StartAsync();
        var before = await server.Database.FingerprintAsync();
        var stagesBefore = await StagesAsync(server.Db);
        await server.CallOkAsync("create_deal_draft", DraftArguments);

        var revert = (await server.CallOkAsync("revert_change", new { change_id = 1 })).GetProperty("data");
        Assert.Equal(1, revert.GetProperty("reverted_change_id").GetInt64());
        var change = revert.GetProperty("change");
        Assert.Equal(2, change.GetProperty("id").GetInt64());
        Assert.Equal(1, change.GetProperty("reverts_change_id").GetInt64());
        Assert.Equal("revert_change", change.GetProperty("tool").GetString());
        Assert.Contains(("deals", "delete"), Records(change));

        // Identifier counters never go back (like a sequence); every record does.
        Assert.Equal(before.Replace("counters=0", "counters=1"), await server.Database.FingerprintAsync());
        Assert.Equal(stagesBefore, await StagesAsync(server.Db));
        var original = (await server.CallOkAsync("get_changes", new { tool = "create_deal_draft" })).GetProperty("data").GetProperty("items")[0];
        Assert.Equal(2, original.GetProperty("reverted_by_change_id").GetInt64());

        var again = await server.CallErrorAsync("revert_change", new { change_id = 1 });
        Assert.Equal("conflict", again.GetProperty("code").GetString());
        Assert.Contains("already reverted by change 2", again.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Reverting_an_update_puts_the_before_values_back_and_reverting_that_redoes_it()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 500 });
        await WriteSqlAsync(server.Db, "UPDATE deals SET name = 'Bigger deal', amount_minor = 99900, updated_at = '2030-01-01T00:00:00.000Z'");

        await server.CallOkAsync("revert_change", new { change_id = 2 });
        var deal = (await server.CallOkAsync("get_deal", new { deal = "DEAL-001" })).GetProperty("data");
        Assert.Equal("Acme deal", deal.GetProperty("name").GetString());
        Assert.Equal("50000", deal.GetProperty("amount").GetString());
        Assert.NotEqual("2030-01-01T00:00:00.000Z", deal.GetProperty("updated_at").GetString());

        await server.CallOkAsync("revert_change", new { change_id = 3 });
        deal = (await server.CallOkAsync("get_deal", new { deal = "DEAL-001" })).GetProperty("data");
        Assert.Equal("Bigger deal", deal.GetProperty("name").GetString());
        Assert.Equal("99900", deal.GetProperty("amount").GetString());
    }

    [Fact]
    public async Task Reverting_a_delete_restores_the_deal_with_its_people()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", DraftArguments);
        var original = (await server.CallOkAsync("get_deal", new { deal = "DEAL-001" })).GetProperty("data");
        await WriteSqlAsync(server.Db, "DELETE FROM deals WHERE identifier = 'DEAL-001'");
        await server.CallErrorAsync("get_deal", new { deal = "DEAL-001" });

        var deleted = (await server.CallOkAsync("get_changes", new { actor = "import-test" })).GetProperty("data").GetProperty("items")[0];
        Assert.Contains(("deals", "delete"), Records(deleted));
        Assert.Equal(2, Records(deleted).Count(r => r == ("deal_people", "delete"))); // cascaded rows are journaled too

        await server.CallOkAsync("revert_change", new { change_id = deleted.GetProperty("id").GetInt64() });
        var restored = (await server.CallOkAsync("get_deal", new { deal = "DEAL-001" })).GetProperty("data");
        Assert.Equal(JsonSerializer.Serialize(original), JsonSerializer.Serialize(restored));
    }

    [Fact]
    public async Task A_revert_that_later_changes_would_overwrite_is_refused_naming_them_and_writes_nothing()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        await WriteSqlAsync(server.Db, "UPDATE deals SET name = 'Renamed'");
        await WriteSqlAsync(server.Db, "UPDATE companies SET industry = 'Software'", actor: "someone-else");
        var fingerprint = await server.Database.FingerprintAsync();

        var error = await server.CallErrorAsync("revert_change", new { change_id = 1 });
        Assert.Equal("conflict", error.GetProperty("code").GetString());
        Assert.Equal("change_id", error.GetProperty("field").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("change 2 ", message);
        Assert.Contains("change 3 ", message);
        Assert.Contains("someone-else", message);
        Assert.Contains("change 3 first", error.GetProperty("expected").GetString());
        Assert.Equal(fingerprint, await server.Database.FingerprintAsync());
        Assert.Equal(3, await server.Database.CountAsync("changes"));

        await server.CallOkAsync("revert_change", new { change_id = 3 });
        await server.CallOkAsync("revert_change", new { change_id = 2 });
        // Reverts of later changes are themselves later changes of the same records: still refused.
        Assert.Equal("conflict", (await server.CallErrorAsync("revert_change", new { change_id = 1 })).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_restore_that_would_duplicate_a_unique_name_is_a_conflict()
    {
        await using var server = await TestServer.StartAsync();
        await WriteSqlAsync(server.Db, """
            INSERT INTO companies (id, name, name_key, created_at, updated_at)
            VALUES ('00000000-0000-4000-8000-00000000aaaa', 'Acme', 'acme', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')
            """);
        await WriteSqlAsync(server.Db, "DELETE FROM companies");
        await server.CallOkAsync("create_deal_draft", new { company_name = "ACME" }); // a new Acme takes the name
        var error = await server.CallErrorAsync("revert_change", new { change_id = 2 });
        Assert.Equal("conflict", error.GetProperty("code").GetString());
        Assert.Contains("unique", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, await server.Database.CountAsync("companies"));
    }

    [Theory]
    [InlineData("entity", """{"entity": "widgets"}""")]
    [InlineData("since", """{"since": "yesterday"}""")]
    [InlineData("until", """{"until": "31/12/2026"}""")]
    [InlineData("limit", """{"limit": 0}""")]
    [InlineData("cursor", """{"cursor": "not-a-cursor"}""")]
    [InlineData("actor", """{"actor": "  "}""")]
    public async Task Get_changes_rejects_bad_input_naming_the_field(string field, string arguments)
    {
        await using var server = await TestServer.StartAsync();
        var error = await server.CallErrorAsync("get_changes", JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments));
        Assert.Equal("invalid_argument", error.GetProperty("code").GetString());
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("expected").GetString()));
    }

    [Theory]
    [InlineData(0, "invalid_argument")]
    [InlineData(-5, "invalid_argument")]
    [InlineData(999, "not_found")]
    public async Task Revert_change_rejects_bad_ids_and_writes_nothing(long id, string code)
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme" });
        var fingerprint = await server.Database.FingerprintAsync();
        var error = await server.CallErrorAsync("revert_change", new { change_id = id });
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal("change_id", error.GetProperty("field").GetString());
        Assert.Equal(fingerprint, await server.Database.FingerprintAsync());
        Assert.Equal(1, await server.Database.CountAsync("changes"));
    }

    private static async Task<string> StagesAsync(CrmDb db)
    {
        await using var connection = await db.OpenAsync();
        return string.Join(",", await connection.QueryAsync<string>("SELECT name || ':' || position FROM stages ORDER BY position"));
    }
}
