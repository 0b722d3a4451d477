using System.Data.Common;
using Crm.Mcp.Lists;

namespace Crm.Mcp.Features.CustomFields;

/// <summary>
/// Puts an entity's custom fields into the list engine's field registry, so get_&lt;entity&gt; filters, sorts and
/// searches them like built-in fields. Each field reads its value with a subquery on custom_field_values keyed by
/// the field's id as a named parameter (@cf_name), so no definition ever becomes SQL text.
/// </summary>
public sealed class CustomFieldProvider : IFieldProvider
{
    public async Task<IReadOnlyList<FieldDef>> FieldsAsync(string entity, DbConnection connection, DbTransaction transaction)
    {
        if (!FieldRegistry.BuiltIn.TryGetValue(entity, out var schema)) return [];
        var fields = await CustomFieldSql.ListAsync(connection, transaction, entity);
        // A built-in field added after a custom one took its name wins; get_entity_configuration shows the clash.
        return fields.Where(f => schema.Find(f.Name) is null).Select(f => ToFieldDef(f, schema.IdSql)).ToList();
    }

    public static FieldDef ToFieldDef(CustomFieldView field, string idSql)
    {
        var column = CustomFieldTypes.IsNumeric(field.Type) ? "number_value" : "text_value";
        var parameter = "cf_" + field.Name;
        var sql = $"(SELECT v.{column} FROM custom_field_values v WHERE v.field_id = @{parameter} AND v.entity_id = {idSql})";
        return new FieldDef(field.Name, TypeOf(field.Type), sql)
        {
            Custom = true,
            Description = field.Description is null ? field.Label : $"{field.Label}: {field.Description}",
            Options = field.Options,
            Sortable = field.Type != CustomFieldTypes.MultiSelect,
            Searchable = field.Type == CustomFieldTypes.Text,
            Parameters = new Dictionary<string, object?> { [parameter] = field.Id },
        };
    }

    public static FieldType TypeOf(string type) => type switch
    {
        CustomFieldTypes.Text => FieldType.Text,
        CustomFieldTypes.Number => FieldType.Number,
        CustomFieldTypes.Currency => FieldType.Currency,
        CustomFieldTypes.Date => FieldType.Date,
        CustomFieldTypes.Datetime => FieldType.Datetime,
        CustomFieldTypes.SingleSelect => FieldType.SingleSelect,
        CustomFieldTypes.MultiSelect => FieldType.MultiSelect,
        CustomFieldTypes.Email => FieldType.Email,
        CustomFieldTypes.Phone => FieldType.Phone,
        CustomFieldTypes.Url => FieldType.Url,
        CustomFieldTypes.Checkbox => FieldType.Checkbox,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
