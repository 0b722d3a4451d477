using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Tests.Data;

/// <summary>SQLite group commit: writers queued behind each other share one transaction, each in its own savepoint,
/// and each keeps its own atomicity, journal change, idempotency record and dry-run preview.</summary>
public sealed class GroupCommitTests
{
    /// <summary>Holds the writer gate with a write of its own, queues <paramref name="calls"/> behind it, then lets
    /// them go, and checks that all of them committed once, together.</summary>
    private static async Task<CallToolResult[]> InOneGroupAsync(TestServer server, params (string Tool, object Arguments)[] calls)
    {
        var ct = TestContext.Current.CancellationToken;
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var holder = server.Db.WriteAsync(async (_, _) =>
        {
            entered.SetResult();
            await release.Task;
            return 0;
        }, ct);
        await entered.Task.WaitAsync(ct);
        var commits = server.Db.Commits;
        var running = calls.Select(c => server.CallAsync(c.Tool, c.Arguments)).ToArray();
        while (server.Db.QueuedWriters < calls.Length) await Task.Delay(5, ct);
        release.SetResult();
        await holder;
        var results = await Task.WhenAll(running);
        Assert.Equal(commits + 1, server.Db.Commits);
        return results;
    }

    private static void SkipOnPostgres()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("PostgreSQL writers run in parallel on their own connections; group commit is SQLite's");
    }

    private static async Task<long> CountAsync(TestServer server, string sql, object? parameters = null)
    {
        await using var connection = await server.Database.Db.OpenAsync(TestContext.Current.CancellationToken);
        return await connection.ExecuteScalarAsync<long>(sql, parameters);
    }

    private static JsonElement Ok(CallToolResult result)
    {
        Assert.False(result.IsError == true, (result.Content.FirstOrDefault() as TextContentBlock)?.Text);
        return result.StructuredContent!.Value;
    }

    [Fact]
    public async Task A_failing_call_in_a_group_does_not_fail_the_others()
    {
        SkipOnPostgres();
        await using var server = await TestServer.StartAsync();
        var results = await InOneGroupAsync(server,
            ("create_deal_draft", new { company_name = "Alder Works", people = new[] { new { name = "Ann Alder", email = "ann@alder.example" } } }),
            // Fails inside the write, after the first call's work and before the third's.
            ("create_deal_draft", new { company_id = "5b0c1c55-0000-4000-8000-00000000dead", amount = 10 }),
            ("create_deal_draft", new { company_name = "Birch Labs" }));

        Ok(results[0]);
        Assert.True(results[1].IsError);
        Assert.Contains("not_found", ((TextContentBlock)results[1].Content[0]).Text);
        Ok(results[2]);
        Assert.Equal(2, await CountAsync(server, "SELECT COUNT(*) FROM deals"));
        Assert.Equal(2, await CountAsync(server, "SELECT COUNT(*) FROM companies WHERE name IN ('Alder Works', 'Birch Labs')"));
        Assert.Equal(1, await CountAsync(server, "SELECT COUNT(*) FROM people WHERE email_key = 'ann@alder.example'"));
        Assert.Equal(0, await CountAsync(server, "SELECT COUNT(*) FROM deals WHERE amount_minor = 1000"));
    }

    [Fact]
    public async Task Each_call_in_a_group_has_its_own_journal_change_and_idempotency_record()
    {
        SkipOnPostgres();
        await using var server = await TestServer.StartAsync();
        var results = await InOneGroupAsync(server,
            ("create_deal_draft", new { company_name = "Cedar Mill", idempotency_key = "group-key-1" }),
            ("create_deal_draft", new { company_name = "Juniper Trading", people = new[] { new { name = "Cy Cedar" } } }),
            ("create_deal_draft", new { company_name = "Quartz Holdings", idempotency_key = "group-key-3" }));
        var deals = results.Select(r => Ok(r).GetProperty("data").GetProperty("deal").GetProperty("id").GetString()).ToList();

        Assert.Equal(3, await CountAsync(server, "SELECT COUNT(*) FROM changes WHERE tool = 'create_deal_draft'"));
        Assert.Equal(0, await CountAsync(server, "SELECT COUNT(*) FROM change_records WHERE change_id IS NULL"));
        // Each deal's records (deal, company, person, links) belong to one change, and no two deals share one.
        foreach (var deal in deals)
            Assert.Equal(1, await CountAsync(server, """
                SELECT COUNT(DISTINCT change_id) FROM change_records
                WHERE change_id = (SELECT change_id FROM change_records WHERE entity = 'deals' AND record_id = @deal)
                  AND entity = 'deals'
                """, new { deal }));
        Assert.Equal(3, await CountAsync(server, "SELECT COUNT(DISTINCT change_id) FROM change_records WHERE entity = 'deals'"));
        Assert.Equal(3, await CountAsync(server, "SELECT COUNT(DISTINCT change_id) FROM change_records WHERE entity = 'companies'"));
        Assert.Equal(2, await CountAsync(server, "SELECT COUNT(*) FROM idempotency_keys WHERE key IN ('group-key-1', 'group-key-3')"));

        // A retry of a keyed call in the group replays its own first result, and writes nothing.
        var retried = await server.CallOkAsync("create_deal_draft", new { company_name = "Quartz Holdings", idempotency_key = "group-key-3" });
        Assert.Equal(deals[2], retried.GetProperty("data").GetProperty("deal").GetProperty("id").GetString());
        Assert.Equal(3, await CountAsync(server, "SELECT COUNT(*) FROM deals"));
    }

    [Fact]
    public async Task A_dry_run_inside_a_group_writes_nothing_and_previews_exactly()
    {
        SkipOnPostgres();
        await using var server = await TestServer.StartAsync();
        var results = await InOneGroupAsync(server,
            ("create_deal_draft", new { company_name = "Dune Corp" }),
            ("create_deal_draft", new { company_name = "Dry Gulch", people = new[] { new { name = "Dot Dry" } }, dry_run = true }),
            ("create_deal_draft", new { company_name = "Elm Partners" }));

        var preview = Ok(results[1]).GetProperty("data");
        Assert.True(preview.GetProperty("resolution").GetProperty("company").GetProperty("created").GetBoolean());
        Assert.Equal("Dry Gulch", preview.GetProperty("deal").GetProperty("company").GetProperty("name").GetString());
        Assert.Equal(0, await CountAsync(server, "SELECT COUNT(*) FROM companies WHERE name = 'Dry Gulch'"));
        Assert.Equal(0, await CountAsync(server, "SELECT COUNT(*) FROM people WHERE full_name = 'Dot Dry'"));
        Assert.Equal(2, await CountAsync(server, "SELECT COUNT(*) FROM deals"));
        Assert.Equal(2, await CountAsync(server, "SELECT COUNT(*) FROM changes WHERE tool = 'create_deal_draft'"));
        Assert.Equal(0, await CountAsync(server, "SELECT COUNT(*) FROM change_records WHERE change_id IS NULL"));
        // The dry run's identifier went back with it: the two real drafts and the next one number on without a gap.
        Assert.Equal(["DEAL-001", "DEAL-002"],
            new[] { results[0], results[2] }.Select(r => Ok(r).GetProperty("data").GetProperty("deal").GetProperty("identifier").GetString()).Order());
        var next = await server.CallOkAsync("create_deal_draft", new { company_name = "Fir Co" });
        Assert.Equal("DEAL-003", next.GetProperty("data").GetProperty("deal").GetProperty("identifier").GetString());
    }

    [Fact]
    public async Task A_group_writes_the_search_index_once_before_its_commit()
    {
        SkipOnPostgres();
        await using var server = await TestServer.StartAsync();
        async Task<List<string>> Titles(string query) =>
            (await server.CallOkAsync("search_all", new { query })).GetProperty("data").GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("title").GetString()!).ToList();
        var segments = await CountAsync(server, "SELECT COUNT(DISTINCT segid) FROM search_words_idx");

        var results = await InOneGroupAsync(server,
            ("create_deal_draft", new { company_name = "Alderwick Works", people = new[] { new { name = "Annika Alderwick", email = "annika@alderwick.example" } } }),
            ("create_deal_draft", new { company_name = "Drygulch Outfitters", people = new[] { new { name = "Dorit Drygulch" } }, dry_run = true }),
            ("create_deal_draft", new { company_id = "5b0c1c55-0000-4000-8000-00000000dead", amount = 10 }),
            // A bulk call batches its own items; inside a group it leaves the index to the group's end.
            ("create_contacts", new { items = new[] { new { name = "Birgitta Quillon", email = "birgitta@quillon.example" }, new { name = "Cosimo Quillon", email = "cosimo@quillon.example" } } }));

        Ok(results[0]);
        Ok(results[1]);
        Assert.True(results[2].IsError);
        Ok(results[3]);
        // One new segment for the whole group (row by row, each document's statement savepoint flushed one).
        Assert.True(await CountAsync(server, "SELECT COUNT(DISTINCT segid) FROM search_words_idx") <= segments + 1);
        Assert.Contains("Alderwick Works", await Titles("Alderwick"));
        Assert.Contains("Annika Alderwick", await Titles("Annika"));
        Assert.Equal(2, (await Titles("Quillon")).Count);
        Assert.Empty(await Titles("Drygulch"));
        await using var connection = await server.Database.Db.OpenAsync(TestContext.Current.CancellationToken);
        await connection.ExecuteAsync("INSERT INTO search_words (search_words, rank) VALUES ('integrity-check', 1)");
        await connection.ExecuteAsync("INSERT INTO search_trigrams (search_trigrams, rank) VALUES ('integrity-check', 1)");
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT (SELECT COUNT(*) FROM search_pending) + (SELECT COUNT(*) FROM write_batch)"));
    }
}
