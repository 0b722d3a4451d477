using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Resolution;

/// <summary>
/// A near-name lookup lists what scoring every stored name would list, best first, when every name is among its
/// candidates (a small table: all share the key's first letters): fetching whole rows only for the best scores, and
/// scoring a key once for all its namesakes, must not change which rows come back.
/// </summary>
public sealed class NearCandidatesTests
{
    // Distinct scores against "northwind traders" (no ties), all listed: more than Rank keeps, with the key itself.
    private static readonly string[] Companies =
    [
        "northwind traders", "northwind trader", "nrothwind traders", "north wind traders", "northwind trad",
        "northwood traders", "northwind trading", "northwind tradingco", "northway trading",
    ];

    [Fact]
    public async Task Leaving_the_key_s_own_company_out_still_lists_the_five_best_of_the_others()
    {
        await using var database = await TestDatabase.CreateAsync();
        var ids = Companies.ToDictionary(k => k, _ => Guid.NewGuid().ToString());
        await database.Db.WriteAsync((connection, transaction) => connection.ExecuteAsync("""
            INSERT INTO companies (id, name, name_key, created_at, updated_at)
            VALUES (@Id, @Key, @Key, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
            """, Companies.Select(k => new { Id = ids[k], Key = k }), transaction), TestContext.Current.CancellationToken);
        const string key = "northwind traders";

        var near = await database.Db.WriteAsync((connection, transaction) => Resolver.NearCompaniesAsync(connection, transaction, key, ids[key]), TestContext.Current.CancellationToken);

        var expected = Companies.Where(k => k != key).Select(k => (Name: k, NameSimilarity.Score(key, k).Score))
            .Where(x => x.Score >= NameSimilarity.Listed).OrderByDescending(x => x.Score).ThenBy(x => x.Name, StringComparer.Ordinal).Take(Resolver.MaxCandidates).ToList();
        Assert.True(expected[^2].Score > expected[^1].Score); // else the rows fetched for the fifth place would include the sixth anyway
        Assert.Equal(expected, near.Select(c => (c.Name, c.Score)));
    }

    [Fact]
    public async Task Namesakes_are_listed_in_the_order_stored_whatever_their_number()
    {
        await using var database = await TestDatabase.CreateAsync();
        string[] names = ["Jane Foundr", "Jane Founder", "Jane Founder", "Jane Founders", "Jane Founder", "Jane Fonder", "Jane Founder", "Jane Founder", "Jane Founder"];
        var people = names.Select((n, i) => new { Id = $"00000000-0000-4000-8000-{i:000000000000}", Name = n, Key = NameKeys.Person(n) }).ToList();
        await database.Db.WriteAsync((connection, transaction) => connection.ExecuteAsync("""
            INSERT INTO people (id, first_name, last_name, full_name, name_key, created_at, updated_at)
            VALUES (@Id, '', '', @Name, @Key, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
            """, people, transaction), TestContext.Current.CancellationToken);

        var near = await database.Db.WriteAsync((connection, transaction) => Resolver.NearPeopleAsync(connection, transaction, "jane founder"), TestContext.Current.CancellationToken);

        // Six namesakes score 1.0: five of them are listed, the first five stored, in that order (SQLite's rowid order,
        // PostgreSQL's id order: the ids here increase as they are stored), nothing below them.
        var namesakes = people.Where(p => p.Key == "jane founder").Select(p => p.Id).ToList();
        Assert.Equal(namesakes.Take(Resolver.MaxCandidates), near.Select(c => c.Id));
    }

    [Fact]
    public async Task PostgreSQL_lists_the_candidates_SQLite_lists_from_the_same_names()
    {
        if (!TestDatabase.IsPostgres) Assert.Skip("compares PostgreSQL's lookups with SQLite's; needs CRM_MCP_TEST_POSTGRES");
        await using var postgres = await TestDatabase.CreateAsync();
        var sqlite = new CrmDb(Path.Combine(postgres.Folder, "same-names.db"));
        await new Migrator(sqlite).MigrateAsync(TestContext.Current.CancellationToken);

        // Namesakes beyond every cap: 1,500 people on 10 first names (150 a first name: more than a block's 25 rows on
        // each side or the 100 name-key neighbours), five of each full name, stored in id order, as ids are made (UUIDv7).
        string[] first = ["jane", "john", "maria", "mario", "yusuf", "sofia", "caleb", "arjun", "karen", "lucas"];
        string[] last = ["founder", "becker", "patel", "watanabe", "ryan", "lopez", "ferrari", "wisniewski", "oneil", "smith"];
        var people = Enumerable.Range(0, 1500).Select(i => (Id: $"00000000-0000-4000-8000-{i:x12}",
            Name: $"{first[i % 10]} {last[i / 10 % 10]}{(i / 100 % 3 == 0 ? "" : $"{i / 100}")}")).ToList();
        string[] words = ["northwind", "acme", "globex", "initech", "umbrella", "stark", "wayne", "tyrell", "cyberdyne", "soylent"];
        string[] kinds = ["traders", "robotics", "labs", "foods", "systems", "capital", "media", "health"];
        var companies = words.SelectMany((w, i) => kinds.SelectMany((k, j) => new[] { $"{w} {k}", $"{w}{j} {k}", $"{k} {w}" }))
            .Distinct().Select((n, i) => (Id: $"00000000-0000-4000-8001-{i:x12}", Name: n)).ToList();
        foreach (var db in new[] { sqlite, postgres.Db })
            await db.WriteAsync(async (connection, transaction) =>
            {
                await connection.ExecuteAsync("""
                    INSERT INTO people (id, first_name, last_name, full_name, name_key, created_at, updated_at)
                    VALUES (@Id, '', '', @Name, @Key, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
                    """, people.Select(p => new { p.Id, p.Name, Key = NameKeys.Person(p.Name) }), transaction);
                return await connection.ExecuteAsync("""
                    INSERT INTO companies (id, name, name_key, created_at, updated_at)
                    VALUES (@Id, @Name, @Key, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
                    """, companies.Select(c => new { c.Id, c.Name, Key = NameKeys.Company(c.Name) }), transaction);
            }, TestContext.Current.CancellationToken);

        // Exact, typos (in the first letters too), swapped words, words run together or split, unknown names.
        string[] askedPeople = ["jane founder", "jnae founder", "ajne becker", "caleb ecker", "arjun paetl", "sofia rayn", "patel arjun",
            "yusufwatanabe", "ysuuf watanabe", "mario lopez3", "maria lopes", "karen wisniewsky", "lucas fer rari", "zoe quinn", "j smith"];
        string[] askedCompanies = ["northwind traders", "nrothwind traders", "acme robotix", "robotics acme", "globex3 foods", "initechlabs",
            "umbrela health", "stark capitol", "wayne", "tyrell corp", "cyber dyne systems", "soylent", "hooli"];
        var listed = 0;
        foreach (var key in askedPeople)
        {
            var onSqlite = await sqlite.WriteAsync((c, t) => Resolver.NearPeopleAsync(c, t, key), TestContext.Current.CancellationToken);
            var onPostgres = await postgres.Db.WriteAsync((c, t) => Resolver.NearPeopleAsync(c, t, key), TestContext.Current.CancellationToken);
            Assert.Equal(onSqlite.Select(c => (key, c.Id, c.Score)), onPostgres.Select(c => (key, c.Id, c.Score)));
            listed += onSqlite.Count;
        }
        foreach (var key in askedCompanies)
        {
            var onSqlite = await sqlite.WriteAsync((c, t) => Resolver.NearCompaniesAsync(c, t, key), TestContext.Current.CancellationToken);
            var onPostgres = await postgres.Db.WriteAsync((c, t) => Resolver.NearCompaniesAsync(c, t, key), TestContext.Current.CancellationToken);
            Assert.Equal(onSqlite.Select(c => (key, c.Id, c.Score)), onPostgres.Select(c => (key, c.Id, c.Score)));
            listed += onSqlite.Count;
        }
        Assert.True(listed >= 4 * (askedPeople.Length + askedCompanies.Length), $"{listed} candidates listed: too few to compare");
    }
}
