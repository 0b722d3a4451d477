using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Crm.Mcp.Features.Board;

/// <summary>A deal as a card: what a person scans on a board, each value formatted once.</summary>
public sealed record BoardCard
{
    public required string Id { get; init; }
    public required string Identifier { get; init; }
    public required string Name { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Company { get; init; }
    [Description("Formatted with its currency, e.g. \"$100.00K\".")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Amount { get; init; }
    [Description("Expected close date, ISO 8601.")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? CloseDate { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Owner { get; init; }
    public bool IsDraft { get; init; }
}

public sealed record BoardTotal(string Currency, [property: Description("e.g. \"$1.25M\".")] string Formatted, long DealCount);

public sealed record BoardColumn
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    [Description("open, won or lost.")]
    public required string Kind { get; init; }
    public required long DealCount { get; init; }
    [Description("Per currency; currencies are never added together.")]
    public required IReadOnlyList<BoardTotal> Totals { get; init; }
    [Description("The stage's first deals in board order.")]
    public required IReadOnlyList<BoardCard> Deals { get; init; }
    [Description("Deals in the stage beyond those listed.")]
    public required long More { get; init; }
}

public sealed record BoardPipeline(string Id, string Name);

public sealed record PipelineBoard(
    BoardPipeline Pipeline,
    [property: Description("Stages in order, as columns.")] IReadOnlyList<BoardColumn> Stages,
    long DealCount,
    [property: Description("Every pipeline, to switch boards.")] IReadOnlyList<BoardPipeline> Pipelines);

public sealed record PipelineBoardResponse(PipelineBoard Data, bool Success);
