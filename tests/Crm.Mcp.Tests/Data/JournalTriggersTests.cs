using Crm.Mcp.Data;
using Crm.Mcp.Tests.Features.Journal;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Data;

public sealed class JournalTriggersTests
{
    [Fact]
    public async Task Every_existing_listed_table_has_its_three_triggers_and_a_rerun_leaves_the_schema_untouched()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync();
        await using var connection = await database.Db.OpenAsync(ct);
        var triggers = (await connection.QueryAsync<string>(TestDatabase.IsPostgres
            ? "SELECT tgname::text FROM pg_trigger WHERE tgname LIKE 'journal%'"
            : "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'journal%'")).ToHashSet();
        var tables = (await connection.QueryAsync<string>(TestDatabase.IsPostgres
            ? "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()"
            : "SELECT name FROM sqlite_master WHERE type = 'table'")).ToHashSet();
        var expected = JournaledTables.All.Where(t => tables.Contains(t.Name))
            .SelectMany(t => new[] { "insert", "update", "delete" }.Select(op => $"journal_{t.Name}_{op}")).ToHashSet();
        Assert.Contains("journal_deals_update", expected);
        Assert.Equal(expected, triggers);

        // SQLite counts schema changes; on PostgreSQL the triggers' catalog rows (oid, row version) must stay the same.
        var versionSql = TestDatabase.IsPostgres
            ? "SELECT string_agg(oid::text || ':' || xmin::text, ',' ORDER BY oid) FROM pg_trigger"
            : "PRAGMA schema_version";
        var version = await connection.ExecuteScalarAsync<string>(versionSql);
        await new Migrator(database.Db).MigrateAsync(ct);
        Assert.Equal(version, await connection.ExecuteScalarAsync<string>(versionSql));
        Assert.Equal(0, await database.CountAsync("changes")); // setup (default user, seed pipeline) is nobody's change
    }

    [Fact]
    public async Task A_column_added_later_is_journaled_after_the_next_migrate()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync();
        await database.Db.WriteAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync("ALTER TABLE deals ADD COLUMN probability INTEGER", transaction: transaction);
            await JournalTriggers.InstallAsync(connection, transaction);
            return 0;
        }, ct);
        await JournalTests.WriteSqlAsync(database.Db, """
            INSERT INTO deals (id, identifier, name, currency, pipeline_id, stage_id, created_at, updated_at)
            VALUES ('00000000-0000-4000-8000-00000000d001', 'D-1', 'Deal', 'USD', '00000000-0000-4000-8000-000000000001',
                    '00000000-0000-4000-8000-000000000101', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')
            """);
        await JournalTests.WriteSqlAsync(database.Db, "UPDATE deals SET probability = 40");

        await using var connection = await database.Db.OpenAsync(ct);
        var after = await connection.ExecuteScalarAsync<string>("SELECT after FROM change_records WHERE operation = 'update'");
        Assert.Contains("\"probability\":40", after);
    }

    [Fact]
    public async Task Rows_written_outside_a_sealed_transaction_are_claimed_by_the_next_write_not_lost()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync();
        await using (var raw = await database.Db.OpenAsync(ct))
            await raw.ExecuteAsync("UPDATE stages SET name = 'Qualified lead' WHERE position = 1");
        await JournalTests.WriteSqlAsync(database.Db, "UPDATE stages SET name = 'Discovery call' WHERE position = 2");
        Assert.Equal(1, await database.CountAsync("changes"));
        Assert.Equal(2, await database.CountAsync("change_records"));
    }
}
