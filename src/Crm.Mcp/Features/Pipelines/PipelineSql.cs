using System.Data.Common;
using System.Globalization;
using Crm.Mcp.Common;
using Crm.Mcp.Resolution;
using Dapper;

namespace Crm.Mcp.Features.Pipelines;

/// <summary>Pipelines, stages and the per-stage deal statistics, each statement beside its Dapper call.</summary>
public static class PipelineSql
{
    public static readonly string[] Kinds = ["open", "won", "lost"];

    // Classes, not positional records: SQLite hands back INTEGER for booleans and Dapper maps by property.
    public sealed class PipelineRow
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public bool IsDefault { get; init; }
    }

    // Name, kind and position change in place while update_stage and delete_stage arrange the stages.
    public sealed class StageRow
    {
        public string Id { get; init; } = "";
        public string PipelineId { get; init; } = "";
        public string Name { get; set; } = "";
        public string NameKey { get; set; } = "";
        public long Position { get; set; }
        public string Kind { get; set; } = "open";
        /// <summary>Percent set on the stage; null for the default (see <see cref="StageProbability"/>).</summary>
        public long? Probability { get; set; }
    }

    internal sealed class StatRow
    {
        public string StageId { get; init; } = "";
        public string Currency { get; init; } = "";
        public long DealCount { get; init; }
        public long? High { get; init; }
        public long? Low { get; init; }
    }

    /// <summary>A pipeline by name or UUID; the default pipeline when none is named.</summary>
    public static async Task<PipelineRow> ResolvePipelineAsync(DbConnection connection, DbTransaction transaction, string? pipeline, string field = "pipeline")
    {
        const string select = "SELECT id, name, is_default AS IsDefault FROM pipelines";
        var text = Validate.Text(field, pipeline, 100, "\"Sales\"");
        if (text is null)
            return await connection.QuerySingleAsync<PipelineRow>(select + " WHERE is_default = 1", transaction: transaction);
        var row = Guid.TryParse(text, out var guid)
            ? await connection.QuerySingleOrDefaultAsync<PipelineRow>(select + " WHERE id = @id", new { id = guid.ToString() }, transaction)
            : await connection.QuerySingleOrDefaultAsync<PipelineRow>(select + " WHERE name_key = @key", new { key = NameKeys.Pipeline(text) }, transaction);
        if (row is not null) return row;
        var names = await connection.QueryAsync<string>("SELECT name FROM pipelines ORDER BY is_default DESC, name", transaction: transaction);
        throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no pipeline has name or id '{Validate.Shorten(text)}'.",
            $"one of: {string.Join(", ", names)}, or a pipeline UUID; leave it out for the default pipeline");
    }

    public static async Task<List<StageRow>> StagesAsync(DbConnection connection, DbTransaction transaction, string pipelineId)
    {
        const string sql = """
            SELECT id, pipeline_id AS PipelineId, name, name_key AS NameKey, position, kind, probability
            FROM stages WHERE pipeline_id = @pipelineId ORDER BY position, created_at, id
            """;
        return (await connection.QueryAsync<StageRow>(sql, new { pipelineId }, transaction)).ToList();
    }

    /// <summary>A stage by name (in the pipeline) or UUID, with its row.</summary>
    public static async Task<StageRow> FindStageAsync(DbConnection connection, DbTransaction transaction, string reference, string field, string pipelineId)
    {
        var text = Validate.Text(field, reference, 100, "\"Proposal\"")!;
        var id = await Lookup.StageIdAsync(connection, transaction, text, field, pipelineId);
        const string sql = """
            SELECT id, pipeline_id AS PipelineId, name, name_key AS NameKey, position, kind, probability FROM stages WHERE id = @id
            """;
        return await connection.QuerySingleAsync<StageRow>(sql, new { id }, transaction);
    }

    public static Task InsertStageAsync(DbConnection connection, DbTransaction transaction, StageRow stage, string now)
    {
        const string sql = """
            INSERT INTO stages (id, pipeline_id, name, name_key, position, kind, probability, created_at, updated_at)
            VALUES (@Id, @PipelineId, @Name, @NameKey, @Position, @Kind, @Probability, @now, @now)
            """;
        return connection.ExecuteAsync(sql, new { stage.Id, stage.PipelineId, stage.Name, stage.NameKey, stage.Position, stage.Kind, stage.Probability, now }, transaction);
    }

    public static Task UpdateStageAsync(DbConnection connection, DbTransaction transaction, StageRow stage, string now)
    {
        const string sql = """
            UPDATE stages SET name = @Name, name_key = @NameKey, position = @Position, kind = @Kind, probability = @Probability, updated_at = @now
            WHERE id = @Id
            """;
        return connection.ExecuteAsync(sql, new { stage.Id, stage.Name, stage.NameKey, stage.Position, stage.Kind, stage.Probability, now }, transaction);
    }

    /// <summary>Writes position 1..n in list order for the stages whose position changed.</summary>
    public static async Task RenumberAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<StageRow> ordered, string now)
    {
        const string sql = "UPDATE stages SET position = @Position, updated_at = @now WHERE id = @Id";
        for (var i = 0; i < ordered.Count; i++)
        {
            if (ordered[i].Position == i + 1) continue;
            ordered[i].Position = i + 1;
            await connection.ExecuteAsync(sql, new { ordered[i].Id, ordered[i].Position, now }, transaction);
        }
    }

    /// <summary>Moves every deal of one stage to another, after the deals already there, keeping their order.</summary>
    public static Task<int> MoveDealsAsync(DbConnection connection, DbTransaction transaction, string fromStageId, string toStageId, string now)
    {
        const string sql = """
            UPDATE deals
            SET order_in_stage = order_in_stage + COALESCE((SELECT MAX(order_in_stage) + 1 FROM deals WHERE stage_id = @toStageId), 0),
                stage_id = @toStageId, updated_at = @now
            WHERE stage_id = @fromStageId
            """;
        return connection.ExecuteAsync(sql, new { fromStageId, toStageId, now }, transaction);
    }

    /// <summary>Moves every deal of one stage into a stage of another pipeline, after the deals already there.</summary>
    public static Task<int> MoveDealsAcrossAsync(DbConnection connection, DbTransaction transaction, string fromStageId, string toStageId, string toPipelineId, string now)
    {
        const string sql = """
            UPDATE deals
            SET order_in_stage = order_in_stage + COALESCE((SELECT MAX(order_in_stage) + 1 FROM deals WHERE stage_id = @toStageId), 0),
                stage_id = @toStageId, pipeline_id = @toPipelineId, updated_at = @now
            WHERE stage_id = @fromStageId
            """;
        return connection.ExecuteAsync(sql, new { fromStageId, toStageId, toPipelineId, now }, transaction);
    }

    public static Task InsertPipelineAsync(DbConnection connection, DbTransaction transaction, string id, string name, string nameKey, string now)
    {
        const string sql = """
            INSERT INTO pipelines (id, name, name_key, is_default, created_at, updated_at) VALUES (@id, @name, @nameKey, 0, @now, @now)
            """;
        return connection.ExecuteAsync(sql, new { id, name, nameKey, now }, transaction);
    }

    public static Task RenamePipelineAsync(DbConnection connection, DbTransaction transaction, string id, string name, string nameKey, string now)
    {
        const string sql = "UPDATE pipelines SET name = @name, name_key = @nameKey, updated_at = @now WHERE id = @id";
        return connection.ExecuteAsync(sql, new { id, name, nameKey, now }, transaction);
    }

    public static Task<string?> PipelineIdByKeyAsync(DbConnection connection, DbTransaction transaction, string nameKey)
    {
        const string sql = "SELECT id FROM pipelines WHERE name_key = @nameKey";
        return connection.QuerySingleOrDefaultAsync<string>(sql, new { nameKey }, transaction);
    }

    /// <summary>Deletes a pipeline with its stages; its deals must have been moved out first.</summary>
    public static async Task DeletePipelineAsync(DbConnection connection, DbTransaction transaction, string id)
    {
        const string stagesSql = "DELETE FROM stages WHERE pipeline_id = @id";
        await connection.ExecuteAsync(stagesSql, new { id }, transaction);
        const string sql = "DELETE FROM pipelines WHERE id = @id";
        await connection.ExecuteAsync(sql, new { id }, transaction);
    }

    public static Task DeleteStageAsync(DbConnection connection, DbTransaction transaction, string stageId)
    {
        const string sql = "DELETE FROM stages WHERE id = @stageId";
        return connection.ExecuteAsync(sql, new { stageId }, transaction);
    }

    public static async Task<long> DealCountAsync(DbConnection connection, DbTransaction transaction, string stageId)
    {
        const string sql = "SELECT COUNT(*) FROM deals WHERE stage_id = @stageId";
        return await connection.ExecuteScalarAsync<long>(sql, new { stageId }, transaction);
    }

    /// <summary>Pipelines with their stages in order and deal counts and amounts per stage and currency.</summary>
    public static async Task<IReadOnlyList<PipelineView>> ViewsAsync(
        DbConnection connection, DbTransaction transaction, string? onlyPipelineId, bool includeDrafts)
    {
        const string pipelinesSql = """
            SELECT id, name, is_default AS IsDefault FROM pipelines
            WHERE @onlyPipelineId IS NULL OR id = @onlyPipelineId
            ORDER BY is_default DESC, name, id
            """;
        var pipelines = (await connection.QueryAsync<PipelineRow>(pipelinesSql, new { onlyPipelineId }, transaction)).ToList();

        // Amounts are summed in two parts (above and below 10^9) so a sum of large amounts cannot overflow SQLite's
        // 64-bit integer; the parts are put together exactly in decimal.
        const string statsSql = """
            SELECT stage_id AS StageId, currency, COUNT(*) AS DealCount,
                   SUM(amount_minor / 1000000000) AS High, SUM(amount_minor % 1000000000) AS Low
            FROM deals
            WHERE (@onlyPipelineId IS NULL OR pipeline_id = @onlyPipelineId) AND (@includeDrafts = 1 OR is_draft = 0)
            GROUP BY stage_id, currency
            ORDER BY currency
            """;
        var stats = (await connection.QueryAsync<StatRow>(statsSql, new { onlyPipelineId, includeDrafts = includeDrafts ? 1 : 0 }, transaction))
            .ToLookup(s => s.StageId);

        var views = new List<PipelineView>();
        foreach (var pipeline in pipelines)
        {
            var rows = await StagesAsync(connection, transaction, pipeline.Id);
            var probabilities = StageProbability.Of(rows);
            var stages = rows.Select(s => new StageView
            {
                Id = s.Id,
                Name = s.Name,
                Position = s.Position,
                Kind = s.Kind,
                Probability = probabilities[s.Id],
                DealCount = stats[s.Id].Sum(x => x.DealCount),
                Totals = Totals(stats[s.Id]),
            }).ToList();
            var all = stages.SelectMany(s => stats[s.Id]).ToList();
            views.Add(new PipelineView
            {
                Id = pipeline.Id,
                Name = pipeline.Name,
                IsDefault = pipeline.IsDefault,
                Stages = stages,
                DealCount = all.Sum(x => x.DealCount),
                Totals = Totals(all),
            });
        }
        return views;
    }

    private static List<CurrencyTotal> Totals(IEnumerable<StatRow> rows) =>
        rows.GroupBy(r => r.Currency, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var minor = g.Sum(r => (r.High ?? 0) * 1_000_000_000m + (r.Low ?? 0));
            return new CurrencyTotal(g.Key, minor.ToString(CultureInfo.InvariantCulture),
                Money.Display(minor, Currency.FromStored(g.Key)), g.Sum(r => r.DealCount));
        }).ToList();
}
