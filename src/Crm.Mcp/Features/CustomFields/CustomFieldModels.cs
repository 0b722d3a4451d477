using System.ComponentModel;
using System.Text.Json.Nodes;

namespace Crm.Mcp.Features.CustomFields;

public sealed record CustomFieldView
{
    public required string Id { get; init; }
    [Description("deals, companies, contacts or tasks.")]
    public required string Entity { get; init; }
    [Description("The key in filters, sort and custom_fields objects, e.g. \"lead_source\".")]
    public required string Name { get; init; }
    public required string Label { get; init; }
    [Description("text, number, currency, date, datetime, single_select, multi_select, email, phone, url or checkbox.")]
    public required string Type { get; init; }
    [Description("Allowed values of a single_select or multi_select field; null for other types.")]
    public IReadOnlyList<string>? Options { get; init; }
    [Description("ISO 4217 currency of a currency field; null for other types.")]
    public string? Currency { get; init; }
    public string? Description { get; init; }
    public long Position { get; init; }
    public required string CreatedAt { get; init; }
    public required string UpdatedAt { get; init; }
}

public sealed record CustomFieldResponse(CustomFieldView Data, bool Success);

public sealed record DeletedCustomField(
    CustomFieldView Field,
    [property: Description("How many records lost their value of this field.")] long ValuesRemoved);

public sealed record DeletedCustomFieldResponse(DeletedCustomField Data, bool Success);

public sealed record CustomFieldValues(
    string Entity,
    string Id,
    [property: Description("Every custom field value the record now has, by field name.")] JsonObject CustomFields);

public sealed record CustomFieldValuesResponse(CustomFieldValues Data, bool Success);
