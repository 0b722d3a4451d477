using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;

namespace Crm.Mcp.Features.Deals;

public sealed record CompanyRef(string Id, string? Logo, string Name);

public sealed record StageRef(string Id, string Name);

public sealed record PersonRef(string FullName, string Id, string? Email);

public sealed record DealPerson(PersonRef Person);

public sealed record UserRef(string Id, string Name, string? Email);

/// <summary>A deal as every deal tool returns it; the fields of the create_deal_draft contract plus name, currency
/// and pipeline_id.</summary>
public sealed record DealView
{
    public required string Id { get; init; }
    [Description("Human identifier, e.g. DEAL-001.")]
    public required string Identifier { get; init; }
    public required string Name { get; init; }
    [Description("Exact amount in minor units as a string, e.g. \"10000000\" for $100,000.00; null when unknown.")]
    public string? Amount { get; init; }
    public AmountDisplay? AmountDisplay { get; init; }
    public required string Currency { get; init; }
    public CompanyRef? Company { get; init; }
    public string? CompanyId { get; init; }
    public long CompanySortIndex { get; init; }
    public required string CreatedAt { get; init; }
    public string? ExpectedCloseDate { get; init; }
    public bool IsDraft { get; init; }
    public long OrderInStage { get; init; }
    public string? OrgId { get; init; }
    public UserRef? Owner { get; init; }
    public string? OwnerId { get; init; }
    public required IReadOnlyList<DealPerson> People { get; init; }
    public string? RenewalDate { get; init; }
    public required string Source { get; init; }
    public required StageRef Stage { get; init; }
    public required string StageId { get; init; }
    public required string PipelineId { get; init; }
    public required string UpdatedAt { get; init; }
    public string? UserId { get; init; }
    [Description("Sum of the deal's services (amount × quantity) in minor units as a string; \"0\" without services.")]
    public string TotalValue { get; init; } = "0";
    public AmountDisplay? TotalValueDisplay { get; init; }
    [Description("Sum of the deal's service quantities.")]
    public long TotalQuantity { get; init; }
    [Description("Custom field values by field name, e.g. {\"lead_source\": \"Referral\"}; see get_entity_configuration.")]
    public System.Text.Json.Nodes.JsonObject CustomFields { get; init; } = [];
}

/// <summary>A deal–person link made for a person passed by id in person_ids.</summary>
public sealed record PeopleDealLink(string DealId, string PersonId, PersonRef Person);

public sealed record DealResolution(
    [property: Description("The company found or created; null when none was named.")] ResolvedRecord? Company,
    ResolvedRecord Stage,
    [property: Description("One entry per person in `people`, in order.")] IReadOnlyList<ResolvedRecord> People);

public sealed record DealDraftData(DealView Deal, IReadOnlyList<PeopleDealLink> PeopleDeals, DealResolution Resolution);

public sealed record DealDraftResponse(DealDraftData Data, bool Success);

public sealed record DealResponse(DealView Data, bool Success);

public sealed record DealPageResponse(ListPage<DealView> Data, bool Success);
