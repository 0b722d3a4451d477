using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Features.Reports;

/// <summary>report_deals against figures computed by hand from a small fixture: two currencies, every stage kind,
/// three months, one deal without an amount. Runs on SQLite and (CRM_MCP_TEST_POSTGRES) PostgreSQL alike.</summary>
public sealed class ReportDealsTests
{
    // Default probabilities: Qualified 20, Discovery 40, Proposal 60, Negotiation 80, Closed Won 100, Closed Lost 0.
    private static readonly (string Name, double? Amount, string Currency, string Stage, string Created, string? Closed, string? Source)[] Fixture =
    [
        ("A1", 1000, "USD", "Qualified", "2026-01-10T09:00:00.000Z", null, "Referral"),
        ("A2", 2500.50, "USD", "Proposal", "2026-01-20T09:00:00.000Z", null, "Referral"),
        ("A3", 4000, "EUR", "Proposal", "2026-02-05T09:00:00.000Z", null, "Web"),
        ("A4", 3000, "USD", "Closed Won", "2026-01-05T00:00:00.000Z", "2026-02-04T00:00:00.000Z", null),
        ("A5", 1000, "EUR", "Closed Won", "2026-02-01T00:00:00.000Z", "2026-02-11T00:00:00.000Z", null),
        ("A6", 500, "USD", "Closed Lost", "2026-03-01T00:00:00.000Z", "2026-03-15T00:00:00.000Z", null),
        ("A7", null, "USD", "Negotiation", "2026-03-02T09:00:00.000Z", null, null),
    ];

    internal static async Task<TestServer> SeededAsync()
    {
        var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Lead source", type = "single_select", options = new[] { "Referral", "Web" } });
        await server.CallOkAsync("create_custom_field", new { entity = "deals", label = "Notes text", type = "text" });
        await server.CallOkAsync("create_deals", new
        {
            items = Fixture.Select(f => new { name = f.Name, amount = f.Amount, currency = f.Currency, stage_name = f.Stage }).ToArray(),
        });
        await using var connection = await server.Db.OpenAsync(TestContext.Current.CancellationToken);
        foreach (var (f, i) in Fixture.Select((f, i) => (f, i)))
        {
            await connection.ExecuteAsync("UPDATE deals SET created_at = @Created, closed_at = @Closed WHERE name = @Name", new { f.Created, f.Closed, f.Name });
            if (f.Source is not null)
                await server.CallOkAsync("set_custom_field_values", new { entity = "deals", record = $"DEAL-{i + 1:000}", values = new { lead_source = f.Source } });
        }
        return server;
    }

    private static async Task<JsonElement> ReportAsync(TestServer server, object args) =>
        (await server.CallOkAsync("report_deals", args)).GetProperty("data");

    private static JsonElement Row(JsonElement report, params string?[] key) =>
        report.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("key").EnumerateArray().Select(k => k.ValueKind == JsonValueKind.Null ? null : k.GetString()).SequenceEqual(key));

    private static JsonElement Amounts(JsonElement row, string currency) =>
        row.GetProperty("amounts").EnumerateArray().Single(a => a.GetProperty("currency").GetString() == currency);

    private static string?[] Keys(JsonElement report) =>
        report.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key")[0].ValueKind == JsonValueKind.Null ? null : r.GetProperty("key")[0].GetString()).ToArray();

    [Fact]
    public async Task By_stage_gives_counts_sums_and_weighted_amounts_per_currency_in_pipeline_order()
    {
        await using var server = await SeededAsync();
        var report = await ReportAsync(server, new { group_by = new[] { "stage" }, metrics = new[] { "sum", "weighted" } });

        Assert.Equal(["Qualified", "Proposal", "Negotiation", "Closed Won", "Closed Lost"], Keys(report));
        Assert.Equal("200.00", Amounts(Row(report, "Qualified"), "USD").GetProperty("weighted").GetString());
        var proposal = Row(report, "Proposal");
        Assert.Equal(2, proposal.GetProperty("count").GetInt64());
        Assert.Equal(["EUR", "USD"], proposal.GetProperty("amounts").EnumerateArray().Select(a => a.GetProperty("currency").GetString()));
        Assert.Equal("4000.00", Amounts(proposal, "EUR").GetProperty("sum").GetString());
        Assert.Equal("2400.00", Amounts(proposal, "EUR").GetProperty("weighted").GetString());
        Assert.Equal("2500.50", Amounts(proposal, "USD").GetProperty("sum").GetString());
        Assert.Equal("1500.30", Amounts(proposal, "USD").GetProperty("weighted").GetString());
        var negotiation = Amounts(Row(report, "Negotiation"), "USD");
        Assert.Equal(0, negotiation.GetProperty("count").GetInt64());
        Assert.Equal("0.00", negotiation.GetProperty("sum").GetString());
        Assert.Equal("0.00", Amounts(Row(report, "Closed Lost"), "USD").GetProperty("weighted").GetString());

        var total = report.GetProperty("total");
        Assert.Equal(7, total.GetProperty("count").GetInt64());
        Assert.Equal(0, total.GetProperty("key").GetArrayLength());
        Assert.Equal("5000.00", Amounts(total, "EUR").GetProperty("sum").GetString());
        Assert.Equal("3400.00", Amounts(total, "EUR").GetProperty("weighted").GetString());
        Assert.Equal("7000.50", Amounts(total, "USD").GetProperty("sum").GetString());
        Assert.Equal("4700.30", Amounts(total, "USD").GetProperty("weighted").GetString());
        Assert.False(total.TryGetProperty("avg", out _));
        Assert.False(total.TryGetProperty("win_rate", out _));
        Assert.Equal(5, report.GetProperty("group_count").GetInt64());
        Assert.False(report.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task Totals_give_avg_min_max_over_deals_with_an_amount_win_rate_and_days_to_close()
    {
        await using var server = await SeededAsync();
        var total = (await ReportAsync(server, new { metrics = new[] { "avg", "min", "max", "win_rate", "days_to_close" } })).GetProperty("total");
        var usd = Amounts(total, "USD");
        Assert.Equal(4, usd.GetProperty("count").GetInt64());
        Assert.Equal("1750.13", usd.GetProperty("avg").GetString()); // 7000.50 / 4 = 1750.125, half away from zero
        Assert.Equal("500.00", usd.GetProperty("min").GetString());
        Assert.Equal("3000.00", usd.GetProperty("max").GetString());
        Assert.False(usd.TryGetProperty("sum", out _));
        Assert.Equal("2500.00", Amounts(total, "EUR").GetProperty("avg").GetString());
        Assert.Equal(2, total.GetProperty("won").GetInt64());
        Assert.Equal(1, total.GetProperty("lost").GetInt64());
        Assert.Equal(0.6667, total.GetProperty("win_rate").GetDouble());
        Assert.Equal(20.0, total.GetProperty("days_to_close").GetDouble()); // (30 + 10) / 2
    }

    [Fact]
    public async Task Win_rate_over_a_period_is_a_closed_at_filter()
    {
        await using var server = await SeededAsync();
        var total = (await ReportAsync(server, new
        {
            metrics = new[] { "win_rate", "days_to_close" },
            filters = new object[] { new { field = "closed_at", op = "between", value = new[] { "2026-02-01", "2026-02-28" } } },
        })).GetProperty("total");
        Assert.Equal(2, total.GetProperty("count").GetInt64());
        Assert.Equal(1.0, total.GetProperty("win_rate").GetDouble());
        Assert.Equal(0, total.GetProperty("lost").GetInt64());
    }

    [Fact]
    public async Task Two_keys_months_quarters_and_a_custom_field_group_as_computed_by_hand()
    {
        await using var server = await SeededAsync();
        var months = await ReportAsync(server, new { group_by = new[] { "created_month" }, metrics = new[] { "count" } });
        Assert.Equal(["2026-01", "2026-02", "2026-03"], Keys(months));
        Assert.Equal([3L, 2, 2], months.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("count").GetInt64()));
        Assert.False(months.GetProperty("rows")[0].TryGetProperty("amounts", out _));

        var closed = await ReportAsync(server, new { group_by = new[] { "closed_month" }, metrics = new[] { "sum" } });
        Assert.Equal(["2026-02", "2026-03", null], Keys(closed));
        Assert.Equal("1000.00", Amounts(Row(closed, "2026-02"), "EUR").GetProperty("sum").GetString());
        Assert.Equal("3000.00", Amounts(Row(closed, "2026-02"), "USD").GetProperty("sum").GetString());

        var pairs = await ReportAsync(server, new { group_by = new[] { "created_quarter", "stage_kind" } });
        Assert.Equal(4, Row(pairs, "2026-Q1", "open").GetProperty("count").GetInt64());
        Assert.Equal(2, Row(pairs, "2026-Q1", "won").GetProperty("count").GetInt64());
        Assert.Equal(1, Row(pairs, "2026-Q1", "lost").GetProperty("count").GetInt64());

        var sources = await ReportAsync(server, new { group_by = new[] { "lead_source" }, metrics = new[] { "sum" } });
        Assert.Equal(["Referral", "Web", null], Keys(sources));
        Assert.Equal("3500.50", Amounts(Row(sources, "Referral"), "USD").GetProperty("sum").GetString());
    }

    [Fact]
    public async Task A_stage_probability_set_with_update_stage_weighs_its_deals()
    {
        await using var server = await SeededAsync();
        var stage = (await server.CallOkAsync("update_stage", new { stage = "Proposal", probability = 50 })).GetProperty("data").GetProperty("stage");
        Assert.Equal(50, stage.GetProperty("probability").GetInt32());
        var report = await ReportAsync(server, new { group_by = new[] { "stage" }, metrics = new[] { "weighted" }, filters = new[] { new { field = "stage", op = "equals", value = "Proposal" } } });
        Assert.Equal("1250.25", Amounts(Row(report, "Proposal"), "USD").GetProperty("weighted").GetString());
        Assert.Equal("2000.00", Amounts(Row(report, "Proposal"), "EUR").GetProperty("weighted").GetString());

        var created = (await server.CallOkAsync("create_stage", new { name = "Verbal yes", position = 5, probability = 90 })).GetProperty("data");
        Assert.Equal(90, created.GetProperty("stage").GetProperty("probability").GetInt32());
        // Defaults follow the new stage count: five open stages now rise by 100/6 (Qualified 17); Proposal keeps its 50.
        var stages = created.GetProperty("pipeline").GetProperty("stages").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("probability").GetInt32());
        Assert.Equal(17, stages["Qualified"]);
        Assert.Equal(50, stages["Proposal"]);
        Assert.Equal(100, stages["Closed Won"]);
        Assert.Equal(0, stages["Closed Lost"]);
    }

    [Fact]
    public async Task Moving_a_deal_into_a_won_stage_stamps_closed_at_and_reopening_clears_it()
    {
        await using var server = await SeededAsync();
        await server.CallOkAsync("update_deal", new { deal = "DEAL-001", stage_name = "Closed Won" });
        var won = (await ReportAsync(server, new { metrics = new[] { "win_rate" }, filters = new[] { new { field = "closed_at", op = "is_not_null" } } })).GetProperty("total");
        Assert.Equal(3, won.GetProperty("won").GetInt64());
        await server.CallOkAsync("update_deal", new { deal = "DEAL-001", stage_name = "Discovery" });
        var open = (await ReportAsync(server, new { filters = new[] { new { field = "closed_at", op = "is_null" } } })).GetProperty("total");
        Assert.Equal(4, open.GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Filters_and_shortcuts_are_get_deals_and_limit_truncates()
    {
        await using var server = await SeededAsync();
        var big = (await ReportAsync(server, new { filters = new[] { new { field = "amount", op = "gte", value = 2500 } } })).GetProperty("total");
        Assert.Equal(3, big.GetProperty("count").GetInt64()); // A2, A3, A4
        Assert.Equal(0, (await ReportAsync(server, new { is_draft = true })).GetProperty("total").GetProperty("count").GetInt64());
        Assert.Equal(7, (await ReportAsync(server, new { pipeline = "Sales" })).GetProperty("total").GetProperty("count").GetInt64());
        var limited = await ReportAsync(server, new { group_by = new[] { "stage" }, limit = 2 });
        Assert.Equal(2, limited.GetProperty("rows").GetArrayLength());
        Assert.True(limited.GetProperty("truncated").GetBoolean());
        Assert.Equal(7, limited.GetProperty("total").GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Bad_input_names_the_field_and_the_accepted_form()
    {
        await using var server = await SeededAsync();
        var unknown = await server.CallErrorAsync("report_deals", new { group_by = new[] { "colour" } });
        Assert.Equal("group_by[0]", unknown.GetProperty("field").GetString());
        Assert.Contains("created_quarter", unknown.GetProperty("expected").GetString());
        Assert.Contains("lead_source", unknown.GetProperty("expected").GetString());

        var text = await server.CallErrorAsync("report_deals", new { group_by = new[] { "notes_text" } });
        Assert.Contains("only single_select and checkbox", text.GetProperty("message").GetString());
        Assert.Equal("group_by", (await server.CallErrorAsync("report_deals", new { group_by = new[] { "stage", "owner", "company" } })).GetProperty("field").GetString());
        Assert.Equal("group_by[1]", (await server.CallErrorAsync("report_deals", new { group_by = new[] { "stage", "Stage" } })).GetProperty("field").GetString());
        var metric = await server.CallErrorAsync("report_deals", new { metrics = new[] { "count", "median" } });
        Assert.Equal("metrics[1]", metric.GetProperty("field").GetString());
        Assert.Contains("weighted", metric.GetProperty("expected").GetString());
        Assert.Equal("filters[0].field", (await server.CallErrorAsync("report_deals", new { filters = new[] { new { field = "amout", op = "gt", value = 1 } } })).GetProperty("field").GetString());
        Assert.Equal("limit", (await server.CallErrorAsync("report_deals", new { limit = 0 })).GetProperty("field").GetString());
        Assert.Equal("pipeline", (await server.CallErrorAsync("report_deals", new { pipeline = "Nope" })).GetProperty("field").GetString());
        var probability = await server.CallErrorAsync("update_stage", new { stage = "Proposal", probability = 101 });
        Assert.Equal("probability", probability.GetProperty("field").GetString());
    }
}
