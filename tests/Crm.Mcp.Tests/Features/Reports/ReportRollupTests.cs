using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Crm.Mcp.Resolution;
using Crm.Mcp.Tests.Infrastructure;
using Crm.Mcp.Transfer;
using Dapper;

namespace Crm.Mcp.Tests.Features.Reports;

/// <summary>deal_rollup (SQLite, migration 0122): kept equal to the deals by every write path, and answering the
/// reports it may answer exactly as the scan of the deals does.</summary>
public sealed class ReportRollupTests
{
    private static Task AssertRollupMatchesDealsAsync(TestServer server) => AssertRollupMatchesDealsAsync(server.Db);

    private static async Task AssertRollupMatchesDealsAsync(Crm.Mcp.Data.CrmDb db)
    {
        await using var connection = await db.OpenAsync(TestContext.Current.CancellationToken);
        const string differenceSql = """
            SELECT COUNT(*) FROM (
                SELECT * FROM deal_rollup WHERE deals <> 0 EXCEPT SELECT * FROM deal_rollup_source
                UNION ALL
                SELECT * FROM deal_rollup_source EXCEPT SELECT * FROM deal_rollup WHERE deals <> 0)
            """;
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(differenceSql));
        // A row emptied by deletes or moves must be empty in every sum, or the next deal there would inherit them.
        const string leftoversSql = "SELECT COUNT(*) FROM deal_rollup WHERE deals = 0 AND (amounts <> 0 OR high <> 0 OR low <> 0 OR closed <> 0 OR days_ms <> 0)";
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(leftoversSql));
        Assert.True(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM deal_rollup_source") > 0);
    }

    [Fact]
    public async Task Every_write_path_keeps_the_rollup_equal_to_the_deals()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("PostgreSQL hashes its groups and keeps no rollup (migration 0122).");
        await using var server = await ReportDealsTests.SeededAsync();
        await AssertRollupMatchesDealsAsync(server);

        var me = (await server.CallOkAsync("get_current_user")).GetProperty("data").GetProperty("id").GetString();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Rollup Works", people = new[] { new { name = "Rita Roll", email = "rita@rollup.example" } }, amount = 1234.5 });
        await server.CallOkAsync("update_deals", new
        {
            items = new object[]
            {
                new { deal = "DEAL-001", amount = 1500, expected_close_date = "2026-05-20", owner_id = me },
                new { deal = "DEAL-002", stage_name = "Closed Won" },
                new { deal = "DEAL-003", currency = "GBP", is_draft = false },
                new { deal = "DEAL-007", amount = 99 },
            },
        });
        await server.CallOkAsync("update_deals", new { items = new object[] { new { deal = "DEAL-001", clear = new[] { "amount", "owner_id" } } } });
        await server.CallOkAsync("update_deal", new { deal = "DEAL-004", stage_name = "Negotiation" }); // reopened: closed_at cleared
        await AssertRollupMatchesDealsAsync(server);

        await server.CallOkAsync("delete_deals", new { deals = new[] { "DEAL-005", "DEAL-006" } });
        await AssertRollupMatchesDealsAsync(server);
        var deletion = (await server.CallOkAsync("get_changes", new { limit = 1 })).GetProperty("data").GetProperty("items")[0];
        await server.CallOkAsync("revert_change", new { change_id = deletion.GetProperty("id").GetInt64() });
        await AssertRollupMatchesDealsAsync(server);

        // Stage-level writes move or close many deals at once through other triggers and foreign keys.
        await server.CallOkAsync("update_stage", new { stage = "Negotiation", kind = "won" });
        await AssertRollupMatchesDealsAsync(server);
        await server.CallOkAsync("delete_stage", new { stage = "Proposal", move_deals_to = "Qualified" });
        await AssertRollupMatchesDealsAsync(server);
    }

    [Fact]
    public async Task An_import_keeps_the_rollup_equal_to_the_deals()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("PostgreSQL keeps no rollup.");
        await using var database = await TestDatabase.CreateAsync();
        foreach (var file in new[] { "pipedrive-organizations.csv", "pipedrive-people.csv", "pipedrive-deals.csv" })
        {
            var plan = ImportMapping.Map(ImportSource.Pipedrive, CsvFile.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", "import", file)));
            await new Importer(database.Db, new Resolver(), new CrmSettings { DatabasePath = database.Path })
                .RunAsync(plan, false, 500, cancellationToken: TestContext.Current.CancellationToken);
        }
        await AssertRollupMatchesDealsAsync(database.Db);
    }

    private static async Task<JsonElement> ReportAsync(TestServer server, object args) =>
        (await server.CallOkAsync("report_deals", args)).GetProperty("data");

    /// <summary>The report without min/max fields, for comparing a rollup answer with a scan's.</summary>
    private static string WithoutMinMax(JsonElement report)
    {
        var node = JsonNode.Parse(report.GetRawText())!.AsObject();
        foreach (var row in node["rows"]!.AsArray().Append(node["total"]))
            foreach (var amounts in row!["amounts"]?.AsArray() ?? [])
            {
                amounts!.AsObject().Remove("min");
                amounts.AsObject().Remove("max");
            }
        node["metrics"] = new JsonArray(node["metrics"]!.AsArray().Select(m => m!.GetValue<string>()).Where(m => m is not "min" and not "max").Select(m => (JsonNode?)m).ToArray());
        return node.ToJsonString();
    }

    public static TheoryData<string[], object[]> Reports => new()
    {
        { [], [] },
        { ["stage"], [] },
        { ["created_month"], [] },
        { ["closed_quarter"], [new { field = "stage_kind", op = "in", value = new[] { "won", "lost" } }] },
        { ["expected_close_month", "stage_kind"], [new { field = "stage_kind", op = "equals", value = "open" }] },
        { ["owner", "created_quarter"], [new { field = "currency", op = "equals", value = "USD" }] },
        { ["pipeline", "stage"], [new { field = "is_draft", op = "equals", value = false }] },
        { ["created_quarter"], [new { field = "closed_at", op = "is_not_null" }] },
        { ["stage_kind"], [new { field = "closed_at", op = "is_null" }] },
    };

    [Theory]
    [MemberData(nameof(Reports))]
    public async Task A_report_the_rollup_answers_equals_the_scan_of_the_deals(string[] groupBy, object[] filters)
    {
        await using var server = await ReportDealsTests.SeededAsync();
        string[] metrics = ["count", "sum", "avg", "weighted", "win_rate", "days_to_close"];
        // min needs the deals themselves, so the same report with it is the scan's answer.
        var rollup = await ReportAsync(server, new { group_by = groupBy, metrics, filters });
        var scan = await ReportAsync(server, new { group_by = groupBy, metrics = metrics.Append("min").ToArray(), filters });
        Assert.Equal(WithoutMinMax(scan), WithoutMinMax(rollup));
        Assert.True(rollup.GetProperty("total").GetProperty("count").GetInt64() > 0);

        if (TestDatabase.IsPostgres) return;
        // And the rollup did answer: a count planted in it shows in the report, never in the scan's.
        await using (var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken))
            await connection.ExecuteAsync("UPDATE deal_rollup SET deals = deals + 1000");
        Assert.NotEqual(rollup.GetProperty("total").GetProperty("count").GetInt64(),
            (await ReportAsync(server, new { group_by = groupBy, metrics, filters })).GetProperty("total").GetProperty("count").GetInt64());
        Assert.Equal(scan.GetProperty("total").GetProperty("count").GetInt64(),
            (await ReportAsync(server, new { group_by = groupBy, metrics = metrics.Append("min").ToArray(), filters })).GetProperty("total").GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Filters_on_what_the_rollup_does_not_keep_read_the_deals()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("PostgreSQL keeps no rollup.");
        await using var server = await ReportDealsTests.SeededAsync();
        object[][] unkept =
        [
            [new { field = "amount", op = "gte", value = 1000 }],
            [new { field = "name", op = "contains", value = "A" }],
            [new { field = "company", op = "is_null" }],
            [new { field = "closed_at", op = "between", value = new[] { "2026-02-01", "2026-02-28" } }],
        ];
        foreach (var filters in unkept)
        {
            var before = (await ReportAsync(server, new { filters })).GetProperty("total").GetProperty("count").GetInt64();
            await using (var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken))
                await connection.ExecuteAsync("UPDATE deal_rollup SET deals = deals + 1000");
            Assert.Equal(before, (await ReportAsync(server, new { filters })).GetProperty("total").GetProperty("count").GetInt64());
        }
        var search = (await ReportAsync(server, new { search = "A1" })).GetProperty("total").GetProperty("count").GetInt64();
        Assert.Equal(1, search);
        var byCompany = await ReportAsync(server, new { group_by = new[] { "company" } });
        Assert.Equal(7, byCompany.GetProperty("total").GetProperty("count").GetInt64());
    }
}
