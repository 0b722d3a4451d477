using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Deals;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Crm.Mcp.Tests.Lists;

/// <summary>How custom fields plug in: a provider adds fields at request time and they filter and sort like built-ins.</summary>
public sealed class FieldProviderTests
{
    /// <summary>Stands in for the custom-fields feature: one "priority" select stored in a side table, keyed by a parameter.</summary>
    private sealed class PriorityProvider : IFieldProvider
    {
        public Task<IReadOnlyList<FieldDef>> FieldsAsync(string entity, System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction) =>
            Task.FromResult<IReadOnlyList<FieldDef>>(entity != DealFields.Entity ? [] :
            [
                new FieldDef("priority", FieldType.SingleSelect, "(SELECT v.value FROM test_values v WHERE v.entity_id = d.id AND v.field_key = @cf_priority)")
                {
                    Custom = true, Options = ["low", "high"], Parameters = new Dictionary<string, object?> { ["cf_priority"] = "priority" },
                },
            ]);
    }

    [Fact]
    public async Task A_provided_field_filters_sorts_and_validates_like_a_built_in_one()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync();
        var tools = new DealTools(database.Db, new Resolver(), new CrmSettings { DatabasePath = database.Path }, new FieldRegistry([new PriorityProvider()]));
        foreach (var name in new[] { "One", "Two", "Three" })
            await tools.CreateDealDraft(name: name, cancellationToken: ct);
        await using (var connection = await database.Db.OpenAsync(ct))
        {
            await connection.ExecuteAsync("CREATE TABLE test_values (entity_id TEXT, field_key TEXT, value TEXT)");
            await connection.ExecuteAsync("""
                INSERT INTO test_values SELECT id, 'priority', CASE name WHEN 'One' THEN 'high' WHEN 'Two' THEN 'low' END FROM deals WHERE name <> 'Three';
                INSERT INTO test_values SELECT id, 'other', 'high' FROM deals WHERE name = 'Three';
                """);
        }

        var high = await tools.GetDeals(filters: [Filter.Rule("priority", "equals", "HIGH")], cancellationToken: ct);
        Assert.Equal(["One"], high.Data.Items.Select(d => (string?)d["name"]));
        var sorted = await tools.GetDeals(sort: [new SortInput { Field = "priority" }], cancellationToken: ct);
        Assert.Equal(["One", "Two", "Three"], sorted.Data.Items.Select(d => (string?)d["name"]));
        var unset = await tools.GetDeals(filters: [Filter.Rule("priority", "is_null", null)], cancellationToken: ct);
        Assert.Equal(["Three"], unset.Data.Items.Select(d => (string?)d["name"]));

        var error = await Assert.ThrowsAsync<CrmError>(() => tools.GetDeals(filters: [Filter.Rule("priority", "equals", "urgent")], cancellationToken: ct));
        Assert.Equal("filters[0].value", error.Field);
        Assert.Contains("\"low\", \"high\"", error.Expected);
    }
}
