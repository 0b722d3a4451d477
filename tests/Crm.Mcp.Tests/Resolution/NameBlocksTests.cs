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
        Assert.Equal([new("jane", "founde"), new("founder", "jane"), new("!enaj", "founde"), new("!rednuo", "jane"), new(" janefounder", "")], NameBlocks.Of("jane founder"));
        Assert.Equal([new NameBlocks.Block("acme", ""), new("!emca", "")], NameBlocks.Of("acme"));
        // Occurrences are replaced left to right, as SQLite's replace() does: "anna anna b" keeps one "anna" in its rest.
        Assert.Equal([new("anna", "annab"), new("!anna", "annab"), new(" annaannab", "")], NameBlocks.Of("anna anna b"));
        // "o" is too short to be a block, "al" to be reversed; letters are code points ("𝒜" is one, as SQLite counts).
        Assert.Equal([new("josé", "oneil"), new("neil", "joséo"), new("!ésoj", "oneil"), new("!lien", "joséo"), new(" joséoneil", "")], NameBlocks.Of("josé o neil"));
        Assert.Equal([new("al", "b𝒜c"), new("b𝒜c", "al"), new("!c𝒜b", "al"), new(" alb𝒜c", "")], NameBlocks.Of("al b𝒜c"));
        Assert.Empty(NameBlocks.Of(""));
    }

    [Theory]
    [InlineData("companies")]
    [InlineData("people")]
    public async Task The_triggers_write_what_a_lookup_asks_for_through_inserts_renames_and_deletes(string table)
    {
        await using var database = await TestDatabase.CreateAsync();
        var keys = new[] { "jane founder", "josé o neil", "anna anna b", "x", "acme", "al b𝒜c", "kwiatkowski jo" };
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

    [Fact]
    public async Task A_database_from_before_0260_gets_the_reversed_blocks_of_its_names()
    {
        await using var database = await TestDatabase.CreateAsync();
        await database.Db.WriteAsync((connection, transaction) => connection.ExecuteAsync(InsertPersonSql, Person("Jane Founder"), transaction));
        await database.Db.WriteAsync((connection, transaction) => connection.ExecuteAsync(
            "DELETE FROM people_name_blocks WHERE block LIKE '!%'; DELETE FROM schema_migrations WHERE version = 260", transaction: transaction));

        await new Migrator(database.Db).MigrateAsync(TestContext.Current.CancellationToken);

        await using var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken);
        Assert.Equal(["!enaj/founde", "!rednuo/jane"], await connection.QueryAsync<string>("SELECT block || '/' || rest FROM people_name_blocks WHERE block LIKE '!%' ORDER BY block"));
    }

    /// <summary>A typo in a word's first letters (migration 0260): the word does not sort beside the one it misspells,
    /// 300 namesakes in between put it out of the name-key neighbours' and the first name's reach, and 20 before it
    /// out of the first rows of the first name's block (which the run-together "calebecker" reads, as a typo of
    /// "caleb"); its end finds it.</summary>
    [Theory]
    [InlineData("Caleb Ecker")] // the first letter dropped
    [InlineData("Caleb Vecker")] // the first letter replaced
    [InlineData("Caleb Ebcker")] // the first two swapped
    public async Task A_person_misspelt_in_the_first_letters_of_a_word_is_a_close_candidate(string asked)
    {
        await using var database = await TestDatabase.CreateAsync();
        var people = Enumerable.Range(0, 300).Select(i => Person($"Caleb Da{i:000}"))
            .Concat(Enumerable.Range(0, 20).Select(i => Person($"Caleb Aa{i:000}"))).Append(Person("Caleb Becker"));
        await database.Db.WriteAsync((connection, transaction) => connection.ExecuteAsync(InsertPersonSql, people, transaction));

        var near = await database.Db.WriteAsync((connection, transaction) => Resolver.NearPeopleAsync(connection, transaction, NameKeys.Person(asked)));

        Assert.Contains(near, c => c.Name == "Caleb Becker" && c.Score >= NameSimilarity.Close);
    }

    [Theory]
    [InlineData("Mtchell")] // the second letter dropped: the same last six letters, so the same reversed block
    [InlineData("Nitchell")] // the first letter replaced
    [InlineData("Ecker")] // the first letter dropped: the reversed block sorted next to its own
    public async Task A_company_misspelt_in_its_first_letters_is_asked_about_not_created(string asked)
    {
        await using var server = await TestServer.StartAsync();
        // Words sorted between the typo and the name it misspells ("ms" between "mitchell" and "mtchell"), so that no
        // word neighbour and no name-key neighbour (same first two letters) is it.
        await server.Db.WriteAsync((connection, transaction) => connection.ExecuteAsync("""
            INSERT INTO companies (id, name, name_key, created_at, updated_at)
            VALUES (@Id, @Name, lower(@Name), '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
            """, new[] { "Mitchell", "Becker", "ea", "eu", "ms", "mu" }.Select(n => new { Id = Guid.NewGuid().ToString(), Name = n }), transaction));
        var before = await server.Database.FingerprintAsync();

        var error = await server.CallErrorAsync("create_deal_draft", new { company_name = asked });

        Assert.Equal(("needs_disambiguation", "company_name"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
        Assert.Equal(asked == "Ecker" ? "Becker" : "Mitchell", error.GetProperty("candidates")[0].GetProperty("name").GetString());
        Assert.Equal(before, await server.Database.FingerprintAsync());
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
        Assert.Equal([" janefounder/", "!enaj/founde", "!rednuo/jane", "founder/jane", "jane/founde"], await connection.QueryAsync<string>("SELECT block || '/' || rest FROM people_name_blocks ORDER BY block"));
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
