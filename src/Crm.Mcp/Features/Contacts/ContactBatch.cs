using System.Data.Common;
using Crm.Mcp.Bulk;
using Crm.Mcp.Common;
using Crm.Mcp.Resolution;

namespace Crm.Mcp.Features.Contacts;

/// <summary>
/// create_contacts' set-based path (<see cref="Bulk.SetBased{TItem,T}"/>). An item never looks for its person, so
/// what the item path would do for a run of valid items is known from three facts: which of their emails are in use
/// (one join), whether each owner exists, and how each distinct company resolves — asked of the resolver once, for
/// the first item that names it, exactly as the item path asks (near names, candidates and refusals included); the
/// items after it that name the same company find it by its name, as they would. Then one INSERT … SELECT writes the
/// people and one their company links. The run stops before the first item whose email is in use or whose owner or
/// company is refused: that item takes the item path, which reports it as it always has.
/// </summary>
internal static class ContactBatch
{
    public static bool[] Eligible(IReadOnlyList<ContactInput> items, string field)
    {
        var eligible = new bool[items.Count];
        var emails = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not { } item) continue;
            var path = $"{field}[{i}]";
            try
            {
                var (name, first, last, email) = ContactTools.Validated(item, path);
                var row = ContactTools.NewRow(item, path, name, first, last, email, "");
                Validate.Uuid($"{path}.owner_id", item.OwnerId);
                CompanyKey(item, path);
                // A later item with an email an earlier one has is refused (the first took it): the item path says so.
                eligible[i] = row.EmailKey is null || emails.Add(row.EmailKey);
            }
            catch (CrmError)
            {
            }
        }
        return eligible;
    }

    public static async Task<IReadOnlyList<ContactCreated>> WriteAsync(DbConnection connection, DbTransaction transaction, Resolver resolver,
        IReadOnlyList<(ContactInput Item, string Path)> run)
    {
        var now = Clock.NowIso();
        var rows = run.Select(r =>
        {
            var (name, first, last, email) = ContactTools.Validated(r.Item, r.Path);
            return ContactTools.NewRow(r.Item, r.Path, name, first, last, email, now);
        }).ToList();
        var taken = await ContactSql.EmailsInUseAsync(connection, transaction, rows.Where(r => r.EmailKey is not null).Select(r => r.EmailKey!));
        var count = rows.FindIndex(r => r.EmailKey is not null && taken.Contains(r.EmailKey));
        if (count < 0) count = rows.Count;

        var owners = new Dictionary<string, string?>(StringComparer.Ordinal);
        var companies = new Dictionary<(string?, string?), ResolvedRecord?>();
        var resolved = new ResolvedRecord?[count];
        for (var k = 0; k < count; k++)
        {
            var (item, path) = run[k];
            try
            {
                if (item.OwnerId is { } owner && !owners.ContainsKey(owner))
                    owners[owner] = await resolver.RequireUserAsync(connection, transaction, owner, $"{path}.owner_id");
                rows[k].OwnerId = item.OwnerId is null ? null : owners[item.OwnerId];
                var key = CompanyKey(item, path);
                if (companies.TryGetValue(key, out var known))
                    // Found by its name now, as the item path would find the company an earlier item created.
                    resolved[k] = known is { Created: true } ? known with { Created = false, MatchedBy = MatchedBy.Name } : known;
                else
                    // No savepoint: a refused company wrote nothing.
                    companies[key] = resolved[k] = await resolver.ResolveCompanyAsync(connection, transaction, item.CompanyId, item.CompanyName,
                        $"{path}.company_id", $"{path}.company_name");
            }
            catch (CrmError)
            {
                count = k;
                break;
            }
        }
        if (count == 0) return [];

        await ContactSql.InsertManyAsync(connection, transaction, rows.Take(count));
        await ContactSql.LinkManyAsync(connection, transaction,
            Enumerable.Range(0, count).Where(k => resolved[k] is not null).Select(k => (rows[k].Id, resolved[k]!.Id)), now);
        return Enumerable.Range(0, count).Select(k => new ContactCreated(new BulkRecord(rows[k].Id, rows[k].FullName), resolved[k])).ToList();
    }

    /// <summary>The resolver's own checks of the company arguments, and what makes two items name one company: its id
    /// and its name key.</summary>
    private static (string?, string?) CompanyKey(ContactInput item, string path)
    {
        var id = Validate.Uuid($"{path}.company_id", item.CompanyId);
        var name = Validate.Text($"{path}.company_name", item.CompanyName, 200, "\"Acme, Inc.\"");
        var key = name is null ? null : NameKeys.Company(name);
        if (key is { Length: 0 }) throw CrmError.Invalid($"{path}.company_name", "has no letters or digits.", "a company name");
        return (id, key);
    }
}
