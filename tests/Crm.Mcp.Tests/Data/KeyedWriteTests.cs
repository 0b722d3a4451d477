using Crm.Mcp.Data;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Data;

/// <summary>Writes lock only the keys they resolve (PostgreSQL): one new name is created once however many
/// connections race for it, and writes on other names do not wait.</summary>
public sealed class KeyedWriteTests
{
    /// <summary>Four servers (each with its own connection pool, as separate instances have) create deals naming the
    /// same new company, people and stage at once, spelled differently: exactly one of each must result.</summary>
    [Fact]
    public async Task Writers_on_several_connections_creating_one_new_name_leave_exactly_one_record()
    {
        await using var database = await TestDatabase.CreateAsync();
        var servers = new List<TestServer>();
        try
        {
            for (var i = 0; i < 4; i++) servers.Add(await TestServer.StartAsync(database: database));
            // Warm every server's write path first, so the racing calls below really start together.
            await Task.WhenAll(servers.Select((server, s) => server.CallOkAsync("create_deal_draft", new { company_name = $"Warmup {s}" })));
            string[] surnames = ["Okafor", "Berg", "Lindqvist", "Moreau", "Tanaka", "Novak"];
            string[] spellings = ["{0} Dynamics", "{0} DYNAMICS, Inc.", "The {0} Dynamics Company", "{0} dynamics ltd"];
            string[] companies = ["Zeta", "Quorra", "Halcyon", "Mirelle", "Ostrava", "Pellucid"];
            // Company and stage rounds, then people-only rounds: a new company or stage name is also guarded by its
            // unique index (the second insert waits for the first to commit), which would hide a missing person lock.
            for (var round = 0; round < companies.Length * 2; round++)
            {
                var company = companies[round % companies.Length];
                var surname = surnames[round % surnames.Length];
                var withCompany = round < companies.Length;
                await Task.WhenAll(servers.SelectMany((server, s) => Enumerable.Range(0, 4).Select(c => server.CallOkAsync("create_deal_draft", new
                {
                    company_name = withCompany ? string.Format(spellings[(s + c) % spellings.Length], company) : null,
                    stage_name = withCompany ? c % 2 == 0 ? $"{company} Review" : $"{company.ToLowerInvariant()} review" : null,
                    people = withCompany ? null : new object[]
                    {
                        new { name = $"Ines {surname}", email = c % 2 == 0 ? $"ines@{company}.example" : $"INES@{company.ToUpperInvariant()}.example" },
                        new { name = $"Tomas {surname}" }, // no email: matched by name only
                    },
                }))));
            }

            await using var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken);
            for (var round = 0; round < companies.Length; round++)
            {
                var company = companies[round].ToLowerInvariant();
                var surname = surnames[round].ToLowerInvariant();
                Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM companies WHERE name_key = @key", new { key = $"{company} dynamics" }));
                Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM people WHERE email_key = @key", new { key = $"ines@{company}.example" }));
                Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM people WHERE name_key = @key", new { key = $"tomas {surname}" }));
                Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM stages WHERE name_key = @key", new { key = $"{company} review" }));
            }
            const int calls = 4 + 12 * 16;
            Assert.Equal(calls, await connection.ExecuteScalarAsync<long>("SELECT COUNT(DISTINCT identifier) FROM deals"));
            // One journal change per call, each claiming only its own rows.
            Assert.Equal(calls, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM changes WHERE tool = 'create_deal_draft'"));
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM change_records WHERE change_id IS NULL"));
            Assert.Equal(calls, await connection.ExecuteScalarAsync<long>("""
                SELECT COUNT(DISTINCT change_id) FROM change_records WHERE entity = 'deals' AND operation = 'insert'
                """));
        }
        finally
        {
            foreach (var server in servers) await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_keyed_write_waits_only_for_writes_sharing_a_key_and_an_unkeyed_write_waits_for_all()
    {
        if (!TestDatabase.IsPostgres) Assert.Skip("SQLite runs one writer at a time; per-key locks are PostgreSQL's");
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync();
        var holder = new CrmDb(database.Path);
        var other = new CrmDb(database.Path);
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();

        var held = holder.WriteAsync(new WriteKeys().Add("company", "acme"), async (_, _) =>
        {
            entered.SetResult();
            await release.Task;
            return 0;
        }, ct);
        await entered.Task.WaitAsync(ct);

        // Another name: runs to completion while "acme" is held.
        await other.WriteAsync(new WriteKeys().Add("company", "globex"), (_, _) => Task.FromResult(0), ct).WaitAsync(TimeSpan.FromSeconds(30), ct);

        // The same name, and an unkeyed write: both wait for the holder.
        var sameKey = other.WriteAsync(new WriteKeys().Add("company", "acme"), (_, _) => Task.FromResult(0), ct);
        var unkeyed = other.WriteAsync((_, _) => Task.FromResult(0), ct);
        await WaitForLockWaitersAsync(database.Db, 2, ct);
        Assert.False(sameKey.IsCompleted);
        Assert.False(unkeyed.IsCompleted);

        release.SetResult();
        await Task.WhenAll(held, sameKey, unkeyed).WaitAsync(TimeSpan.FromSeconds(30), ct);
    }

    /// <summary>The race docs/postgresql.md describes: a dry run holds the deal counter inside its transaction and waits
    /// for a row a parallel writer locked, while that writer waits for the counter on its detached connection. No
    /// deadlock PostgreSQL can see (the writer's two connections), so without lock_timeout on the counter's
    /// connections the writer waited out the 120 s command timeout and failed; with it, the writer's counter wait times
    /// out, its transaction is rolled back (freeing the row: the dry run goes on) and run again, and both finish.</summary>
    [Fact]
    public async Task A_writer_waiting_for_the_counter_behind_a_dry_run_that_waits_for_it_is_retried_not_stuck()
    {
        if (!TestDatabase.IsPostgres) Assert.Skip("SQLite takes the counter inside its one writer's transaction");
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync();
        await using (var setup = await database.Db.OpenAsync(ct))
            await setup.ExecuteAsync("INSERT INTO counters (name, value) VALUES ('race-counter', 7), ('race-row', 0)");

        // The dry run: takes the counter's row lock and keeps it until its rollback.
        await using var dryRun = await database.Db.OpenAsync(ct);
        await using var dryRunTransaction = await dryRun.BeginTransactionAsync(ct);
        await dryRun.ExecuteAsync("UPDATE counters SET value = value + 1 WHERE name = 'race-counter'", transaction: dryRunTransaction);

        var writer = new CrmDb(database.Path);
        var rowLocked = new TaskCompletionSource();
        var attempts = 0;
        var write = writer.WriteAsync(new WriteKeys().Add("company", "race"), async (connection, transaction) =>
        {
            attempts++;
            // As a writer that gave a person an email: the row is locked FOR UPDATE until this transaction ends.
            await connection.ExecuteAsync("SELECT value FROM counters WHERE name = 'race-row' FOR UPDATE", transaction: transaction);
            rowLocked.TrySetResult();
            return await Crm.Mcp.Features.Deals.DealSql.NextCounterAsync(connection, transaction, "race-counter");
        }, ct);

        await rowLocked.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        // As the dry run's link insert checking its foreign key: waits for the writer's row lock.
        var dryRunWaits = dryRun.ExecuteAsync("SELECT value FROM counters WHERE name = 'race-row' FOR KEY SHARE", transaction: dryRunTransaction);
        await dryRunWaits.WaitAsync(TimeSpan.FromSeconds(60), ct);
        await dryRunTransaction.RollbackAsync(ct);

        // The writer's retry takes the number the dry run gave back.
        Assert.Equal(8, await write.WaitAsync(TimeSpan.FromSeconds(60), ct));
        Assert.Equal(2, attempts);
    }

    /// <summary>Polls pg_locks until <paramref name="count"/> advisory lock requests of this database are waiting.</summary>
    private static async Task WaitForLockWaitersAsync(CrmDb db, int count, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        const string sql = """
            SELECT COUNT(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
            WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()
            """;
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (await connection.ExecuteScalarAsync<long>(sql) >= count) return;
            await Task.Delay(100, ct);
        }
        Assert.Fail($"fewer than {count} writes ever waited for the held key");
    }
}
