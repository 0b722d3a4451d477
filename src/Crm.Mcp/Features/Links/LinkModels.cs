using System.ComponentModel;
using Crm.Mcp.Resolution;

namespace Crm.Mcp.Features.Links;

public sealed record LinkOutcome(
    EntityRef Entity,
    [property: Description("False when the link was already as asked (linking twice or unlinking what was not linked).")] bool Changed);

public sealed record LinkResult(
    [property: Description("The pair, e.g. \"deal-contact\".")] string Pair,
    EntityRef From,
    [property: Description("One entry per `to`, in order.")] IReadOnlyList<LinkOutcome> Results,
    [property: Description("How many links this call added or removed.")] long ChangedCount);

public sealed record LinkResponse(LinkResult Data, bool Success);
