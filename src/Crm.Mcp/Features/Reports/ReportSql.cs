using System.Data.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Lists;
using Dapper;

namespace Crm.Mcp.Features.Reports;

/// <summary>The one aggregate query behind report_deals, over the same FROM and WHERE get_deals builds (Lists/).</summary>
public static partial class ReportSql
{
    /// <summary>One (group, stage, currency) cell. Grouping by stage as well lets the caller weigh by the stage's
    /// probability and count won and lost deals without a second pass over the deals.</summary>
    public sealed class Cell
    {
        public object? G0 { get; init; }
        public object? G1 { get; init; }
        public string StageId { get; init; } = "";
        public string Currency { get; init; } = "";
        public long Deals { get; init; }
        public long Amounts { get; init; }
        // Amounts are summed in two parts (above and below 10^9), as in PipelineSql, so a sum cannot overflow 64 bits.
        public decimal? High { get; init; }
        public decimal? Low { get; init; }
        public long? MinAmount { get; init; }
        public long? MaxAmount { get; init; }
        public long Closed { get; init; }
        public double? Days { get; init; }
    }

    /// <summary>A cell row by position: the group keys g0, g1, ... first, then the columns both cell queries select.</summary>
    private static Func<DbDataReader, Cell> CellReader(int keys) => r => new Cell
    {
        G0 = keys > 0 ? SqlArgs.Value(r, 0) : null,
        G1 = keys > 1 ? SqlArgs.Value(r, 1) : null,
        StageId = SqlArgs.Text(r, keys)!,
        Currency = SqlArgs.Text(r, keys + 1)!,
        Deals = SqlArgs.Long(r, keys + 2) ?? 0,
        Amounts = SqlArgs.Long(r, keys + 3) ?? 0,
        High = SqlArgs.Decimal(r, keys + 4),
        Low = SqlArgs.Decimal(r, keys + 5),
        MinAmount = SqlArgs.Long(r, keys + 6),
        MaxAmount = SqlArgs.Long(r, keys + 7),
        Closed = SqlArgs.Long(r, keys + 8) ?? 0,
        Days = SqlArgs.Double(r, keys + 9),
    };

    public sealed class StageRow
    {
        public string Id { get; init; } = "";
        public string PipelineId { get; init; } = "";
        public string PipelineName { get; init; } = "";
        public bool IsDefault { get; init; }
        public string Name { get; init; } = "";
        public long Position { get; init; }
        public string Kind { get; init; } = "";
        public long? Probability { get; init; }
    }

    public static async Task<IReadOnlyList<StageRow>> StagesAsync(DbConnection connection, DbTransaction transaction)
    {
        const string sql = """
            SELECT s.id, s.pipeline_id AS PipelineId, p.name AS PipelineName, p.is_default AS IsDefault, s.name, s.position,
                   s.kind, s.probability
            FROM stages s JOIN pipelines p ON p.id = s.pipeline_id
            ORDER BY p.is_default DESC, p.name, p.id, s.position, s.id
            """;
        return (await connection.QueryAsync<StageRow>(sql, transaction: transaction)).ToList();
    }

    /// <param name="keySql">Group key expressions over the deals schema's FROM (aliases d, s, c).</param>
    /// <param name="withDays">Also sum the days from created to closed (only what win_rate/days_to_close need).</param>
    public static async Task<IReadOnlyList<Cell>> CellsAsync(DbConnection connection, DbTransaction transaction, EntitySchema schema,
        ListEngine.Plan plan, IReadOnlyList<string> keySql, bool withDays)
    {
        var days = !withDays ? "NULL"
            : SqlDialect.Of(connection).IsPostgres
                ? "SUM(CAST(EXTRACT(EPOCH FROM (d.closed_at::timestamptz - d.created_at::timestamptz)) AS double precision)) / 86400.0"
                : "SUM(julianday(d.closed_at) - julianday(d.created_at))";
        var keys = string.Concat(keySql.Select((k, i) => $"{k} AS g{i}, "));
        var select = $"""
            SELECT {keys}d.stage_id AS StageId, d.currency AS Currency, COUNT(*) AS Deals, COUNT(d.amount_minor) AS Amounts,
                   SUM(d.amount_minor / 1000000000) AS High, SUM(d.amount_minor % 1000000000) AS Low,
                   MIN(d.amount_minor) AS MinAmount, MAX(d.amount_minor) AS MaxAmount, COUNT(d.closed_at) AS Closed, {days} AS Days
            """;
        // Currency before stage: the order of ix_deals_report (migration 0120), so no sort is needed without other keys.
        var groupBy = string.Concat(keySql.Select((_, i) => $"g{i}, ")) + "d.currency, d.stage_id";
        var sql = $"{select} FROM {ListEngine.FromFor(schema.From, select + plan.Where)}{plan.Where} GROUP BY {groupBy}";
        return await plan.Parameters.QueryAsync(connection, transaction, sql, CellReader(keySql.Count));
    }

    /// <summary>The cells from deal_rollup (SQLite, migration 0122) instead of the deals: the same columns, summed
    /// over the rollup rows of one period, with get_deals' WHERE unchanged (RollupCanFilter allowed it).</summary>
    public static async Task<IReadOnlyList<Cell>> RollupCellsAsync(DbConnection connection, DbTransaction transaction,
        ListEngine.Plan plan, string period, IReadOnlyList<string> keySql, bool withDays)
    {
        var keys = string.Concat(keySql.Select((k, i) => $"{k} AS g{i}, "));
        var days = withDays ? "SUM(d.days_ms) / 86400000.0" : "NULL";
        var where = plan.Where.Length == 0 ? " WHERE d.period = @rollup_period" : $" WHERE d.period = @rollup_period AND ({plan.Where[" WHERE ".Length..]})";
        var groupBy = string.Concat(keySql.Select((_, i) => $"g{i}, ")) + "d.currency, d.stage_id";
        var sql = $"""
            SELECT {keys}d.stage_id AS StageId, d.currency AS Currency, SUM(d.deals) AS Deals, SUM(d.amounts) AS Amounts,
                   SUM(d.high) AS High, SUM(d.low) AS Low, NULL AS MinAmount, NULL AS MaxAmount, SUM(d.closed) AS Closed, {days} AS Days
            FROM deal_rollup_cells d LEFT JOIN stages s ON s.id = d.stage_id{where}
            GROUP BY {groupBy} HAVING SUM(d.deals) > 0
            """;
        plan.Parameters.Add("rollup_period", period);
        return await plan.Parameters.QueryAsync(connection, transaction, sql, CellReader(keySql.Count));
    }

    /// <summary>True when a get_deals WHERE reads only what deal_rollup partitions by: these deal columns, whether
    /// closed_at is null, any stage column, and no other table's rows by deal.</summary>
    public static bool RollupCanFilter(string where) =>
        !where.Contains("deals", StringComparison.OrdinalIgnoreCase) &&
        QualifiedColumn().Matches(where).All(m => m.Groups["alias"].Value == "s" ||
            (m.Groups["alias"].Value == "d" && (RollupColumns.Contains(m.Groups["column"].Value) ||
                (m.Groups["column"].Value == "closed_at" && m.Groups["isNull"].Success))));

    private static readonly string[] RollupColumns = ["currency", "stage_id", "pipeline_id", "is_draft", "owner_id"];

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![\w.$""'])(?<alias>\w+)\.""?(?<column>\w+)""?(?<isNull>\s+IS\s+NULL\b)?")]
    private static partial System.Text.RegularExpressions.Regex QualifiedColumn();

    public sealed record Label(string Id, string Name);

    public static async Task<Dictionary<string, string>> OwnerNamesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0) return [];
        const string sql = """
            SELECT id, COALESCE(NULLIF(TRIM(first_name || ' ' || last_name), ''), email, id) AS Name FROM users WHERE id IN (SELECT value FROM json_each(@ids))
            """;
        return (await connection.QueryAsync<Label>(sql, new { ids = SqlList.Json(ids) }, transaction)).ToDictionary(l => l.Id, l => l.Name);
    }

    public static async Task<Dictionary<string, string>> CompanyNamesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0) return [];
        const string sql = "SELECT id, name FROM companies WHERE id IN (SELECT value FROM json_each(@ids))";
        return (await connection.QueryAsync<Label>(sql, new { ids = SqlList.Json(ids) }, transaction)).ToDictionary(l => l.Id, l => l.Name);
    }
}
