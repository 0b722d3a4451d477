using System.Data.Common;
using Crm.Mcp.Bulk;
using Crm.Mcp.Common;
using Crm.Mcp.Resolution;

namespace Crm.Mcp.Features.Contacts;

/// <summary>
/// create_contacts' set-based path (<see cref="Bulk.SetBased{TItem,T}"/>). An item never looks for its person, so
/// what the item path would do for a run of valid items is known from three facts: which of their emails are in use
/// (one join), whether each owner exists, and how each item's company resolves — all of the run's companies at once
/// (<see cref="Resolver.PlanCompaniesAsync"/>: the item path's answers, near names and refusals included). Then one
/// INSERT … SELECT writes the new companies, one the people and one their company links. The run stops before the
/// first item whose email is in use or whose owner or company the plan cannot settle: that item takes the item path,
/// which reports it as it always has.
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
                Company(item, path);
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
        for (var k = 0; k < count; k++)
        {
            var (item, path) = run[k];
            if (item.OwnerId is not { } owner) continue;
            try
            {
                if (!owners.ContainsKey(owner)) owners[owner] = await resolver.RequireUserAsync(connection, transaction, owner, $"{path}.owner_id");
                rows[k].OwnerId = owners[owner];
            }
            catch (CrmError)
            {
                count = k;
                break;
            }
        }
        // Every company of the run at once, as the item path would resolve each (Resolver.PlanCompaniesAsync).
        var plan = await resolver.PlanCompaniesAsync(connection, transaction, run.Take(count).Select(r =>
        {
            var (id, name, key) = Company(r.Item, r.Path);
            return new CompanyArgs(id, name, key, $"{r.Path}.company_id", $"{r.Path}.company_name");
        }).ToList());
        count = plan.Count;
        var resolved = plan.Resolved;
        if (count == 0) return [];

        await Resolver.CreatePlannedAsync(connection, transaction, plan, count);
        await ContactSql.InsertManyAsync(connection, transaction, rows.Take(count));
        await ContactSql.LinkManyAsync(connection, transaction,
            Enumerable.Range(0, count).Where(k => resolved[k] is not null).Select(k => (rows[k].Id, resolved[k]!.Id)), now);
        return Enumerable.Range(0, count).Select(k => new ContactCreated(new BulkRecord(rows[k].Id, rows[k].FullName), resolved[k])).ToList();
    }

    /// <summary>The resolver's own checks of the company arguments: its id, its name and the name's key.</summary>
    private static (string? Id, string? Name, string? Key) Company(ContactInput item, string path)
    {
        var id = Validate.Uuid($"{path}.company_id", item.CompanyId);
        var name = Validate.Text($"{path}.company_name", item.CompanyName, 200, "\"Acme, Inc.\"");
        var key = name is null ? null : NameKeys.Company(name);
        if (key is { Length: 0 }) throw CrmError.Invalid($"{path}.company_name", "has no letters or digits.", "a company name");
        return (id, name, key);
    }
}
