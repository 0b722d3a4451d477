using System.ComponentModel;

namespace Crm.Mcp.Features.CustomFields;

public sealed record FieldInfo(
    string Name,
    [property: Description("text, number, currency, date, datetime, single_select, multi_select, email, phone, url, checkbox or id.")] string Type,
    [property: Description("The filter operators this field takes.")] IReadOnlyList<string> Operators,
    [property: Description("Allowed values of a select field; null for free values.")] IReadOnlyList<string>? Options,
    bool Sortable,
    [property: Description("Matched by the list tool's free-text search.")] bool Searchable,
    [property: Description("True for a custom field.")] bool Custom,
    string? Description);

public sealed record CustomFieldInfo(
    CustomFieldView Definition,
    [property: Description("What set_custom_field_values accepts for it.")] string Accepts,
    [property: Description("False when a built-in field has the same name and hides it from filters.")] bool Filterable);

public sealed record EntityConfiguration(
    [property: Description("deals, companies, contacts, tasks or services.")] string Entity,
    [property: Description("Fields usable in filters and sort of the entity's get_<plural> tool, built-in and custom; empty when that tool has its own arguments instead.")] IReadOnlyList<FieldInfo> Fields,
    IReadOnlyList<CustomFieldInfo> CustomFields);

public sealed record ConfigurationResult(
    IReadOnlyList<EntityConfiguration> Entities,
    [property: Description("Types a custom field can have.")] IReadOnlyList<string> CustomFieldTypes);

public sealed record ConfigurationResponse(ConfigurationResult Data, bool Success);
