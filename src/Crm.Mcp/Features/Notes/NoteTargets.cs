using System.Data.Common;
using Crm.Mcp.Common;
using Crm.Mcp.Resolution;

namespace Crm.Mcp.Features.Notes;

/// <summary>A kind of record that carries Markdown notes: the table and name column (from code, never from a caller)
/// and how a caller's reference (id, name, identifier, email) becomes an id.</summary>
public sealed record NoteTarget(
    string Entity, string Table, string NameColumn,
    Func<DbConnection, DbTransaction, string, string, Task<string>> FindIdAsync);

/// <summary>Every entity append_note and set_notes accept. Another entity joins with one line here.</summary>
public static class NoteTargets
{
    private static readonly NoteTarget[] Targets =
    [
        new("deal", "deals", "name", Lookup.DealIdAsync),
        new("company", "companies", "name", Lookup.CompanyIdAsync),
        new("contact", "people", "full_name", Lookup.PersonIdAsync),
        new("task", "tasks", "title", async (connection, transaction, reference, field) =>
            (await EntityLookup.TaskAsync(connection, transaction, reference, field)).Id),
    ];

    public static string Names => string.Join(", ", Targets.Select(t => t.Entity));

    /// <summary>"deal", "deals" and "Deal" all name the deal target.</summary>
    public static NoteTarget Find(string field, string? entity)
    {
        var key = entity?.Trim().ToLowerInvariant() ?? "";
        return Targets.FirstOrDefault(t => t.Entity == key || t.Table == key || key == t.Entity + "s" || (t.Entity == "contact" && key is "person" or "people"))
               ?? throw CrmError.Invalid(field, $"'{Validate.Shorten(entity ?? "")}' is not an entity with notes.", $"one of: {Names}");
    }
}
