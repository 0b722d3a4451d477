using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Crm.Mcp.Features.CustomFields;

/// <summary>A field of a list; what is false, empty or the type's default is left out.</summary>
public sealed record FieldInfo(
    string Name,
    [property: Description("A key of `operators`: text, number, currency, date, datetime, single_select, multi_select, email, phone, url, checkbox or id.")] string Type,
    [property: Description("The operators, only when they differ from the type's."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Operators,
    [property: Description("Allowed values of a select field."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Options,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Sortable,
    [property: Description("Matched by the list tool's free-text search."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Searchable,
    [property: Description("True for a custom field."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Custom,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description);

public sealed record CustomFieldInfo(
    CustomFieldView Definition,
    [property: Description("What set_custom_field_values accepts for it.")] string Accepts,
    [property: Description("False when a built-in field has the same name and hides it from filters.")] bool Filterable);

public sealed record EntityConfiguration(
    [property: Description("deals, companies, contacts, tasks or services.")] string Entity,
    [property: Description("Fields usable in filters and sort of the entity's get_<plural> tool, built-in and custom; empty when that tool has its own arguments instead.")] IReadOnlyList<FieldInfo> Fields,
    IReadOnlyList<CustomFieldInfo> CustomFields);

public sealed record ConfigurationResult(
    [property: Description("The filter operators of each field type, named once.")] IReadOnlyDictionary<string, IReadOnlyList<string>> Operators,
    IReadOnlyList<EntityConfiguration> Entities,
    [property: Description("Types a custom field can have.")] IReadOnlyList<string> CustomFieldTypes);

public sealed record ConfigurationResponse(ConfigurationResult Data, bool Success);
