using System.Data.Common;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.Journal;

/// <summary>The names a caller may use for a journaled table: the table, its singular, or its webhook entity
/// (contact = people, organization = companies).</summary>
public static class EntityNames
{
    private static readonly Dictionary<string, string> Aliases = BuildAliases();

    public static string Table(string entity)
    {
        var key = entity.Trim().ToLowerInvariant().Replace('-', '_').Replace(' ', '_');
        return Aliases.TryGetValue(key, out var table)
            ? table
            : throw CrmError.Invalid("entity", $"'{Validate.Shorten(entity)}' is not a journaled kind of record.",
                $"one of {string.Join(", ", JournaledTables.All.Select(t => t.Name))} (or a singular such as \"deal\", \"contact\")");
    }

    /// <summary>A UUID in canonical form; a deal identifier (DEAL-001) becomes its deal's id; other text is used as is.</summary>
    public static async Task<string> RecordIdAsync(DbConnection connection, DbTransaction transaction, string value)
    {
        if (Guid.TryParse(value, out var guid)) return guid.ToString();
        const string sql = "SELECT id FROM deals WHERE identifier = @value COLLATE NOCASE";
        return await connection.QuerySingleOrDefaultAsync<string>(sql, new { value }, transaction) ?? value;
    }

    private static Dictionary<string, string> BuildAliases()
    {
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in JournaledTables.All)
        {
            aliases[table.Name] = table.Name;
            aliases[Singular(table.Name)] = table.Name;
            if (table.WebhookEntity is { } entity)
            {
                aliases[entity] = table.Name;
                aliases[entity + "s"] = table.Name;
            }
        }
        return aliases;
    }

    private static string Singular(string table) => string.Join('_', table.Split('_').Select(part => part switch
    {
        "people" => "person",
        "companies" => "company",
        _ when part.EndsWith("ies", StringComparison.Ordinal) => part[..^3] + "y",
        _ when part.EndsWith('s') => part[..^1],
        _ => part,
    }));
}
