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

        // Six namesakes score 1.0: five of them are listed (on SQLite the first five stored, in that order), nothing below them.
        var namesakes = people.Where(p => p.Key == "jane founder").Select(p => p.Id).ToList();
        Assert.Equal(Resolver.MaxCandidates, near.Count);
        Assert.All(near, c => Assert.Contains(c.Id, namesakes));
        if (!TestDatabase.IsPostgres) Assert.Equal(namesakes.Take(Resolver.MaxCandidates), near.Select(c => c.Id));
    }
}
