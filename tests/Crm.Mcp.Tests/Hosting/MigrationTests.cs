using Crm.Mcp.Data;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Hosting;

public sealed class MigrationTests
{
    [Fact]
    public async Task Migrates_an_empty_file_and_a_rerun_changes_nothing()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        var migrator = new Migrator(database.Db);

        var first = await migrator.MigrateAsync(TestContext.Current.CancellationToken);
        var fingerprint = await database.FingerprintAsync();
        var second = await migrator.MigrateAsync(TestContext.Current.CancellationToken);

        Assert.Equal((TestDatabase.IsPostgres ? Migrator.Postgres : Migrator.All).Select(m => m.Version), first);
        Assert.Empty(second);
        Assert.Equal(fingerprint, await database.FingerprintAsync());
        Assert.Equal(1, await database.CountAsync("users"));
        Assert.Equal(6, await database.CountAsync("stages"));

        if (TestDatabase.IsPostgres) return; // what follows are SQLite file settings
        await using var connection = await database.Db.OpenAsync();
        Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("PRAGMA foreign_keys"));
    }

    [Fact]
    public async Task Concurrent_first_starts_apply_each_migration_once()
    {
        await using var database = await TestDatabase.CreateAsync(migrate: false);
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => new Migrator(new CrmDb(database.Path)).MigrateAsync(TestContext.Current.CancellationToken))));
        Assert.Equal((TestDatabase.IsPostgres ? Migrator.Postgres : Migrator.All).Count, runs.Sum(r => r.Count));
        Assert.Equal(1, await database.CountAsync("users"));
    }

    [Fact]
    public void PostgreSQL_migrations_mirror_the_SQLite_ones_version_for_version()
    {
        // A schema change is made for both backends; a version one of them does not need is an empty file there.
        Assert.Equal(Migrator.All.Select(m => m.Name), Migrator.Postgres.Select(m => m.Name));
    }

    [Fact]
    public void Migration_numbers_are_unique()
    {
        Assert.Equal(Migrator.All.Count, Migrator.All.Select(m => m.Version).Distinct().Count());
    }

    [Fact]
    public async Task A_start_measures_a_table_that_outgrew_its_planner_statistics()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("PostgreSQL's autovacuum keeps its own statistics.");
        await using var database = await TestDatabase.CreateAsync();
        const string insertSql = """
            INSERT INTO companies (id, name, name_key, created_at, updated_at)
            VALUES (@Id, @Name, @Key, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
            """;
        var rows = Enumerable.Range(0, 1500).Select(i => new { Id = Guid.NewGuid().ToString(), Name = $"Company {i}", Key = $"company {i}" });
        await database.Db.WriteAsync((connection, transaction) => connection.ExecuteAsync(insertSql, rows, transaction));
        const string measuredSql = "SELECT stat FROM sqlite_stat1 WHERE tbl = 'companies' ORDER BY CAST(stat AS INTEGER) DESC LIMIT 1";
        await using (var before = await database.Db.OpenAsync())
            Assert.Null(await before.ExecuteScalarAsync<string?>(measuredSql));

        await new Migrator(database.Db).MigrateAsync(TestContext.Current.CancellationToken);

        await using var connection = await database.Db.OpenAsync();
        var stat = await connection.ExecuteScalarAsync<string>(measuredSql);
        Assert.Equal(1500, long.Parse(stat!.Split(' ')[0]));
    }
}
