using System.ComponentModel;
using System.Data.Common;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Crm.Mcp.Resolution;
using Dapper;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Pipelines;

/// <summary>
/// Pipelines and their stages. Stage order is kept as positions 1..n with open stages before won and lost ones,
/// and a pipeline always keeps at least one open stage (new deals start in the first one).
/// </summary>
[McpServerToolType]
public sealed class PipelineTools(CrmDb db)
{
    private const string KindForm = "open, won or lost";

    [Toolset("context")]
    [McpMeta("ui", JsonValue = """{"resourceUri": "ui://crm/pipeline-board"}""")] // hosts with MCP Apps may show the board
    [McpServerTool(Name = "get_pipelines", Title = "List pipelines and stages", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("""
        List pipelines with their stages in order, each with its deal count and amount per currency. Example: {"pipeline": "Sales", "include_drafts": false}
        """)]
    public async Task<PipelineListResponse> GetPipelines(
        [Description("Pipeline name or UUID. Default: all.")] string? pipeline = null,
        [Description("Count draft deals too. Default true.")] bool? include_drafts = null,
        CancellationToken cancellationToken = default)
    {
        var views = await db.ReadAsync(async (connection, transaction) =>
        {
            var only = pipeline is null ? null : (await PipelineSql.ResolvePipelineAsync(connection, transaction, pipeline)).Id;
            return await PipelineSql.ViewsAsync(connection, transaction, only, include_drafts ?? true);
        }, cancellationToken);
        return new PipelineListResponse(new PipelineList(views, views.Count), true);
    }

    [McpServerTool(Name = "create_stage", Title = "Create stage", ReadOnly = false, Destructive = false,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Creates]
    [Description("""
        Add a stage to a pipeline. Without a position an open stage goes after the last open one, a won/lost stage last.
        Example: {"name": "Legal review", "position": 4}
        """)]
    public async Task<StageChangeResponse> CreateStage(
        [Description("E.g. \"Legal review\".")] string name,
        [Description("Name or UUID. Default: the default pipeline.")] string? pipeline = null,
        [Description("open (default), won or lost.")] string? kind = null,
        [Description("1-based; later stages move down. Open stages come before won/lost ones.")] int? position = null,
        [Description("Win probability, 0 to 100. Default: by kind and position.")] int? probability = null,
        CancellationToken cancellationToken = default)
    {
        var (stageName, key) = StageName("name", name) ?? throw CrmError.Invalid("name", "is required.", "a stage name such as \"Legal review\"");
        var stageKind = Kind(kind) ?? "open";
        var stageProbability = StageProbability.Read(probability);
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var pipelineRow = await PipelineSql.ResolvePipelineAsync(connection, transaction, pipeline);
            var stages = await PipelineSql.StagesAsync(connection, transaction, pipelineRow.Id);
            EnsureNameFree(stages, key, stageName, pipelineRow.Name, exceptId: null);
            var stage = new PipelineSql.StageRow { Id = Ids.New(), PipelineId = pipelineRow.Id, Name = stageName, NameKey = key, Kind = stageKind, Probability = stageProbability };
            var ordered = Arrange(stages, stage, position, currentIndex: null);
            var now = Clock.NowIso();
            await PipelineSql.InsertStageAsync(connection, transaction, stage, now);
            await PipelineSql.RenumberAsync(connection, transaction, ordered, now);
            return await ChangeAsync(connection, transaction, stage.Id, pipelineRow.Id);
        }, cancellationToken);
    }

    [McpServerTool(Name = "update_stage", Title = "Update stage", ReadOnly = false, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Rename a stage, move it, change its kind (open, won, lost) or its win probability. The last open stage of a pipeline cannot become won or lost. Example: {"stage": "Proposal", "name": "Quote sent", "position": 2}
        """)]
    public async Task<StageChangeResponse> UpdateStage(
        [Description("The stage's name or UUID, e.g. \"Proposal\".")] string stage,
        [Description("Of a stage given by name. Default: the default pipeline.")] string? pipeline = null,
        [Description("New name.")] string? name = null,
        [Description("1-based; the stages in between shift.")] int? position = null,
        [Description("New kind: open, won or lost.")] string? kind = null,
        [Description("Win probability, 0 to 100.")] int? probability = null,
        CancellationToken cancellationToken = default)
    {
        var rename = StageName("name", name);
        var newKind = Kind(kind);
        var newProbability = StageProbability.Read(probability);
        if (rename is null && position is null && newKind is null && newProbability is null)
            throw CrmError.Invalid("name", "update_stage needs something to change.", "at least one of name, position, kind or probability, e.g. {\"stage\": \"Proposal\", \"name\": \"Quote sent\"}");
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var target = await FindAsync(connection, transaction, stage, "stage", pipeline);
            var stages = await PipelineSql.StagesAsync(connection, transaction, target.PipelineId);
            var current = stages.Single(s => s.Id == target.Id);
            if (rename is { } r)
            {
                EnsureNameFree(stages, r.Key, r.Name, await PipelineNameAsync(connection, transaction, target.PipelineId), exceptId: current.Id);
                (current.Name, current.NameKey) = r;
            }
            if (newKind is not null && newKind != current.Kind)
            {
                if (current.Kind == "open" && stages.Count(s => s.Kind == "open") == 1)
                    throw CrmError.Invalid("kind", $"'{current.Name}' is the pipeline's only open stage; it cannot become {newKind}.",
                        "create another open stage first (create_stage), then change this one");
                current.Kind = newKind;
            }
            if (newProbability is not null) current.Probability = newProbability;
            var ordered = Arrange(stages.Where(s => s.Id != current.Id).ToList(), current, position, stages.IndexOf(current));
            var now = Clock.NowIso();
            await PipelineSql.UpdateStageAsync(connection, transaction, current, now);
            await PipelineSql.RenumberAsync(connection, transaction, ordered, now);
            return await ChangeAsync(connection, transaction, current.Id, current.PipelineId);
        }, cancellationToken);
    }

    [McpServerTool(Name = "delete_stage", Title = "Delete stage", ReadOnly = false, Destructive = true,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Delete a stage: irreversible. Its deals move to move_deals_to (required when it has deals). A pipeline's last open
        stage cannot be deleted.
        Example: {"stage": "Legal review", "move_deals_to": "Negotiation"}
        """)]
    public async Task<StageDeletionResponse> DeleteStage(
        [Description("The stage's name or UUID, e.g. \"Legal review\".")] string stage,
        [Description("Name or UUID of the stage (same pipeline) that receives them.")] string? move_deals_to = null,
        [Description("Of stages given by name. Default: the default pipeline.")] string? pipeline = null,
        CancellationToken cancellationToken = default)
    {
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var doomed = await FindAsync(connection, transaction, stage, "stage", pipeline);
            var stages = await PipelineSql.StagesAsync(connection, transaction, doomed.PipelineId);
            if (doomed.Kind == "open" && stages.Count(s => s.Kind == "open") == 1)
                throw new CrmError(ErrorCodes.Conflict, "stage", $"stage: '{doomed.Name}' is the pipeline's only open stage; new deals need one.",
                    "create another open stage first (create_stage), or delete a different stage");
            var dealCount = await PipelineSql.DealCountAsync(connection, transaction, doomed.Id);
            var others = string.Join(", ", stages.Where(s => s.Id != doomed.Id).Select(s => s.Name));

            PipelineSql.StageRow? target = null;
            if (move_deals_to is not null)
            {
                target = await PipelineSql.FindStageAsync(connection, transaction, move_deals_to, "move_deals_to", doomed.PipelineId);
                if (target.PipelineId != doomed.PipelineId)
                    throw CrmError.Invalid("move_deals_to", $"stage '{target.Name}' is in another pipeline.", $"a stage of the same pipeline: {others}");
                if (target.Id == doomed.Id)
                    throw CrmError.Invalid("move_deals_to", "is the stage being deleted.", $"another stage of the pipeline: {others}");
            }
            else if (dealCount > 0)
            {
                throw CrmError.Invalid("move_deals_to", $"stage '{doomed.Name}' has {dealCount} deal(s); say which stage receives them.",
                    $"the name or UUID of another stage: {others}");
            }

            var now = Clock.NowIso();
            var moved = target is null ? 0 : await PipelineSql.MoveDealsAsync(connection, transaction, doomed.Id, target.Id, now);
            await PipelineSql.DeleteStageAsync(connection, transaction, doomed.Id);
            await PipelineSql.RenumberAsync(connection, transaction, stages.Where(s => s.Id != doomed.Id).ToList(), now);
            var view = (await PipelineSql.ViewsAsync(connection, transaction, doomed.PipelineId, includeDrafts: true)).Single();
            return new StageDeletionResponse(new StageDeletion(new DeletedStage(doomed.Id, doomed.Name), moved,
                target is null ? null : new MovedTo(target.Id, target.Name), view), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "create_pipeline", Title = "Create pipeline", ReadOnly = false, Destructive = false,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Creates]
    [Description("""
        Create a pipeline with its stages in order (open ones first, at least one). Without stages it copies the default
        pipeline's.
        Example: {"name": "Partnerships", "stages": [{"name": "Intro"}, {"name": "Signed", "kind": "won"}, {"name": "Dropped", "kind": "lost"}]}
        """)]
    public async Task<PipelineResponse> CreatePipeline(
        [Description("E.g. \"Partnerships\".")] string name,
        [Description("In order. Default: the default pipeline's.")] StageInput[]? stages = null,
        CancellationToken cancellationToken = default)
    {
        var (pipelineName, key) = PipelineName("name", name) ?? throw CrmError.Invalid("name", "is required.", "a pipeline name such as \"Partnerships\"");
        var given = ReadStages(stages);
        return await db.WriteAsync(async (connection, transaction) =>
        {
            await EnsurePipelineNameFreeAsync(connection, transaction, key, pipelineName, exceptId: null);
            var rows = given ?? (await PipelineSql.StagesAsync(connection, transaction, (await PipelineSql.ResolvePipelineAsync(connection, transaction, null)).Id))
                .Select(s => (s.Name, s.NameKey, s.Kind)).ToList();
            var id = Ids.New();
            var now = Clock.NowIso();
            await PipelineSql.InsertPipelineAsync(connection, transaction, id, pipelineName, key, now);
            for (var i = 0; i < rows.Count; i++)
                await PipelineSql.InsertStageAsync(connection, transaction, new PipelineSql.StageRow
                {
                    Id = Ids.New(), PipelineId = id, Name = rows[i].Name, NameKey = rows[i].Key, Kind = rows[i].Kind, Position = i + 1,
                }, now);
            return new PipelineResponse((await PipelineSql.ViewsAsync(connection, transaction, id, includeDrafts: true)).Single(), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "update_pipeline", Title = "Update pipeline", ReadOnly = false, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("Rename a pipeline; its stages change with create_stage/update_stage. Example: {\"pipeline\": \"Partnerships\", \"name\": \"Partners\"}")]
    public async Task<PipelineResponse> UpdatePipeline(
        [Description("The pipeline's name or UUID, e.g. \"Partnerships\".")] string pipeline,
        [Description("New name.")] string name,
        CancellationToken cancellationToken = default)
    {
        Validate.RequiredText("pipeline", pipeline, 100, "a pipeline name or UUID, e.g. \"Sales\"");
        var (newName, key) = PipelineName("name", name) ?? throw CrmError.Invalid("name", "is required.", "a pipeline name such as \"Partners\"");
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var row = await PipelineSql.ResolvePipelineAsync(connection, transaction, pipeline);
            await EnsurePipelineNameFreeAsync(connection, transaction, key, newName, row.Id);
            await PipelineSql.RenamePipelineAsync(connection, transaction, row.Id, newName, key, Clock.NowIso());
            return new PipelineResponse((await PipelineSql.ViewsAsync(connection, transaction, row.Id, includeDrafts: true)).Single(), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "delete_pipeline", Title = "Delete pipeline", ReadOnly = false, Destructive = true,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Delete a pipeline and its stages: irreversible. Its deals move to move_deals_to (required when it has deals), each
        into the stage of the same name there, else its first open stage. The default pipeline cannot be deleted.
        Example: {"pipeline": "Partnerships", "move_deals_to": "Sales"}
        """)]
    public async Task<PipelineDeletionResponse> DeletePipeline(
        [Description("The pipeline's name or UUID, e.g. \"Partnerships\".")] string pipeline,
        [Description("Name or UUID of the pipeline that receives them.")] string? move_deals_to = null,
        CancellationToken cancellationToken = default)
    {
        Validate.RequiredText("pipeline", pipeline, 100, "a pipeline name or UUID, e.g. \"Partnerships\"");
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var doomed = await PipelineSql.ResolvePipelineAsync(connection, transaction, pipeline);
            if (doomed.IsDefault)
                throw new CrmError(ErrorCodes.Conflict, "pipeline", $"pipeline: '{doomed.Name}' is the default pipeline; new deals need one.",
                    "another pipeline; the default one stays");
            var stages = await PipelineSql.StagesAsync(connection, transaction, doomed.Id);
            long dealCount = 0;
            foreach (var stage in stages) dealCount += await PipelineSql.DealCountAsync(connection, transaction, stage.Id);
            DealsMoved? moved = null;
            if (move_deals_to is not null)
            {
                var target = await PipelineSql.ResolvePipelineAsync(connection, transaction, move_deals_to, "move_deals_to");
                if (target.Id == doomed.Id)
                    throw CrmError.Invalid("move_deals_to", "is the pipeline being deleted.", "another pipeline's name or UUID");
                var targetStages = await PipelineSql.StagesAsync(connection, transaction, target.Id);
                var firstOpen = targetStages.First(s => s.Kind == "open");
                var now = Clock.NowIso();
                long count = 0;
                foreach (var stage in stages)
                {
                    var into = targetStages.FirstOrDefault(s => s.NameKey == stage.NameKey) ?? firstOpen;
                    count += await PipelineSql.MoveDealsAcrossAsync(connection, transaction, stage.Id, into.Id, target.Id, now);
                }
                moved = new DealsMoved(new MovedTo(target.Id, target.Name), count);
            }
            else if (dealCount > 0)
            {
                var names = await connection.QueryAsync<string>("SELECT name FROM pipelines WHERE id <> @id ORDER BY is_default DESC, name", new { id = doomed.Id }, transaction);
                throw CrmError.Invalid("move_deals_to", $"pipeline '{doomed.Name}' has {dealCount} deal(s); say which pipeline receives them.",
                    $"one of: {string.Join(", ", names)}");
            }
            await PipelineSql.DeletePipelineAsync(connection, transaction, doomed.Id);
            return new PipelineDeletionResponse(new PipelineDeletion(new DeletedStage(doomed.Id, doomed.Name), moved), true);
        }, cancellationToken);
    }

    private static (string Name, string Key)? PipelineName(string field, string? value)
    {
        var text = Validate.Text(field, value, 100, "\"Partnerships\"");
        if (text is null) return null;
        var key = NameKeys.Pipeline(text);
        if (key.Length == 0) throw CrmError.Invalid(field, $"'{text}' has no letters or digits.", "a pipeline name such as \"Partnerships\"");
        return (text, key);
    }

    private static async Task EnsurePipelineNameFreeAsync(DbConnection connection, DbTransaction transaction, string key, string name, string? exceptId)
    {
        if (await PipelineSql.PipelineIdByKeyAsync(connection, transaction, key) is { } other && other != exceptId)
            throw new CrmError(ErrorCodes.Conflict, "name", $"name: a pipeline named like '{name}' already exists (id {other}).",
                "a different name, or update_pipeline on the existing one");
    }

    /// <summary>The stages of a new pipeline, checked: names unique, kinds known, open ones first, at least one open.</summary>
    private static List<(string Name, string Key, string Kind)>? ReadStages(StageInput[]? stages)
    {
        if (stages is null) return null;
        if (stages.Length is 0 or > 50) throw CrmError.Invalid("stages", $"has {stages.Length} stages.", "1 to 50 stages, at least one open");
        var result = new List<(string Name, string Key, string Kind)>();
        for (var i = 0; i < stages.Length; i++)
        {
            var (name, key) = StageName($"stages[{i}].name", stages[i]?.Name) ?? throw CrmError.Invalid($"stages[{i}].name", "is required.", "a stage name such as \"Intro\"");
            var kind = stages[i]!.Kind is null ? "open" : PipelineSql.Kinds.Contains(stages[i]!.Kind!.Trim().ToLowerInvariant()) ? stages[i]!.Kind!.Trim().ToLowerInvariant()
                : throw CrmError.Invalid($"stages[{i}].kind", $"'{Validate.Shorten(stages[i]!.Kind!)}' is not a stage kind.", KindForm);
            if (result.Any(r => r.Key == key)) throw CrmError.Invalid($"stages[{i}].name", $"'{name}' appears twice.", "unique stage names");
            if (kind == "open" && result.Any(r => r.Kind != "open"))
                throw CrmError.Invalid($"stages[{i}].kind", $"open stage '{name}' comes after a won/lost stage.", "open stages first, then won and lost ones");
            result.Add((name, key, kind));
        }
        return result.Any(r => r.Kind == "open") ? result : throw CrmError.Invalid("stages", "has no open stage.", "at least one open stage (new deals start there)");
    }

    /// <summary>A stage by name in the named (or default) pipeline, or by UUID in whatever pipeline holds it.</summary>
    private static async Task<PipelineSql.StageRow> FindAsync(DbConnection connection, DbTransaction transaction, string stage, string field, string? pipeline)
    {
        var pipelineRow = await PipelineSql.ResolvePipelineAsync(connection, transaction, pipeline);
        var row = await PipelineSql.FindStageAsync(connection, transaction, stage, field, pipelineRow.Id);
        if (pipeline is not null && row.PipelineId != pipelineRow.Id)
            throw CrmError.Invalid(field, $"stage {row.Id} is not in pipeline '{pipelineRow.Name}'.", "a stage of that pipeline, or leave pipeline out");
        return row;
    }

    private static async Task<string> PipelineNameAsync(DbConnection connection, DbTransaction transaction, string pipelineId) =>
        (await PipelineSql.ResolvePipelineAsync(connection, transaction, pipelineId)).Name;

    private static async Task<StageChangeResponse> ChangeAsync(DbConnection connection, DbTransaction transaction, string stageId, string pipelineId)
    {
        var view = (await PipelineSql.ViewsAsync(connection, transaction, pipelineId, includeDrafts: true)).Single();
        return new StageChangeResponse(new StageChange(view.Stages.Single(s => s.Id == stageId), view), true);
    }

    private static (string Name, string Key)? StageName(string field, string? value)
    {
        var text = Validate.Text(field, value, 100, "\"Legal review\"");
        if (text is null) return null;
        var key = NameKeys.Stage(text);
        if (key.Length == 0) throw CrmError.Invalid(field, $"'{text}' has no letters or digits.", "a stage name such as \"Legal review\"");
        return (text, key);
    }

    private static string? Kind(string? value)
    {
        if (value is null) return null;
        var kind = value.Trim().ToLowerInvariant();
        return PipelineSql.Kinds.Contains(kind) ? kind : throw CrmError.Invalid("kind", $"'{Validate.Shorten(value)}' is not a stage kind.", KindForm);
    }

    private static void EnsureNameFree(IEnumerable<PipelineSql.StageRow> stages, string key, string name, string pipelineName, string? exceptId)
    {
        var clash = stages.FirstOrDefault(s => s.NameKey == key && s.Id != exceptId);
        if (clash is not null)
            throw new CrmError(ErrorCodes.Conflict, "name", $"name: pipeline '{pipelineName}' already has a stage '{clash.Name}' (id {clash.Id}).",
                "a name no other stage of the pipeline has, or update_stage on the existing one");
    }

    /// <summary>
    /// The pipeline's stages in their new order with <paramref name="stage"/> placed: at the 1-based position asked
    /// for, else where it was (kept inside its own group), else a new open stage after the last open one and a new
    /// won/lost stage last. Open stages always precede won/lost ones.
    /// </summary>
    private static List<PipelineSql.StageRow> Arrange(List<PipelineSql.StageRow> others, PipelineSql.StageRow stage, int? position, int? currentIndex)
    {
        var openCount = others.Count(s => s.Kind == "open");
        var (first, last) = stage.Kind == "open" ? (1, openCount + 1) : (openCount + 1, others.Count + 1);
        int index;
        if (position is { } p)
        {
            if (p < 1 || p > others.Count + 1)
                throw CrmError.Invalid("position", $"{p} is out of range.", $"a whole number from {first} to {last}");
            if (p < first || p > last)
                throw CrmError.Invalid("position", $"{p} would put {(stage.Kind == "open" ? "an open stage after a won/lost stage" : $"a {stage.Kind} stage before an open stage")}.",
                    $"a position from {first} to {last} for a {stage.Kind} stage");
            index = p - 1;
        }
        else
        {
            index = stage.Kind == "open"
                ? Math.Min(currentIndex ?? openCount, openCount)
                : Math.Max(currentIndex ?? others.Count, openCount);
        }
        var ordered = new List<PipelineSql.StageRow>(others);
        ordered.Insert(index, stage);
        return ordered;
    }
}
