using System.ComponentModel;
using System.Text.Json.Nodes;
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
    [Description("Markdown notes (append_note, set_notes).")]
    public string? Notes { get; init; }
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

/// <summary>get_deals' items: the deal as a model reads a list, amount written once and exactly.</summary>
public static class DealItems
{
    public static ListKind<DealView> Kind { get; } = new(DealFields.Entity, "identifier", DealSql.FindManyAsync, d => d.Id, Compact);

    public static JsonObject Compact(DealView deal) => ListTool.Item(
        ("identifier", deal.Identifier), ("name", deal.Name), ("company", deal.Company?.Name), ("stage", deal.Stage.Name),
        ("amount", Money.Exact(deal.Amount, deal.Currency)), ("expected_close_date", deal.ExpectedCloseDate),
        ("owner", deal.Owner?.Name), ("is_draft", deal.IsDraft));
}

/// <summary>A deal to create in create_deals: the arguments of create_deal_draft plus is_draft.</summary>
public sealed record DealInput
{
    [Description("Default: \"<company> deal\".")]
    public string? Name { get; init; }
    [Description("Found or created, e.g. \"Acme, Inc.\".")]
    public string? CompanyName { get; init; }
    [Description("Company UUID.")]
    public string? CompanyId { get; init; }
    [Description("Major units, e.g. 2500.50.")]
    public double? Amount { get; init; }
    [Description("ISO 4217, e.g. \"EUR\".")]
    public string? Currency { get; init; }
    [Description("E.g. \"Proposal\"; created if missing. Default: the first stage.")]
    public string? StageName { get; init; }
    [Description("Stage UUID.")]
    public string? StageId { get; init; }
    [Description("Owner's user UUID.")]
    public string? OwnerId { get; init; }
    [Description("Associated user UUID.")]
    public string? UserId { get; init; }
    [Description("UUIDs of existing people.")]
    public string[]? PersonIds { get; init; }
    [Description("Found by email, then name, or created.")]
    public PersonInput[]? People { get; init; }
    [Description("ISO date, e.g. \"2026-12-31\".")]
    public string? ExpectedCloseDate { get; init; }
    [Description("ISO date.")]
    public string? RenewalDate { get; init; }
    [Description("E.g. \"DEAL-{seq}\" (default).")]
    public string? IdentifierTemplate { get; init; }
    [Description("Default false.")]
    public bool? IsDraft { get; init; }
}

/// <summary>Changes to one deal; omitted fields stay as they are.</summary>
public sealed record DealUpdateInput
{
    [Description("Identifier, UUID or exact name, e.g. \"DEAL-001\".")]
    public string? Deal { get; init; }
    [Description("New name.")]
    public string? Name { get; init; }
    [Description("Major units.")]
    public double? Amount { get; init; }
    [Description("ISO 4217; alone it keeps the major amount.")]
    public string? Currency { get; init; }
    [Description("Found or created.")]
    public string? CompanyName { get; init; }
    [Description("Company UUID.")]
    public string? CompanyId { get; init; }
    [Description("In the deal's pipeline.")]
    public string? StageName { get; init; }
    [Description("Stage UUID.")]
    public string? StageId { get; init; }
    [Description("Owner's user UUID.")]
    public string? OwnerId { get; init; }
    [Description("Associated user UUID.")]
    public string? UserId { get; init; }
    [Description("ISO date, e.g. \"2026-12-31\".")]
    public string? ExpectedCloseDate { get; init; }
    [Description("ISO date.")]
    public string? RenewalDate { get; init; }
    [Description("false publishes a draft.")]
    public bool? IsDraft { get; init; }
    [Description("To add: found by email, then name, or created.")]
    public PersonInput[]? People { get; init; }
    [Description("UUIDs of existing people to add.")]
    public string[]? PersonIds { get; init; }
    [Description("Fields to empty: amount, company, owner_id, user_id, expected_close_date, renewal_date, people.")]
    public string[]? Clear { get; init; }
}

/// <summary>A deal after a write, with how each named record was resolved (null when not given or unchanged).</summary>
public sealed record DealWrite(
    DealView Deal,
    ResolvedRecord? Company,
    ResolvedRecord? Stage,
    [property: Description("One entry per person given, in order.")] IReadOnlyList<ResolvedRecord> People);

public sealed record DealWriteResponse(DealWrite Data, bool Success);

public sealed record DealRef(string Id, string Identifier, string Name);

/// <summary>One item of create_deals/update_deals: which deal, and how each named record was resolved; get_deal has
/// the whole deal.</summary>
public sealed record DealWritten(
    DealRef Deal,
    ResolvedRecord? Company,
    ResolvedRecord? Stage,
    [property: Description("One entry per person given, in order.")] IReadOnlyList<ResolvedRecord> People)
{
    public static DealWritten From(DealWrite write) =>
        new(new DealRef(write.Deal.Id, write.Deal.Identifier, write.Deal.Name), write.Company, write.Stage, write.People);
}
