using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Resolution;

/// <summary>Migrations 0150 (SQLite) and 0220 (PostgreSQL): near-name candidates from blocking keys in plain B-trees.</summary>
public sealed class NameBlocksTests
{
    private const string InsertPersonSql = """
        INSERT INTO people (id, first_name, last_name, full_name, name_key, created_at, updated_at)
        VALUES (@Id, '', '', @Name, @Key, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
        """;

    private static object Person(string name) => new { Id = Guid.NewGuid().ToString(), Name = name, Key = NameKeys.Person(name) };

    [Fact]
    public void A_key_s_blocks_are_its_words_with_the_start_of_the_others_and_the_words_run_together()
    {
        Assert.Equal([new("jane", "founde"), new("founder", "jane"), new(" janefounder", "")], NameBlocks.Of("jane founder"));
        Assert.Equal([new NameBlocks.Block("acme", "")], NameBlocks.Of("acme"));
        // Occurrences are replaced left to right, as SQLite's replace() does: "anna anna b" keeps one "anna" in its rest.
        Assert.Equal([new("anna", "annab"), new(" annaannab", "")], NameBlocks.Of("anna anna b"));
        Assert.Equal([new("josé", "oneil"), new("neil", "joséo"), new(" joséoneil", "")], NameBlocks.Of("josé o neil")); // "o" is too short to be a block
        Assert.Empty(NameBlocks.Of(""));
    }

    [Theory]
    [InlineData("companies")]
    [InlineData("people")]
    public async Task The_triggers_write_what_a_lookup_asks_for_through_inserts_renames_and_deletes(string table)
    {
        await using var database = await TestDatabase.CreateAsync();
        var keys = new[] { "jane founder", "josé o neil", "anna anna b", "x", "acme" };
        var insertSql = table == "people" ? InsertPersonSql : """
            INSERT INTO companies (id, name, name_key, created_at, updated_at)
            VALUES (@Id, @Name, @Key, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
            """;
        await database.Db.WriteAsync((connection, transaction) =>
            connection.ExecuteAsync(insertSql, keys.Select(k => new { Id = Guid.NewGuid().ToString(), Name = k, Key = k }), transaction));
        await AssertBlocksAsync();

        await database.Db.WriteAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync($"UPDATE {table} SET name_key = 'founder jane x' WHERE name_key = 'jane founder'", transaction: transaction);
            return await connection.ExecuteAsync($"DELETE FROM {table} WHERE name_key = 'acme'", transaction: transaction);
        });
        await AssertBlocksAsync();

        async Task AssertBlocksAsync()
        {
            await using var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken);
            // A row's id in the blocks: SQLite's rowid, PostgreSQL's id.
            var rowId = TestDatabase.IsPostgres ? "id" : "rowid";
            var expected = (await connection.QueryAsync<(string, string)>($"SELECT CAST({rowId} AS TEXT), name_key FROM {table}"))
                .SelectMany(r => NameBlocks.Of(r.Item2).Select(b => $"{b.Key}/{b.Rest}/{r.Item1}")).Order(StringComparer.Ordinal);
            var stored = (await connection.QueryAsync<(string, string, string)>($"SELECT block, rest, CAST(row_id AS TEXT) FROM {NameBlocks.TableOf(table)}"))
                .Select(r => $"{r.Item1}/{r.Item2}/{r.Item3}").Order(StringComparer.Ordinal);
            Assert.Equal(expected, stored);
        }
    }

    [Theory]
    [InlineData("Jnae Founder")] // a typo in the first two letters: no sorted neighbour, the rare word's block
    [InlineData("Founder Jane")] // reordered
    [InlineData("Jane Foun Der")] // respaced: both run together as "janefounder"
    public async Task A_near_name_is_found_among_more_namesakes_than_any_cap_reads(string asked)
    {
        await using var database = await TestDatabase.CreateAsync();
        // 300 Janes written before her: the "jane" block and the "ja" neighbours hold far more than a lookup reads.
        var people = Enumerable.Range(0, 300).Select(i => Person($"Jane Namesake{i:000}")).Append(Person("Jane Founder"));
        await database.Db.WriteAsync((connection, transaction) => connection.ExecuteAsync(InsertPersonSql, people, transaction));

        var near = await database.Db.WriteAsync((connection, transaction) => Resolver.NearPeopleAsync(connection, transaction, NameKeys.Person(asked)));

        Assert.Contains(near, c => c.Name == "Jane Founder");
    }

    [Fact]
    public async Task A_database_that_had_the_trigram_indexes_gets_its_names_blocked_and_the_indexes_dropped()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("SQLite's migration.");
        await using var database = await TestDatabase.CreateAsync();
        await database.Db.WriteAsync((connection, transaction) => connection.ExecuteAsync(InsertPersonSql, Person("Jane Founder"), transaction));
        // As a database from before 0150 (with 0180 applied) has it: FTS5 name indexes, no block tables.
        await database.Db.WriteAsync((connection, transaction) => connection.ExecuteAsync("""
            DROP TABLE people_name_blocks; DROP TABLE companies_name_blocks;
            DROP TRIGGER people_name_blocks_ai; DROP TRIGGER people_name_blocks_ad; DROP TRIGGER people_name_blocks_au;
            DROP TRIGGER companies_name_blocks_ai; DROP TRIGGER companies_name_blocks_ad; DROP TRIGGER companies_name_blocks_au;
            CREATE VIRTUAL TABLE people_name_trgm USING fts5 (name_key, content = 'people', content_rowid = 'rowid', tokenize = 'trigram', columnsize = 0);
            CREATE VIRTUAL TABLE companies_name_trgm USING fts5 (name_key, content = 'companies', content_rowid = 'rowid', tokenize = 'trigram', columnsize = 0);
            DELETE FROM schema_migrations WHERE version = 150;
            """, transaction: transaction));

        await new Migrator(database.Db).MigrateAsync(TestContext.Current.CancellationToken);

        await using var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%name_trgm%'"));
        Assert.Equal([" janefounder/", "founder/jane", "jane/founde"], await connection.QueryAsync<string>("SELECT block || '/' || rest FROM people_name_blocks ORDER BY block"));
    }

    [Fact]
    public async Task A_postgresql_database_that_read_names_through_pg_trgm_gets_its_names_blocked_and_the_name_trigram_indexes_dropped()
    {
        if (!TestDatabase.IsPostgres) Assert.Skip("PostgreSQL's migration (0220).");
        await using var database = await TestDatabase.CreateAsync();
        await database.Db.WriteAsync((connection, transaction) => connection.ExecuteAsync(InsertPersonSql, Person("Jane Founder"), transaction));
        // As a database from before 0220 has it: pg_trgm name indexes, no block tables.
        await database.Db.WriteAsync((connection, transaction) => connection.ExecuteAsync("""
            DROP TABLE people_name_blocks; DROP TABLE companies_name_blocks;
            DROP TRIGGER people_name_blocks_ai ON people; DROP TRIGGER people_name_blocks_ad ON people; DROP TRIGGER people_name_blocks_au ON people;
            DROP TRIGGER companies_name_blocks_ai ON companies; DROP TRIGGER companies_name_blocks_ad ON companies; DROP TRIGGER companies_name_blocks_au ON companies;
            DROP FUNCTION name_blocks_refresh(); DROP FUNCTION crm_name_blocks(text);
            DROP INDEX ix_people_name_key_c; CREATE INDEX ix_people_name_key_c ON people (name_key COLLATE "C");
            DROP INDEX ix_companies_name_key_c; CREATE INDEX ix_companies_name_key_c ON companies (name_key COLLATE "C");
            CREATE INDEX ix_companies_name_trgm ON companies USING gin (name_key gin_trgm_ops);
            CREATE INDEX ix_people_name_trgm ON people USING gin (name_key gin_trgm_ops);
            DELETE FROM schema_migrations WHERE version = 220;
            """, transaction: transaction));

        await new Migrator(database.Db).MigrateAsync(TestContext.Current.CancellationToken);

        await using var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM pg_indexes WHERE indexname LIKE '%name_trgm'"));
        Assert.Equal([" janefounder/", "founder/jane", "jane/founde"], await connection.QueryAsync<string>("SELECT block || '/' || rest FROM people_name_blocks ORDER BY block"));
    }
}
