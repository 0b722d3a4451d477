using Crm.Mcp.Lists;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Lists;

/// <summary>Every list's default page (and get_deals by stage) walks an index in its order: a plan that sorts the
/// matches reads all of them, which at 1M rows is what made lists grow with the table (migration 0101).</summary>
public sealed class ListPlanTests
{
    public static TheoryData<string, string?> Pages() => new()
    {
        { "activities", null }, { "companies", null }, { "contacts", null }, { "deals", null }, { "services", null }, { "tasks", null },
        { "deals", "stage_id" }, { "deals", "stage_id+is_draft" },
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task A_default_page_reads_its_index_in_order_without_sorting(string entity, string? filter)
    {
        if (TestDatabase.IsPostgres) Assert.Skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL's mirror indexes are the same (0101).");
        await using var database = await TestDatabase.CreateAsync();
        await using var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(TestContext.Current.CancellationToken);
        var schema = await new FieldRegistry().LoadAsync(entity, connection, transaction);
        var extra = new List<Filter>();
        if (filter?.Contains("stage_id") == true) extra.Add(Filter.Rule("stage_id", FilterOps.EqualsOp, "00000000-0000-4000-8000-000000000101"));
        if (filter?.Contains("is_draft") == true) extra.Add(Filter.Rule("is_draft", FilterOps.EqualsOp, false));
        var plan = ListEngine.Build(schema, new ListRequest(null, null, null, 25, null), extra);
        var steps = (await connection.QueryAsync<(long, long, long, string Detail)>("EXPLAIN QUERY PLAN " + ListEngine.PageSql(schema, plan), plan.Parameters, transaction))
            .Select(s => s.Detail).ToList();
        // Sorting only the ties of the last key (id after a descending date) costs the page, not the table.
        Assert.DoesNotContain(steps, s => s.Contains("TEMP B-TREE FOR ORDER BY"));
        Assert.Contains(steps, s => s.Contains("USING") && s.Contains("INDEX"));
    }
}
