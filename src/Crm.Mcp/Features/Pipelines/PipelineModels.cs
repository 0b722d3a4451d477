using System.ComponentModel;
using Crm.Mcp.Common;

namespace Crm.Mcp.Features.Pipelines;

/// <summary>The deals of one stage (or pipeline) in one currency; amounts of different currencies are never added.</summary>
public sealed record CurrencyTotal(
    string Currency,
    [property: Description("Sum of the deal amounts in minor units as a string, e.g. \"12500000\".")] string Amount,
    AmountDisplay AmountDisplay,
    [property: Description("Deals in this currency, including those without an amount.")] long DealCount);

public sealed record StageView
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    [Description("1-based order in the pipeline; open stages come before won and lost ones.")]
    public required long Position { get; init; }
    [Description("open, won or lost.")]
    public required string Kind { get; init; }
    [Description("Win probability in percent, for weighted pipeline (report_deals); unless set: won 100, lost 0, open stages rising by position.")]
    public required int Probability { get; init; }
    public required long DealCount { get; init; }
    [Description("Per currency: the summed amount and deal count.")]
    public required IReadOnlyList<CurrencyTotal> Totals { get; init; }
}

public sealed record PipelineView
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required bool IsDefault { get; init; }
    [Description("Stages in order.")]
    public required IReadOnlyList<StageView> Stages { get; init; }
    public required long DealCount { get; init; }
    public required IReadOnlyList<CurrencyTotal> Totals { get; init; }
}

public sealed record PipelineList(
    IReadOnlyList<PipelineView> Items,
    [property: Description("How many pipelines there are; all are returned.")] long Total);

public sealed record PipelineListResponse(PipelineList Data, bool Success);

public sealed record StageChange(
    [property: Description("The stage as it is after the call.")] StageView Stage,
    [property: Description("Its pipeline, with every stage in the new order.")] PipelineView Pipeline);

public sealed record StageChangeResponse(StageChange Data, bool Success);

public sealed record DeletedStage(string Id, string Name);

public sealed record MovedTo(string Id, string Name);

public sealed record StageDeletion(
    DeletedStage Deleted,
    [property: Description("How many deals moved to moved_to.")] long MovedDeals,
    [property: Description("The stage that received the deals; null when the stage had none.")] MovedTo? MovedTo,
    PipelineView Pipeline);

public sealed record StageDeletionResponse(StageDeletion Data, bool Success);

/// <summary>A stage of a new pipeline.</summary>
public sealed record StageInput
{
    public string? Name { get; init; }
    [Description("open (default), won or lost.")]
    public string? Kind { get; init; }
}

public sealed record PipelineResponse(PipelineView Data, bool Success);

public sealed record DealsMoved(
    [property: Description("The pipeline that received the deals.")] MovedTo Pipeline,
    [property: Description("How many deals moved.")] long Deals);

public sealed record PipelineDeletion(
    DeletedStage Deleted,
    [property: Description("Where the pipeline's deals went; null when it had none.")] DealsMoved? Moved);

public sealed record PipelineDeletionResponse(PipelineDeletion Data, bool Success);
