using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Board;

/// <summary>
/// The pipeline board: a tool whose reply hosts that render MCP Apps show as columns of deal cards (the
/// ui://crm/pipeline-board resource), and that other clients read as compact JSON. The same HTML is served at /board.
/// </summary>
[McpServerToolType, McpServerResourceType]
public sealed class BoardTools(CrmDb db)
{
    public const string ResourceUri = "ui://crm/pipeline-board";
    /// <summary>The MCP Apps profile: hosts render a resource of this type in a sandboxed frame.</summary>
    public const string AppMime = "text/html;profile=mcp-app";
    private const int DefaultPerStage = 50, MaxPerStage = 200;

    /// <summary>The board's self-contained page (HTML, CSS and JS in one file: no CDN, works offline).</summary>
    public static string Html { get; } = LoadHtml();

    [McpServerTool(Name = "show_pipeline_board", Title = "Show pipeline board", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    // Both spellings of the MCP Apps link: `ui.resourceUri` (stable spec) and the flat key older hosts read.
    [McpMeta("ui", JsonValue = """{"resourceUri": "ui://crm/pipeline-board"}""")]
    [McpMeta("ui/resourceUri", ResourceUri)]
    [Description("""
        Show a pipeline as a board: stages as columns, deal cards (name, company, amount, close date, owner), totals
        per stage and currency. MCP Apps hosts render it; the user can drag cards between stages.
        Example: {"pipeline": "Sales", "per_stage": 20}
        """)]
    public async Task<PipelineBoardResponse> ShowPipelineBoard(
        [Description("Pipeline name or UUID. Default: the default pipeline.")] string? pipeline = null,
        [Description("Show draft deals too. Default true.")] bool? include_drafts = null,
        [Description("Cards per stage, 1 to 200. Default 50.")] int? per_stage = null,
        CancellationToken cancellationToken = default)
    {
        var perStage = per_stage ?? DefaultPerStage;
        if (perStage is < 1 or > MaxPerStage)
            throw CrmError.Invalid("per_stage", $"must be between 1 and {MaxPerStage}.", "a whole number such as 20");
        var board = await db.ReadAsync((connection, transaction) =>
            BoardSql.LoadAsync(connection, transaction, pipeline, include_drafts ?? true, perStage), cancellationToken);
        return new PipelineBoardResponse(board, true);
    }

    [McpServerResource(UriTemplate = ResourceUri, Name = "pipeline-board", Title = "Pipeline board", MimeType = AppMime)]
    [Description("The pipeline board app (MCP Apps): show_pipeline_board's reply as columns of cards that can be moved between stages.")]
    public static ResourceContents PipelineBoardApp() =>
        new TextResourceContents { Uri = ResourceUri, MimeType = AppMime, Text = Html };

    private static string LoadHtml()
    {
        using var stream = typeof(BoardTools).Assembly.GetManifestResourceStream("Board.pipeline-board.html")
            ?? throw new InvalidOperationException("The board page is not embedded in the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
