using System.ComponentModel;
using System.Globalization;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Deals;
using Crm.Mcp.Features.Pipelines;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Reports;

/// <summary>Pipeline analytics computed by the database, so "weighted pipeline by month" is one call instead of the
/// model paging through every deal and adding amounts itself.</summary>
[McpServerToolType]
public sealed class ReportTools(CrmDb db, FieldRegistry? fieldRegistry = null)
{
    public const int MaxKeys = 2;
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public static readonly string[] Metrics = ["count", "sum", "avg", "min", "max", "weighted", "win_rate", "days_to_close"];
    private static readonly string[] DefaultMetrics = ["count", "sum"];
    private static readonly string[] Periods = ["created", "expected_close", "closed"];

    private enum KeyKind { Stage, StageKind, Pipeline, Owner, Company, Period, Select, Checkbox }

    /// <param name="Sql">The key over the deals (aliases d, s).</param>
    /// <param name="RollupSql">The same key over deal_rollup_cells (alias d), or null when the rollup does not keep it.</param>
    /// <param name="Period">For month and quarter keys: which date (created, expected_close, closed).</param>
    /// <param name="Quarter">SQL groups by month and the months fold into quarters here, so the database only ever
    /// groups by a month (one rollup row per month; PostgreSQL's statistics know how many months there are).</param>
    private sealed record GroupKey(string Name, KeyKind Kind, string Sql, string? RollupSql, FieldDef? Field = null, string? Period = null, bool Quarter = false);

    [McpServerTool(Name = "report_deals", Title = "Report on deals", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("""
        Aggregate deals in one call instead of paging them: group by up to two keys; count, sum, avg, min, max and weighted
        amount (amount × stage probability) per currency, win rate and days to close (won deals). Filters as get_deals',
        e.g. closed_at between two dates.
        Example: {"group_by": ["stage"], "metrics": ["count", "sum", "weighted"], "filters": [{"field": "stage_kind", "op": "equals", "value": "open"}]}
        """)]
    public async Task<DealReportResponse> ReportDeals(
        [Description("0 to 2 of: stage, stage_kind, pipeline, owner, company, {created,expected_close,closed}_{month,quarter}, a single_select or checkbox custom field.")] string[]? group_by = null,
        [Description("Any of count, sum, avg, min, max, weighted, win_rate, days_to_close. Default [\"count\", \"sum\"].")] string[]? metrics = null,
        [Description("Name or UUID. Default: every pipeline.")] string? pipeline = null,
        [Description("true: drafts only; false: published only. Default: both.")] bool? is_draft = null,
        [Description(ListDocs.Filters)] Filter[]? filters = null,
        [Description(ListDocs.Search)] string? search = null,
        [Description("Most groups to return, 1 to 1000. Default 100.")] int? limit = null,
        CancellationToken cancellationToken = default)
    {
        var wanted = ReadMetrics(metrics);
        var take = Validate.Limit(limit, fallback: DefaultLimit, max: MaxLimit);
        var report = await db.ReadAsync(async (connection, transaction) =>
        {
            var schema = await (fieldRegistry ?? new FieldRegistry()).LoadAsync(DealFields.Entity, connection, transaction);
            var keys = ReadKeys(group_by, schema);
            var shortcuts = new List<Filter>();
            if (pipeline is not null)
                shortcuts.Add(Filter.Rule("pipeline_id", FilterOps.EqualsOp, (await PipelineSql.ResolvePipelineAsync(connection, transaction, pipeline)).Id));
            if (is_draft is { } draft) shortcuts.Add(Filter.Rule("is_draft", FilterOps.EqualsOp, draft));
            var plan = ListEngine.Build(schema, new ListRequest(filters, search, null, null, null), shortcuts);
            foreach (var parameters in keys.Select(k => k.Field?.Parameters).OfType<IReadOnlyDictionary<string, object?>>())
                foreach (var (name, value) in parameters) plan.Parameters.Add(name, value);

            var stages = await ReportSql.StagesAsync(connection, transaction);
            var withDays = wanted.Contains("days_to_close");
            var rollup = RollupPeriod(keys, wanted, plan, connection);
            var cells = rollup is null
                ? await ReportSql.CellsAsync(connection, transaction, schema, plan, keys.Select(k => k.Sql).ToList(), withDays)
                : await ReportSql.RollupCellsAsync(connection, transaction, plan, rollup, keys.Select(k => k.RollupSql!).ToList(), withDays);
            return await BuildAsync(connection, transaction, keys, wanted, stages, cells, take);
        }, cancellationToken);
        return new DealReportResponse(report, true);
    }

    /// <summary>The period whose deal_rollup rows (SQLite, migration 0122) answer this report exactly, or null when the
    /// report must read the deals: a key the rollup does not keep, two different periods, min/max, or a filter on any
    /// column the rollup does not partition by. Every rollup row holds deals equal in all the columns such a filter
    /// reads, so a filter keeps or drops whole rows and the sums are the deals'.</summary>
    private static string? RollupPeriod(IReadOnlyList<GroupKey> keys, IReadOnlyList<string> metrics, ListEngine.Plan plan, System.Data.Common.DbConnection connection)
    {
        if (SqlDialect.Of(connection).IsPostgres) return null;
        if (keys.Any(k => k.RollupSql is null) || metrics.Any(m => m is "min" or "max")) return null;
        var periods = keys.Select(k => k.Period).OfType<string>().Distinct().ToList();
        if (periods.Count > 1 || !ReportSql.RollupCanFilter(plan.Where)) return null;
        return periods.SingleOrDefault() ?? "created";
    }

    private static List<string> ReadMetrics(string[]? metrics)
    {
        if (metrics is null || metrics.Length == 0) return [.. DefaultMetrics];
        var result = new List<string> { "count" };
        for (var i = 0; i < metrics.Length; i++)
        {
            var metric = metrics[i]?.Trim().ToLowerInvariant() ?? "";
            if (!Metrics.Contains(metric))
                throw CrmError.Invalid($"metrics[{i}]", $"'{Validate.Shorten(metrics[i] ?? "")}' is not a metric.", $"any of: {string.Join(", ", Metrics)}");
            if (!result.Contains(metric)) result.Add(metric);
        }
        return result;
    }

    private static List<GroupKey> ReadKeys(string[]? groupBy, EntitySchema schema)
    {
        if (groupBy is null || groupBy.Length == 0) return [];
        var custom = schema.Fields.Where(f => f.Custom && f.Type is FieldType.SingleSelect or FieldType.Checkbox).ToList();
        var known = BuiltInKeys.Select(k => k.Name).Concat(custom.Select(f => f.Name)).ToList();
        var form = $"up to {MaxKeys} of: {string.Join(", ", known)}";
        if (groupBy.Length > MaxKeys)
            throw CrmError.Invalid("group_by", $"has {groupBy.Length} keys; the limit is {MaxKeys}.", form);
        var keys = new List<GroupKey>();
        for (var i = 0; i < groupBy.Length; i++)
        {
            var name = groupBy[i]?.Trim().ToLowerInvariant() ?? "";
            var key = BuiltInKeys.FirstOrDefault(k => k.Name == name);
            if (key is null && custom.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)) is { } field)
                key = new GroupKey(field.Name, field.Type == FieldType.Checkbox ? KeyKind.Checkbox : KeyKind.Select, field.Sql, null, field);
            if (key is null)
            {
                var why = schema.Find(name) is { } other
                    ? $"{other.Name} is a {other.Type.Name()} field; only single_select and checkbox custom fields group."
                    : $"'{Validate.Shorten(groupBy[i] ?? "")}' is not a group key.";
                throw CrmError.Invalid($"group_by[{i}]", why, form);
            }
            if (keys.Any(k => k.Name == key.Name))
                throw CrmError.Invalid($"group_by[{i}]", $"{key.Name} is already a key.", "each key at most once");
            keys.Add(key);
        }
        return keys;
    }

    private static readonly IReadOnlyList<GroupKey> BuiltInKeys =
    [
        new("stage", KeyKind.Stage, "d.stage_id", "d.stage_id"),
        new("stage_kind", KeyKind.StageKind, "s.kind", "s.kind"),
        new("pipeline", KeyKind.Pipeline, "d.pipeline_id", "d.pipeline_id"),
        new("owner", KeyKind.Owner, "d.owner_id", "d.owner_id"),
        new("company", KeyKind.Company, "d.company_id", null),
        .. Periods.SelectMany(p => new GroupKey[]
        {
            new($"{p}_month", KeyKind.Period, Month(PeriodColumn(p)), "d.month", Period: p),
            new($"{p}_quarter", KeyKind.Period, Month(PeriodColumn(p)), "d.month", Period: p, Quarter: true),
        }),
    ];

    private static string PeriodColumn(string period) => period switch
    {
        "created" => "d.created_at",
        "expected_close" => "d.expected_close_date",
        _ => "d.closed_at",
    };

    // ISO text dates sort and slice alike on both dialects: 2026-03-15T... is month 2026-03, quarter 2026-Q1.
    private static string Month(string column) => $"substr({column}, 1, 7)";

    private static string? QuarterOf(string? month) =>
        month is { Length: 7 } && int.TryParse(month.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            ? $"{month[..4]}-Q{(m + 2) / 3}" : month;

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private sealed class Group(string?[] key)
    {
        public string?[] Key { get; } = key;
        public List<ReportSql.Cell> Cells { get; } = [];
    }

    private static async Task<DealReport> BuildAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction,
        IReadOnlyList<GroupKey> keys, IReadOnlyList<string> metrics, IReadOnlyList<ReportSql.StageRow> stages,
        IReadOnlyList<ReportSql.Cell> cells, int take)
    {
        var stageById = stages.ToDictionary(s => s.Id);
        var probability = stages.GroupBy(s => s.PipelineId)
            .SelectMany(p => StageProbability.Of(p.Select(s => new PipelineSql.StageRow { Id = s.Id, PipelineId = s.PipelineId, Position = s.Position, Kind = s.Kind, Probability = s.Probability })))
            .ToDictionary(x => x.Key, x => x.Value);

        var groups = new Dictionary<string, Group>(StringComparer.Ordinal);
        foreach (var cell in cells)
        {
            var key = new[] { Text(cell.G0), Text(cell.G1) }.Take(keys.Count).Select((k, i) => keys[i].Quarter ? QuarterOf(k) : k).ToArray();
            var id = string.Join("\u001f", key.Select(k => k ?? "\u0000"));
            if (!groups.TryGetValue(id, out var group)) groups[id] = group = new Group(key);
            group.Cells.Add(cell);
        }

        // Order: stages and pipelines as in get_pipelines, periods in time, other keys by deal count; none last.
        var stageRank = stages.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var pipelineRank = stages.Select(s => s.PipelineId).Distinct().Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        var counts = keys.Select((_, i) => groups.Values.GroupBy(g => g.Key[i] ?? "\u0000")
            .ToDictionary(g => g.Key, g => g.Sum(x => x.Cells.Sum(c => c.Deals)))).ToList();
        IComparable Rank(int i, string? value) => value is null ? (2, 0L, "") : keys[i].Kind switch
        {
            KeyKind.Stage => (0, (long)stageRank.GetValueOrDefault(value, int.MaxValue), ""),
            KeyKind.Pipeline => (0, (long)pipelineRank.GetValueOrDefault(value, int.MaxValue), ""),
            KeyKind.StageKind => (0, (long)Array.IndexOf(PipelineSql.Kinds, value), ""),
            KeyKind.Checkbox => (0, value == "1" ? 0L : 1L, ""),
            KeyKind.Period => (0, 0L, value),
            _ => (0, -counts[i][value], value),
        };
        var ordered = groups.Values
            .OrderBy(g => keys.Count > 0 ? Rank(0, g.Key[0]) : (0, 0L, ""))
            .ThenBy(g => keys.Count > 1 ? Rank(1, g.Key[1]) : (0, 0L, ""))
            .ToList();
        var shown = ordered.Take(take).ToList();

        var labels = new List<Dictionary<string, string>>();
        for (var i = 0; i < keys.Count; i++)
        {
            var ids = shown.Select(g => g.Key[i]).OfType<string>().Distinct().ToList();
            labels.Add(keys[i].Kind switch
            {
                KeyKind.Owner => await ReportSql.OwnerNamesAsync(connection, transaction, ids),
                KeyKind.Company => await ReportSql.CompanyNamesAsync(connection, transaction, ids),
                KeyKind.Stage => ids.ToDictionary(id => id, id => StageLabel(stages, id)),
                KeyKind.Pipeline => ids.ToDictionary(id => id, id => stages.FirstOrDefault(s => s.PipelineId == id)?.PipelineName ?? id),
                KeyKind.Checkbox => ids.ToDictionary(id => id, id => id == "1" ? "true" : "false"),
                _ => ids.ToDictionary(id => id, id => id),
            });
        }

        ReportRow Row(IEnumerable<string?> key, IEnumerable<ReportSql.Cell> groupCells) =>
            Summarize(key, groupCells.ToList(), metrics, stageById, probability);
        var rows = shown.Select(g => Row(g.Key.Select((k, i) => k is null ? null : labels[i].GetValueOrDefault(k, k)), g.Cells)).ToList();
        return new DealReport(keys.Select(k => k.Name).ToList(), metrics, rows, Row([], cells), groups.Count, groups.Count > take);
    }

    private static string StageLabel(IReadOnlyList<ReportSql.StageRow> stages, string id)
    {
        var stage = stages.FirstOrDefault(s => s.Id == id);
        if (stage is null) return id;
        // Stage names repeat across pipelines ("Proposal" in Sales and in Renewals): then the pipeline says which.
        return stages.Select(s => s.PipelineId).Distinct().Count() > 1 ? $"{stage.PipelineName}: {stage.Name}" : stage.Name;
    }

    private static ReportRow Summarize(IEnumerable<string?> key, List<ReportSql.Cell> cells, IReadOnlyList<string> metrics,
        Dictionary<string, ReportSql.StageRow> stages, Dictionary<string, int> probability)
    {
        string KindOf(ReportSql.Cell c) => stages.TryGetValue(c.StageId, out var s) ? s.Kind : "open";
        var won = cells.Where(c => KindOf(c) == "won").ToList();
        var wonCount = won.Sum(c => c.Deals);
        var lostCount = cells.Where(c => KindOf(c) == "lost").Sum(c => c.Deals);
        var closedWon = won.Sum(c => c.Closed);
        var winRate = metrics.Contains("win_rate");
        var amounts = metrics.Any(m => m is "sum" or "avg" or "min" or "max" or "weighted");
        return new ReportRow
        {
            Key = new System.Text.Json.Nodes.JsonArray(key.Select(k => (System.Text.Json.Nodes.JsonNode?)k).ToArray()),
            Count = cells.Sum(c => c.Deals),
            Won = winRate ? wonCount : null,
            Lost = winRate ? lostCount : null,
            WinRate = winRate && wonCount + lostCount > 0 ? Math.Round((double)wonCount / (wonCount + lostCount), 4) : null,
            DaysToClose = metrics.Contains("days_to_close") && closedWon > 0 ? Math.Round(won.Sum(c => c.Days ?? 0) / closedWon, 1) : null,
            Amounts = !amounts ? null : cells.GroupBy(c => c.Currency, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
            {
                var currency = Currency.FromStored(g.Key);
                decimal Minor(ReportSql.Cell c) => (c.High ?? 0) * 1_000_000_000m + (c.Low ?? 0);
                var count = g.Sum(c => c.Amounts);
                var sum = g.Sum(Minor);
                var withAmount = g.Where(c => c.Amounts > 0).ToList();
                return new CurrencyAmounts
                {
                    Currency = g.Key,
                    Count = count,
                    Sum = metrics.Contains("sum") ? Money.MajorText(sum, currency) : null,
                    Avg = metrics.Contains("avg") && count > 0 ? Money.MajorText(sum / count, currency) : null,
                    Min = metrics.Contains("min") && withAmount.Count > 0 ? Money.MajorText(withAmount.Min(c => c.MinAmount ?? 0), currency) : null,
                    Max = metrics.Contains("max") && withAmount.Count > 0 ? Money.MajorText(withAmount.Max(c => c.MaxAmount ?? 0), currency) : null,
                    Weighted = metrics.Contains("weighted")
                        ? Money.MajorText(g.Sum(c => Minor(c) * probability.GetValueOrDefault(c.StageId)) / 100m, currency)
                        : null,
                };
            }).ToList(),
        };
    }
}
