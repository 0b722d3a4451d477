using System.ComponentModel;
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Crm.Mcp.Lists;

namespace Crm.Mcp.Features.Companies;

public sealed record CompanyView
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    [Description("Bare host, e.g. acme.com.")]
    public string? Domain { get; init; }
    public string? Website { get; init; }
    public string? Logo { get; init; }
    public string? Phone { get; init; }
    public string? Industry { get; init; }
    [Description("Markdown.")]
    public string? Notes { get; init; }
    public string? OwnerId { get; init; }
    public long ContactCount { get; init; }
    public long DealCount { get; init; }
    public required string CreatedAt { get; init; }
    public required string UpdatedAt { get; init; }
    [Description("Custom field values by field name; see get_entity_configuration.")]
    public System.Text.Json.Nodes.JsonObject CustomFields { get; init; } = [];
}

public sealed record CompanyContact(string Id, string Name, string? Email, string? Title);

public sealed record CompanyDeal(string Id, string Identifier, string Name, string Stage, string? Amount, string Currency, bool IsDraft);

public sealed record CompanyDetail(
    CompanyView Company,
    [property: Description("Up to 50 contacts, by name.")] IReadOnlyList<CompanyContact> Contacts,
    [property: Description("Up to 50 deals, newest first.")] IReadOnlyList<CompanyDeal> Deals);

/// <summary>A company to create; only the name is required.</summary>
public sealed record CompanyInput
{
    [Description("Unique, e.g. \"Acme, Inc.\".")]
    public string? Name { get; init; }
    [Description("Domain or URL, kept as the host. Default: the website's.")]
    public string? Domain { get; init; }
    public string? Website { get; init; }
    public string? Phone { get; init; }
    public string? Industry { get; init; }
    public string? Logo { get; init; }
    [Description("Owner's user UUID.")]
    public string? OwnerId { get; init; }
    public string? Notes { get; init; }
}

/// <summary>A change to one company, as update_company and update_companies take it.</summary>
public sealed record CompanyUpdateInput
{
    [Description("The company's name or UUID, e.g. \"Acme, Inc.\".")]
    public string? Company { get; init; }
    public string? Name { get; init; }
    [Description("Domain or URL, stored as the bare host.")]
    public string? Domain { get; init; }
    public string? Website { get; init; }
    public string? Phone { get; init; }
    public string? Industry { get; init; }
    public string? Logo { get; init; }
    public string? OwnerId { get; init; }
    [Description("Fields to empty: domain, website, phone, industry, logo, owner_id.")]
    public string[]? Clear { get; init; }
}

public sealed record CompanyResponse(CompanyView Data, bool Success);

public sealed record CompanyDetailResponse(CompanyDetail Data, bool Success);

/// <summary>get_companies' items.</summary>
public static class CompanyItems
{
    public static ListKind<CompanyView> Kind { get; } = new(CompanyFields.Entity, "id", CompanySql.FindManyAsync, c => c.Id, Compact);

    public static JsonObject Compact(CompanyView company) => ListTool.Item(
        ("id", company.Id), ("name", company.Name), ("domain", company.Domain), ("industry", company.Industry),
        ("contact_count", company.ContactCount), ("deal_count", company.DealCount));
}
