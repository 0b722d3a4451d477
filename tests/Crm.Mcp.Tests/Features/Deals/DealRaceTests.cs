using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Deals;
using Crm.Mcp.Resolution;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Features.Deals;

/// <summary>Many writers on one file, each with its own connection pool as separate processes would have.</summary>
public sealed class DealRaceTests
{
    [Fact]
    public async Task Concurrent_creates_of_one_company_stage_and_person_make_exactly_one_of_each()
    {
        await using var database = await TestDatabase.CreateAsync();
        string[] spellings = ["Acme, Inc.", "ACME inc", "acme", "Acme Inc", "ACME, INC."];
        var writers = Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            var tools = new DealTools(new CrmDb(database.Path), new Resolver(), new CrmSettings { DatabasePath = database.Path });
            return await tools.CreateDealDraft(
                company_name: spellings[i % spellings.Length], amount: 1000 + i, stage_name: i % 2 == 0 ? "Workbench" : "WORKBENCH",
                people: [new PersonInput { Name = "Jane Founder", Email = i % 3 == 0 ? "JANE@acme.com" : "jane@acme.com" }],
                cancellationToken: TestContext.Current.CancellationToken);
        })).ToList();
        var results = await Task.WhenAll(writers);

        Assert.Equal(1, await database.CountAsync("companies"));
        Assert.Equal(1, await database.CountAsync("people"));
        Assert.Equal(7, await database.CountAsync("stages"));
        Assert.Equal(40, await database.CountAsync("deals"));
        Assert.Equal(1, results.Count(r => r.Data.Resolution.Company!.Created));
        var identifiers = results.Select(r => r.Data.Deal.Identifier).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 40).Select(n => $"DEAL-{n:000}"), identifiers);
    }
}
