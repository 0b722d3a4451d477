using System.ComponentModel;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Services;
using Crm.Mcp.Hosting;
using Crm.Mcp.Lists;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.CustomFields;

[Toolset("context")]
[McpServerToolType]
public sealed class ConfigurationTools(CrmDb db, FieldRegistry registry)
{
    [McpServerTool(Name = "get_entity_configuration", Title = "Get entity configuration", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("""
        The fields each list can filter and sort on, with types, operators and allowed values (custom fields too).
        Example: {"entity": "deals"}
        """)]
    public async Task<ConfigurationResponse> GetEntityConfiguration(
        [Description("deals, companies, contacts, tasks or services; default: all.")] string? entity = null,
        CancellationToken cancellationToken = default)
    {
        // Services take no custom fields but filter and sort like the others, so they are listed with fields only.
        IReadOnlyList<string> wanted = entity is null ? [.. CustomFieldSql.Entities.Select(e => e.Name), ServiceFields.Entity]
            : IsServices(entity) ? [ServiceFields.Entity] : [CustomFieldSql.Entity("entity", entity).Name];
        var entities = await db.ReadAsync(async (connection, transaction) =>
        {
            var result = new List<EntityConfiguration>();
            foreach (var target in wanted)
            {
                IReadOnlyList<FieldInfo> fields = [];
                if (FieldRegistry.BuiltIn.ContainsKey(target))
                    fields = (await registry.LoadAsync(target, connection, transaction)).Fields
                        .Select(f => new FieldInfo(f.Name, f.Type.Name(), f.Operators.SequenceEqual(FilterOps.For(f.Type)) ? null : f.Operators,
                            f.Options, f.Sortable, f.Searchable, f.Custom, f.Description))
                        .ToList();
                List<CustomFieldInfo> custom = target == ServiceFields.Entity ? [] : (await CustomFieldSql.ListAsync(connection, transaction, target))
                    .Select(c => new CustomFieldInfo(c, CustomFieldTypes.Form(c), fields.Any(f => f.Custom && f.Name == c.Name)))
                    .ToList();
                result.Add(new EntityConfiguration(target, fields, custom));
            }
            return result;
        }, cancellationToken);
        var operators = Enum.GetValues<FieldType>().ToDictionary(t => t.Name(), FilterOps.For);
        return new ConfigurationResponse(new ConfigurationResult(operators, entities, CustomFieldTypes.All), true);
    }

    private static bool IsServices(string entity) => entity.Trim().ToLowerInvariant() is "services" or "service";
}
