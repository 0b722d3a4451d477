using System.Data.Common;
using Crm.Mcp.Resolution;

namespace Crm.Mcp.Lists;

/// <summary>The linked-record shortcuts list tools share (get_tasks, get_activities): a deal, company or contact by
/// name or id, as a has_any filter on the item's links. One wording, one lookup.</summary>
public static class ListShortcuts
{
    public const string DealDoc = "Linked deal: identifier, name or UUID.";
    public const string CompanyDoc = "Linked company: name or UUID.";
    public const string ContactDoc = "Linked contact: email, name or UUID.";

    public static async Task<List<Filter>> LinkedAsync(DbConnection connection, DbTransaction transaction, string? deal, string? company, string? contact)
    {
        var filters = new List<Filter>();
        if (deal is not null)
            filters.Add(Filter.Rule("deal_ids", FilterOps.HasAny, new[] { (await EntityLookup.DealAsync(connection, transaction, deal, "deal")).Id }));
        if (company is not null)
            filters.Add(Filter.Rule("company_ids", FilterOps.HasAny, new[] { (await EntityLookup.CompanyAsync(connection, transaction, company, "company")).Id }));
        if (contact is not null)
            filters.Add(Filter.Rule("contact_ids", FilterOps.HasAny, new[] { (await EntityLookup.ContactAsync(connection, transaction, contact, "contact")).Id }));
        return filters;
    }
}
