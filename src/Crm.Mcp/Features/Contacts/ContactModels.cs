using System.ComponentModel;
using System.Text.Json.Serialization;
using System.Text.Json.Nodes;
using Crm.Mcp.Bulk;
using Crm.Mcp.Common;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;

namespace Crm.Mcp.Features.Contacts;

public sealed record ContactCompany(string Id, string Name);

public sealed record ContactView
{
    public required string Id { get; init; }
    [Description("Full name.")]
    public required string Name { get; init; }
    public required string FirstName { get; init; }
    public required string LastName { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public string? Title { get; init; }
    public required IReadOnlyList<ContactCompany> Companies { get; init; }
    [Description("Markdown.")]
    public string? Notes { get; init; }
    public string? OwnerId { get; init; }
    public long DealCount { get; init; }
    public required string CreatedAt { get; init; }
    public required string UpdatedAt { get; init; }
    [Description("Custom field values by field name; see get_entity_configuration.")]
    public System.Text.Json.Nodes.JsonObject CustomFields { get; init; } = [];
}

public sealed record ContactDeal(string Id, string Identifier, string Name, string Stage, bool IsDraft);

public sealed record ContactDetail(
    ContactView Contact,
    [property: Description("Up to 50 deals the contact is on, newest first.")] IReadOnlyList<ContactDeal> Deals);

/// <summary>A contact written by update_contact, with how its company was resolved.</summary>
public sealed record ContactWrite(
    ContactView Contact,
    [property: Description("The company found or created from company_name/company_id; null when none was given.")] ResolvedRecord? Company);

/// <summary>A contact to create: a name or an email at least.</summary>
public sealed record ContactInput
{
    public string? Name { get; init; }
    [Description("Instead of name.")]
    public string? FirstName { get; init; }
    [Description("Instead of name.")]
    public string? LastName { get; init; }
    [Description("Unique, e.g. \"jane@acme.com\".")]
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public string? Title { get; init; }
    [Description("Found or created.")]
    public string? CompanyName { get; init; }
    [Description("Company UUID.")]
    public string? CompanyId { get; init; }
    [Description("Owner's user UUID.")]
    public string? OwnerId { get; init; }
    public string? Notes { get; init; }
}

/// <summary>One item of create_contacts or update_contacts: the contact's id and name, and how its company was resolved.</summary>
public sealed record ContactCreated(
    BulkRecord Contact,
    ResolvedRecord? Company,
    [property: Description("True when upsert found the email and updated that contact instead of creating one."),
               JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Updated = null);

/// <summary>A change to one contact, as update_contact and update_contacts take it.</summary>
public sealed record ContactUpdateInput
{
    [Description("The contact's UUID, email or full name, e.g. \"jane@acme.com\".")]
    public string? Contact { get; init; }
    public string? Name { get; init; }
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public string? Title { get; init; }
    [Description("Company name, found or created; replaces the contact's company links.")]
    public string? CompanyName { get; init; }
    public string? CompanyId { get; init; }
    public string? OwnerId { get; init; }
    [Description("Fields to empty: email, phone, title, owner_id, company.")]
    public string[]? Clear { get; init; }
}

public sealed record ContactWriteResponse(ContactWrite Data, bool Success);

public sealed record ContactDetailResponse(ContactDetail Data, bool Success);

/// <summary>get_contacts' items.</summary>
public static class ContactItems
{
    public static ListKind<ContactView> Kind { get; } = new(ContactFields.Entity, "id", ContactSql.FindManyAsync, c => c.Id, Compact);

    public static JsonObject Compact(ContactView contact) => ListTool.Item(
        ("id", contact.Id), ("name", contact.Name), ("email", contact.Email), ("phone", contact.Phone), ("title", contact.Title),
        ("companies", contact.Companies.Select(c => c.Name)));
}
