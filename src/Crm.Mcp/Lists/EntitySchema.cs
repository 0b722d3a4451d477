using System.Data.Common;
using Dapper;

namespace Crm.Mcp.Lists;

/// <summary>
/// One filterable, sortable field of an entity. <see cref="Sql"/> is an expression over the entity's FROM clause
/// (e.g. "d.amount_minor"); it comes from code or from a field provider, never from a caller, and any value it needs
/// is a named parameter in <see cref="Parameters"/> (e.g. a custom field's key), so the SQL stays parameterized.
/// </summary>
public sealed record FieldDef(string Name, FieldType Type, string Sql)
{
    public string? Description { get; init; }
    /// <summary>Allowed values of a select field (matched case-insensitively); null accepts any text.</summary>
    public IReadOnlyList<string>? Options { get; init; }
    /// <summary>Every stored value is one of <see cref="Options"/> spelled exactly so (the writers store the canonical
    /// option, e.g. a currency's ISO code), so equality may compare it as stored and seek an index.</summary>
    public bool StoredAsOption { get; init; }
    /// <summary>A parameterless query listing the allowed values at request time (e.g. stage names); fills Options.</summary>
    public string? OptionsSql { get; init; }
    /// <summary>Narrows the type's operators; null keeps them all.</summary>
    public IReadOnlyList<string>? Ops { get; init; }
    public bool Sortable { get; init; } = true;
    /// <summary>Never NULL in the database: a sort on it needs no nulls-last term, so an index on it can serve the
    /// order and a page stops reading after limit+1 rows instead of sorting every match.</summary>
    public bool NotNull { get; init; }
    /// <summary>What to order by when it is not the value itself (a stage sorts by its position, not its name).</summary>
    public string? SortSql { get; init; }
    /// <summary>Matched by the free-text `search` argument.</summary>
    public bool Searchable { get; init; }
    /// <summary>True for a user-defined field (from a field provider).</summary>
    public bool Custom { get; init; }
    /// <summary>Named parameters <see cref="Sql"/> uses; prefix them (e.g. @cf_) so they never clash with the engine's @lp*.</summary>
    public IReadOnlyDictionary<string, object?>? Parameters { get; init; }

    /// <summary>A field that names another record (company, stage, person, user, pipeline): equals, in and has_any
    /// compare through the resolver's keys ("Acme" finds "Acme, Inc."), and a name that matches nothing is an error
    /// with candidates, never an empty page.</summary>
    public ReferenceDef? Reference { get; init; }

    /// <summary>For an amount: the name of the field holding its currency. Amounts in different currencies are
    /// never compared with each other: a sort groups by currency first, a comparison needs one currency.</summary>
    public string? CurrencyField { get; init; }

    /// <summary>For an amount: its minor-unit column (the amount is <see cref="Common.Money.MajorUnitsSql"/> of it).
    /// With its currency pinned to one stored option, a count compares this column (see ListEngine's count forms).</summary>
    public string? MinorUnitsSql { get; init; }

    public IReadOnlyList<string> Operators => Ops ?? FilterOps.For(Type);
}

/// <summary>What a reference field points at, and SQL true when the row references one of the ids ("{ids}" is
/// replaced by the id parameters), e.g. "d.company_id IN ({ids})".</summary>
public sealed record ReferenceDef(Resolution.ReferenceKind Kind, string MatchSql);

/// <summary>A sort key as an entity declares its default order.</summary>
public sealed record SortKey(string Field, bool Descending = false);

/// <summary>
/// Everything the list engine needs to know about an entity: the FROM clause its field expressions refer to, the id
/// expression (the last tie-breaker of every sort, so keyset paging is exact), its fields and its default order.
/// A LEFT JOIN in From must join on a unique key: a count that uses none of its columns leaves it out.
/// </summary>
public sealed record EntitySchema(string Entity, string From, string IdSql, IReadOnlyList<FieldDef> Fields, IReadOnlyList<SortKey> DefaultSort)
{
    /// <summary>Other names people use for a field ("value", "price", "deal value", "size" for amount); compared
    /// case-insensitively with spaces, hyphens and underscores alike.</summary>
    public IReadOnlyDictionary<string, string>? Aliases { get; init; }

    public FieldDef? Find(string name)
    {
        var trimmed = name.Trim();
        var field = Fields.FirstOrDefault(f => string.Equals(f.Name, trimmed, StringComparison.OrdinalIgnoreCase));
        if (field is not null || Aliases is null) return field;
        var alias = string.Join('_', trimmed.ToLowerInvariant().Split([' ', '-', '_'], StringSplitOptions.RemoveEmptyEntries));
        return Aliases.TryGetValue(alias, out var target) ? Find(target) : null;
    }

    /// <summary>This schema plus more fields (custom fields); a name already taken is a programming error.</summary>
    public EntitySchema With(IEnumerable<FieldDef> more)
    {
        var added = more.ToList();
        if (added.FirstOrDefault(f => Fields.Any(x => string.Equals(x.Name, f.Name, StringComparison.OrdinalIgnoreCase))) is { } clash)
            throw new InvalidOperationException($"{Entity}: field '{clash.Name}' is declared twice.");
        return this with { Fields = [.. Fields, .. added] };
    }
}

/// <summary>An entity's built-in fields, declared once in its feature folder and listed in <see cref="FieldRegistry.BuiltIn"/>.</summary>
public interface IEntityFields
{
    EntitySchema Schema { get; }
}

/// <summary>Adds fields to an entity at request time, e.g. custom fields read from a custom_fields table.
/// Register implementations in DI (services.AddSingleton&lt;IFieldProvider, ...&gt;()).</summary>
public interface IFieldProvider
{
    Task<IReadOnlyList<FieldDef>> FieldsAsync(string entity, DbConnection connection, DbTransaction transaction);
}

/// <summary>The field catalog of every listed entity: built-in fields plus whatever the providers add, with select
/// options read from the database. get_&lt;plural&gt; tools and get_entity_configuration read it.</summary>
public sealed class FieldRegistry(IEnumerable<IFieldProvider> providers)
{
    /// <summary>Listed by name, not found with Assembly.GetTypes() (the native build cannot): a new entity's fields are
    /// added here, and a test fails until they are.</summary>
    public static IReadOnlyDictionary<string, EntitySchema> BuiltIn { get; } = new IEntityFields[]
        {
            new Features.Activities.ActivityFields(), new Features.Companies.CompanyFields(), new Features.Contacts.ContactFields(), new Features.Deals.DealFields(),
            new Features.Services.ServiceFields(), new Features.Tasks.TaskFields(), new Features.Users.UserFields(),
        }
        .Select(f => f.Schema)
        .ToDictionary(s => s.Entity, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<string> Entities => BuiltIn.Keys.Order().ToList();

    public FieldRegistry() : this([]) { }

    public Task<EntitySchema> LoadAsync(string entity, DbConnection connection, DbTransaction transaction) =>
        LoadAsync(BuiltIn.TryGetValue(entity, out var schema) ? schema : throw new ArgumentException($"No entity '{entity}' is registered.", nameof(entity)),
            connection, transaction);

    public async Task<EntitySchema> LoadAsync(EntitySchema schema, DbConnection connection, DbTransaction transaction)
    {
        foreach (var provider in providers)
            schema = schema.With(await provider.FieldsAsync(schema.Entity, connection, transaction));
        var fields = new List<FieldDef>(schema.Fields.Count);
        foreach (var field in schema.Fields)
            fields.Add(field.OptionsSql is null
                ? field
                : field with { Options = (await connection.QueryAsync<string>(field.OptionsSql, transaction: transaction)).ToList() });
        return schema with { Fields = fields };
    }
}
