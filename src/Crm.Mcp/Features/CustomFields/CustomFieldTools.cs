using System.Data.Common;
using System.ComponentModel;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Resolution;
using Crm.Mcp.Hosting;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.CustomFields;

[McpServerToolType]
public sealed partial class CustomFieldTools(CrmDb db, CrmSettings settings)
{
    private const string NameForm = "snake_case: a lower-case letter, then letters, digits or _, at most 40, e.g. \"lead_source\"";
    private const string OptionsForm = "1 to 100 distinct texts, e.g. [\"Inbound\", \"Referral\", \"Partner\"]";

    [McpServerTool(Name = "create_custom_field", Title = "Create custom field", ReadOnly = false, Destructive = false,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Creates]
    [Description("""
        Add a typed field to deals, companies, contacts or tasks: it filters and sorts like a built-in field, comes back
        in custom_fields, and set_custom_field_values writes it. single_select and multi_select need options.
        Example: {"entity": "deals", "label": "Lead source", "type": "single_select", "options": ["Inbound", "Referral"]}
        """)]
    public async Task<CustomFieldResponse> CreateCustomField(
        [Description("deals, companies, contacts or tasks.")] string entity,
        [Description("Display label, e.g. \"Lead source\".")] string label,
        [Description("text, number, currency, date, datetime, single_select, multi_select, email, phone, url or checkbox.")] string type,
        [Description("Key in filters and values. Default: the label in snake_case.")] string? name = null,
        [Description("Choices of a select field.")] string[]? options = null,
        [Description("A currency field's ISO 4217 code. Default: the server's.")] string? currency = null,
        [Description("What the field means.")] string? description = null,
        CancellationToken cancellationToken = default)
    {
        var target = CustomFieldSql.Entity("entity", entity);
        var fieldLabel = Validate.Text("label", label, 100, "\"Lead source\"")!;
        var fieldType = type?.Trim().ToLowerInvariant() ?? "";
        if (!CustomFieldTypes.All.Contains(fieldType))
            throw CrmError.Invalid("type", $"'{Validate.Shorten(type ?? "")}' is not a field type.", $"one of: {string.Join(", ", CustomFieldTypes.All)}");
        var fieldName = name is null ? FromLabel(fieldLabel) : ReadName("name", name);
        var fieldOptions = ReadOptions("options", options, fieldType);
        if (currency is not null && fieldType != CustomFieldTypes.Currency)
            throw CrmError.Invalid("currency", $"applies only to currency fields, not {fieldType}.", "leave it out, or use type \"currency\"");
        var fieldCurrency = fieldType == CustomFieldTypes.Currency
            ? (currency is null ? settings.DefaultCurrency : Currency.Parse("currency", currency)).Code : null;
        var now = Clock.NowIso();
        var field = new CustomFieldView
        {
            Id = Ids.New(), Entity = target.Name, Name = fieldName, Label = fieldLabel, Type = fieldType,
            Options = fieldOptions, Currency = fieldCurrency, Description = Description(description), CreatedAt = now, UpdatedAt = now,
        };

        return await db.WriteAsync(async (connection, transaction) =>
        {
            await RequireFreeNameAsync(connection, transaction, target, fieldName, name is null ? "label" : "name", null);
            if (await CustomFieldSql.CountAsync(connection, transaction, target.Name) >= CustomFieldSql.MaxFieldsPerEntity)
                throw new CrmError(ErrorCodes.Conflict, "entity", $"entity: {target.Name} already has {CustomFieldSql.MaxFieldsPerEntity} custom fields.",
                    "delete an unused custom field first");
            await CustomFieldSql.InsertAsync(connection, transaction, field);
            return new CustomFieldResponse((await CustomFieldSql.FindAsync(connection, transaction, target.Name, field.Id))!, true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "update_custom_field", Title = "Update custom field", ReadOnly = false, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Rename a custom field, relabel it, or change its description or options; rename_options rewrites the values that
        use an option, and removing an option in use is refused. The type cannot change: delete and recreate the field.
        Example: {"entity": "deals", "field": "lead_source", "rename_options": {"Partner": "Referral"}}
        """)]
    public async Task<CustomFieldResponse> UpdateCustomField(
        [Description("deals, companies, contacts or tasks.")] string entity,
        [Description("The field's name or UUID, e.g. \"lead_source\".")] string field,
        [Description("Display label.")] string? label = null,
        [Description("New key, e.g. \"lead_origin\"; saved filters must use the new name.")] string? name = null,
        [Description("New description; \"\" clears it.")] string? description = null,
        [Description("The whole new option list.")] string[]? options = null,
        [Description("Options to rename, old to new; stored values follow, e.g. {\"Partner\": \"Referral\"}.")] Dictionary<string, string>? rename_options = null,
        CancellationToken cancellationToken = default)
    {
        var target = CustomFieldSql.Entity("entity", entity);
        var key = Validate.Text("field", field, 100, "\"lead_source\"")!;
        var newLabel = Validate.Text("label", label, 100, "\"Lead origin\"");
        var newName = name is null ? null : ReadName("name", name);

        return await db.WriteAsync(async (connection, transaction) =>
        {
            var current = await RequireFieldAsync(connection, transaction, target, key);
            var now = Clock.NowIso();
            if (newName is not null && newName != current.Name)
                await RequireFreeNameAsync(connection, transaction, target, newName, "name", current.Id);

            var finalOptions = current.Options;
            var renames = new List<(string From, string To)>();
            if (options is not null || rename_options is not null)
            {
                if (current.Options is null)
                    throw CrmError.Invalid(options is not null ? "options" : "rename_options", $"{current.Name} is a {current.Type} field, which has no options.", "leave it out");
                foreach (var (from, to) in rename_options ?? [])
                {
                    var path = $"rename_options.{from}";
                    var old = current.Options.FirstOrDefault(o => string.Equals(o, from.Trim(), StringComparison.OrdinalIgnoreCase))
                              ?? throw CrmError.Invalid(path, $"'{Validate.Shorten(from)}' is not an option of {current.Name}.", $"one of: {string.Join(", ", current.Options)}");
                    renames.Add((old, Validate.Text(path, to, 100, "\"Referral\"")!));
                }
                finalOptions = options is not null
                    ? ReadOptions("options", options, current.Type)
                    : ReadOptions("rename_options", current.Options.Select(o => renames.FirstOrDefault(r => r.From == o).To ?? o).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(), current.Type);
                foreach (var (from, to) in renames)
                {
                    var canonical = finalOptions!.FirstOrDefault(o => string.Equals(o, to, StringComparison.OrdinalIgnoreCase))
                                    ?? throw CrmError.Invalid($"rename_options.{from}", $"renames to '{Validate.Shorten(to)}', which is not in options.", "a name that is in the new options list");
                    await CustomFieldSql.RenameOptionAsync(connection, transaction, current, from, canonical, now);
                }
                foreach (var dropped in current.Options.Where(o => !finalOptions!.Contains(o) && renames.All(r => r.From != o)))
                {
                    var used = await CustomFieldSql.OptionUsageAsync(connection, transaction, current, dropped);
                    if (used > 0)
                        throw new CrmError(ErrorCodes.Conflict, "options", $"options: '{dropped}' is still the value of {used} {target.Name}; removing it would lose them.",
                            $"keep '{dropped}', rename it with rename_options {{\"{dropped}\": \"...\"}}, or clear those values first");
                }
            }

            var updated = current with
            {
                Name = newName ?? current.Name,
                Label = newLabel ?? current.Label,
                Description = description is null ? current.Description : Description(description),
                Options = finalOptions,
                UpdatedAt = now,
            };
            await CustomFieldSql.UpdateAsync(connection, transaction, updated);
            return new CustomFieldResponse((await CustomFieldSql.FindAsync(connection, transaction, target.Name, current.Id))!, true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "delete_custom_field", Title = "Delete custom field", ReadOnly = false, Destructive = true,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Delete a custom field and every value stored in it: irreversible. The reply says how many records had one.
        Example: {"entity": "deals", "field": "lead_source"}
        """)]
    public async Task<DeletedCustomFieldResponse> DeleteCustomField(
        [Description("deals, companies, contacts or tasks.")] string entity,
        [Description("The field's name or UUID, e.g. \"lead_source\".")] string field,
        CancellationToken cancellationToken = default)
    {
        var target = CustomFieldSql.Entity("entity", entity);
        var key = Validate.Text("field", field, 100, "\"lead_source\"")!;
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var current = await RequireFieldAsync(connection, transaction, target, key);
            var removed = await CustomFieldSql.DeleteAsync(connection, transaction, current.Id);
            return new DeletedCustomFieldResponse(new DeletedCustomField(current, removed), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "set_custom_field_values", Title = "Set custom field values", ReadOnly = false, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Set or clear custom field values of one deal, company, contact or task, each checked against its field's type
        (get_entity_configuration), all or nothing. null clears a value; fields not named keep theirs.
        Example: {"entity": "deals", "record": "DEAL-001", "values": {"lead_source": "Referral", "signed": true}}
        """)]
    public async Task<CustomFieldValuesResponse> SetCustomFieldValues(
        [Description("deals, companies, contacts or tasks.")] string entity,
        [Description(EntityLookup.RecordDoc)] string record,
        [Description("By field name, e.g. {\"close_by\": \"2026-12-31\", \"tags\": [\"vip\"]}; null clears.")] Dictionary<string, JsonElement> values,
        CancellationToken cancellationToken = default)
    {
        var target = CustomFieldSql.Entity("entity", entity);
        var key = Validate.Text("record", record, 200, "\"DEAL-001\"")!;
        if (values is null || values.Count == 0)
            throw CrmError.Invalid("values", "names no field.", "an object of field names to values, e.g. {\"lead_source\": \"Referral\"}");
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var id = await CustomFieldSql.RecordIdAsync(connection, transaction, target, key, "record");
            await ApplyAsync(connection, transaction, target, id, values, "values");
            var all = await CustomFieldSql.ValuesAsync(connection, transaction, [id]);
            return new CustomFieldValuesResponse(new CustomFieldValues(target.Name, id, all[id]), true);
        }, cancellationToken);
    }

    /// <summary>Checks every value against its field, then writes them; for any tool that takes a custom_fields object.</summary>
    public static async Task ApplyAsync(DbConnection connection, DbTransaction transaction,
        CustomFieldEntity entity, string recordId, IReadOnlyDictionary<string, JsonElement> values, string path)
    {
        var fields = await CustomFieldSql.ListAsync(connection, transaction, entity.Name);
        var parsed = new List<(CustomFieldView Field, StoredValue? Value)>();
        foreach (var (name, value) in values)
        {
            var field = fields.FirstOrDefault(f => string.Equals(f.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
                        ?? throw CrmError.Invalid($"{path}.{name}", $"is not a custom field of {entity.Name}.",
                            fields.Count == 0 ? $"{entity.Name} have no custom fields yet; create_custom_field adds one"
                                : $"one of: {string.Join(", ", fields.Select(f => $"{f.Name} ({f.Type})"))}");
            parsed.Add((field, CustomFieldTypes.Parse(field, value, $"{path}.{field.Name}")));
        }
        var now = Clock.NowIso();
        foreach (var (field, value) in parsed)
            await CustomFieldSql.SetValueAsync(connection, transaction, field.Id, recordId, value, now);
    }

    private static async Task<CustomFieldView> RequireFieldAsync(DbConnection connection,
        DbTransaction transaction, CustomFieldEntity entity, string key)
    {
        if (await CustomFieldSql.FindAsync(connection, transaction, entity.Name, key) is { } field) return field;
        var names = (await CustomFieldSql.ListAsync(connection, transaction, entity.Name)).Select(f => f.Name).ToList();
        throw new CrmError(ErrorCodes.NotFound, "field", $"field: {entity.Name} have no custom field '{Validate.Shorten(key)}'.",
            names.Count == 0 ? $"{entity.Name} have no custom fields yet" : $"one of: {string.Join(", ", names)}");
    }

    private static async Task RequireFreeNameAsync(DbConnection connection,
        DbTransaction transaction, CustomFieldEntity entity, string name, string argument, string? exceptId)
    {
        if (name == "custom_fields" || (Lists.FieldRegistry.BuiltIn.TryGetValue(entity.Name, out var schema) && schema.Find(name) is not null))
            throw new CrmError(ErrorCodes.Conflict, argument, $"{argument}: '{name}' is a built-in field of {entity.Name}.",
                "another name, e.g. \"" + name + "_custom\"; get_entity_configuration lists the built-in fields");
        if (await CustomFieldSql.FindAsync(connection, transaction, entity.Name, name) is { } taken && taken.Id != exceptId)
            throw new CrmError(ErrorCodes.Conflict, argument, $"{argument}: {entity.Name} already have a custom field named '{name}'.",
                "another name, e.g. \"" + name + "_2\", or update_custom_field to change the existing one");
    }

    private static string ReadName(string argument, string name)
    {
        var text = name.Trim();
        return NameShape().IsMatch(text) ? text : throw CrmError.Invalid(argument, $"'{Validate.Shorten(name)}' is not a field name.", NameForm);
    }

    /// <summary>"Lead source" → lead_source; "ARR (€)" → arr; "2nd owner" → f_2nd_owner.</summary>
    private static string FromLabel(string label)
    {
        var builder = new StringBuilder();
        foreach (var c in Resolution.UnicodeFold.Fold(label).Where(char.IsAscii))
            builder.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_');
        var name = UnderscoreRuns().Replace(builder.ToString(), "_").Trim('_');
        if (name.Length > 0 && !char.IsAsciiLetter(name[0])) name = "f_" + name;
        name = name.Length > 40 ? name[..40].TrimEnd('_') : name;
        return NameShape().IsMatch(name) ? name
            : throw CrmError.Invalid("label", $"'{Validate.Shorten(label)}' gives no usable field name.", $"pass name as well: {NameForm}");
    }

    private static IReadOnlyList<string>? ReadOptions(string argument, string[]? options, string type)
    {
        if (!CustomFieldTypes.HasOptions(type))
            return options is null ? null : throw CrmError.Invalid(argument, $"applies only to single_select and multi_select fields, not {type}.", "leave it out");
        if (options is null || options.Length == 0)
            throw CrmError.Invalid(argument, $"a {type} field needs its options.", OptionsForm);
        if (options.Length > 100)
            throw CrmError.Invalid(argument, $"has {options.Length} options; the limit is 100.", OptionsForm);
        var result = new List<string>();
        for (var i = 0; i < options.Length; i++)
        {
            var option = Validate.Text($"{argument}[{i}]", options[i], 100, "\"Referral\"")
                         ?? throw CrmError.Invalid($"{argument}[{i}]", "must not be null.", OptionsForm);
            if (result.Any(o => string.Equals(o, option, StringComparison.OrdinalIgnoreCase)))
                throw CrmError.Invalid($"{argument}[{i}]", $"'{Validate.Shorten(option)}' is listed twice.", OptionsForm);
            result.Add(option);
        }
        return result;
    }

    private static string? Description(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : Validate.Text("description", text, 500, "\"Where the lead came from\"");

    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")]
    private static partial Regex NameShape();

    [GeneratedRegex("_+")]
    private static partial Regex UnderscoreRuns();
}
