using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.CustomFields;

/// <summary>An entity that can carry custom fields: its public name, its table, and how one record is found.</summary>
public sealed record CustomFieldEntity(string Name, string Table, string Singular, string RecordForm, string FindSql);

/// <summary>The SQL of custom field definitions (custom_fields) and values (custom_field_values), migration 0031.</summary>
public static class CustomFieldSql
{
    public const int MaxFieldsPerEntity = 100;

    public static readonly IReadOnlyList<CustomFieldEntity> Entities =
    [
        new("deals", "deals", "deal", Resolution.Lookup.DealForm, "SELECT id FROM deals WHERE id = @key"),
        new("companies", "companies", "company", "a company UUID or exact name, e.g. \"Acme, Inc.\"",
            "SELECT id FROM companies WHERE id = @key OR name_key = @nameKey LIMIT 2"),
        new("contacts", "people", "contact", "a contact UUID or email, e.g. \"jane@acme.com\"",
            "SELECT id FROM people WHERE id = @key OR email_key = @emailKey LIMIT 1"),
        new("tasks", "tasks", "task", "a task UUID", "SELECT id FROM tasks WHERE id = @key"),
    ];

        /// <summary>"deals", "deal", "Contacts", "people" all name an entity.</summary>
    public static CustomFieldEntity Entity(string field, string? name)
    {
        var key = name?.Trim().ToLowerInvariant() ?? "";
        if (key is "people" or "person") key = "contacts";
        return Entities.FirstOrDefault(e => e.Name == key || e.Singular == key)
               ?? throw CrmError.Invalid(field, $"'{Validate.Shorten(name ?? "")}' is not an entity with custom fields.", $"one of: {string.Join(", ", Entities.Select(e => e.Name))}");
    }

    internal sealed class FieldRow
    {
        public string Id { get; init; } = "";
        public string Entity { get; init; } = "";
        public string Name { get; init; } = "";
        public string Label { get; init; } = "";
        public string Type { get; init; } = "";
        public string? Options { get; init; }
        public string? Currency { get; init; }
        public string? Description { get; init; }
        public long Position { get; init; }
        public string CreatedAt { get; init; } = "";
        public string UpdatedAt { get; init; } = "";

        public CustomFieldView ToView() => new()
        {
            Id = Id, Entity = Entity, Name = Name, Label = Label, Type = Type,
            Options = Options is null ? null : JsonSerializer.Deserialize(Options, CommonJsonContext.Default.ListString),
            Currency = Currency, Description = Description, Position = Position, CreatedAt = CreatedAt, UpdatedAt = UpdatedAt,
        };
    }

    private const string SelectField = """
        SELECT id, entity, name, label, type, options, currency, description, position,
               created_at AS CreatedAt, updated_at AS UpdatedAt
        FROM custom_fields
        """;

    public static async Task<IReadOnlyList<CustomFieldView>> ListAsync(DbConnection connection, DbTransaction transaction, string entity)
    {
        const string sql = SelectField + " WHERE entity = @entity ORDER BY position, name";
        return (await connection.QueryAsync<FieldRow>(sql, new { entity }, transaction)).Select(r => r.ToView()).ToList();
    }

    /// <summary>A field of an entity by name (case-insensitive) or UUID, or null.</summary>
    public static async Task<CustomFieldView?> FindAsync(DbConnection connection, DbTransaction transaction, string entity, string nameOrId)
    {
        const string sql = SelectField + " WHERE entity = @entity AND (id = @key OR name = lower(@key))";
        var row = await connection.QuerySingleOrDefaultAsync<FieldRow>(sql, new { entity, key = nameOrId.Trim() }, transaction);
        return row?.ToView();
    }

    public static Task InsertAsync(DbConnection connection, DbTransaction transaction, CustomFieldView field)
    {
        const string sql = """
            INSERT INTO custom_fields (id, entity, name, label, type, options, currency, description, position, created_at, updated_at)
            VALUES (@Id, @Entity, @Name, @Label, @Type, @Options, @Currency, @Description,
                    COALESCE((SELECT MAX(position) + 1 FROM custom_fields WHERE entity = @Entity), 1), @CreatedAt, @UpdatedAt)
            """;
        return connection.ExecuteAsync(sql, new
        {
            field.Id, field.Entity, field.Name, field.Label, field.Type, Options = OptionsJson(field), field.Currency, field.Description,
            field.CreatedAt, field.UpdatedAt,
        }, transaction);
    }

    public static Task UpdateAsync(DbConnection connection, DbTransaction transaction, CustomFieldView field)
    {
        const string sql = """
            UPDATE custom_fields SET name = @Name, label = @Label, options = @Options, description = @Description,
                                     updated_at = @UpdatedAt
            WHERE id = @Id
            """;
        return connection.ExecuteAsync(sql, new { field.Id, field.Name, field.Label, Options = OptionsJson(field), field.Description, field.UpdatedAt }, transaction);
    }

    // Parameters are typed at each call (not built here as an object): Dapper.AOT maps what it can see at compile time.
    private static string? OptionsJson(CustomFieldView f) =>
        f.Options is null ? null : JsonSerializer.Serialize(f.Options, CommonJsonContext.Default.IReadOnlyListString);

    public static Task<long> CountAsync(DbConnection connection, DbTransaction transaction, string entity)
    {
        const string sql = "SELECT COUNT(*) FROM custom_fields WHERE entity = @entity";
        return connection.ExecuteScalarAsync<long>(sql, new { entity }, transaction);
    }

    /// <summary>Deletes a field and its values; returns how many values went with it.</summary>
    public static async Task<long> DeleteAsync(DbConnection connection, DbTransaction transaction, string fieldId)
    {
        const string sql = """
            DELETE FROM custom_field_values WHERE field_id = @fieldId;
            DELETE FROM custom_fields WHERE id = @fieldId;
            """;
        const string countSql = "SELECT COUNT(*) FROM custom_field_values WHERE field_id = @fieldId";
        var values = await connection.ExecuteScalarAsync<long>(countSql, new { fieldId }, transaction);
        await connection.ExecuteAsync(sql, new { fieldId }, transaction);
        return values;
    }

    /// <summary>The record's id, or a not_found error naming the field and the accepted form.</summary>
    public static async Task<string> RecordIdAsync(DbConnection connection, DbTransaction transaction, CustomFieldEntity entity, string key, string field)
    {
        // A deal goes by the one deal-reference rule of every tool (UUID, identifier, exact name; candidates on a miss).
        if (entity.Name == "deals") return await Resolution.Lookup.DealIdAsync(connection, transaction, key, field);
        var trimmed = Guid.TryParse(key, out var guid) ? guid.ToString() : key.Trim();
        var ids = (await connection.QueryAsync<string>(entity.FindSql,
            new { key = trimmed, nameKey = Resolution.NameKeys.Company(trimmed), emailKey = Resolution.NameKeys.Email(trimmed) }, transaction)).ToList();
        return ids.Count switch
        {
            1 => ids[0],
            0 => throw new CrmError(ErrorCodes.NotFound, field, $"{field}: no {entity.Singular} is '{Validate.Shorten(key)}'.", entity.RecordForm),
            _ => throw new CrmError(ErrorCodes.NeedsDisambiguation, field, $"{field}: '{Validate.Shorten(key)}' fits several {entity.Name}.", "the record's UUID"),
        };
    }

    public static Task SetValueAsync(DbConnection connection, DbTransaction transaction, string fieldId, string entityId, StoredValue? value, string now)
    {
        const string clearSql = "DELETE FROM custom_field_values WHERE field_id = @fieldId AND entity_id = @entityId";
        const string upsertSql = """
            INSERT INTO custom_field_values (field_id, entity_id, text_value, number_value, updated_at)
            VALUES (@fieldId, @entityId, @Text, @Number, @now)
            ON CONFLICT (field_id, entity_id) DO UPDATE
            SET text_value = excluded.text_value, number_value = excluded.number_value, updated_at = excluded.updated_at
            """;
        return value is null
            ? connection.ExecuteAsync(clearSql, new { fieldId, entityId }, transaction)
            : connection.ExecuteAsync(upsertSql, new { fieldId, entityId, value.Text, value.Number, now }, transaction);
    }

    // A class: number_value comes back as INTEGER or REAL, which Dapper converts for a property but not a constructor.
    internal sealed class ValueRow
    {
        public string EntityId { get; init; } = "";
        public string Name { get; init; } = "";
        public string Type { get; init; } = "";
        public string? TextValue { get; init; }
        public double? NumberValue { get; init; }
    }

    /// <summary>Every custom field value of these records, as a JSON object per record id (fields in their order).</summary>
    public static async Task<IReadOnlyDictionary<string, JsonObject>> ValuesAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyCollection<string> entityIds)
    {
        var result = WithoutValues(entityIds);
        if (result.Count == 0) return result;
        const string sql = """
            SELECT v.entity_id AS EntityId, f.name, f.type, v.text_value AS TextValue, v.number_value AS NumberValue
            FROM custom_field_values v JOIN custom_fields f ON f.id = v.field_id
            WHERE v.entity_id IN (SELECT value FROM json_each(@ids))
            ORDER BY f.position, f.name
            """;
        foreach (var row in await connection.QueryAsync<ValueRow>(sql, new { ids = SqlList.Json(result.Keys) }, transaction))
            result[row.EntityId][row.Name] = CustomFieldTypes.Read(row.Type, row.TextValue, row.NumberValue);
        return result;
    }

    /// <summary>The values of records created in this call, which have none yet: what <see cref="ValuesAsync"/> would
    /// read, without the read.</summary>
    public static Dictionary<string, JsonObject> WithoutValues(IReadOnlyCollection<string> entityIds) =>
        entityIds.Distinct().ToDictionary(id => id, _ => new JsonObject());

    /// <summary>How many records hold each of these options (single_select: the value; multi_select: in the array).</summary>
    public static async Task<long> OptionUsageAsync(DbConnection connection, DbTransaction transaction, CustomFieldView field, string option)
    {
        const string singleSql = "SELECT COUNT(*) FROM custom_field_values WHERE field_id = @Id AND text_value = @option";
        const string multiSql = """
            SELECT COUNT(*) FROM custom_field_values v
            WHERE v.field_id = @Id AND EXISTS (SELECT 1 FROM json_each(v.text_value) je WHERE je.value = @option)
            """;
        return await connection.ExecuteScalarAsync<long>(field.Type == CustomFieldTypes.MultiSelect ? multiSql : singleSql,
            new { field.Id, option }, transaction);
    }

    /// <summary>Rewrites stored values from one option to another (a multi_select keeps its order, without duplicates).</summary>
    public static async Task RenameOptionAsync(DbConnection connection, DbTransaction transaction, CustomFieldView field, string from, string to, string now)
    {
        const string singleSql = """
            UPDATE custom_field_values SET text_value = @to, updated_at = @now WHERE field_id = @Id AND text_value = @from
            """;
        const string multiSql = """
            UPDATE custom_field_values
            SET text_value = (
                    SELECT json_group_array(value) FROM (
                        SELECT CASE WHEN je.value = @from THEN @to ELSE je.value END AS value, MIN(je.key) AS k
                        FROM json_each(custom_field_values.text_value) je
                        GROUP BY 1 ORDER BY k) renamed),
                updated_at = @now
            WHERE field_id = @Id AND EXISTS (SELECT 1 FROM json_each(text_value) je WHERE je.value = @from)
            """;
        await connection.ExecuteAsync(field.Type == CustomFieldTypes.MultiSelect ? multiSql : singleSql,
            new { field.Id, from, to, now }, transaction);
    }
}
