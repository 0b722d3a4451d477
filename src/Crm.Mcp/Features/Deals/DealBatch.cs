using System.Data.Common;
using Crm.Mcp.Bulk;
using Crm.Mcp.Common;
using Crm.Mcp.Resolution;

namespace Crm.Mcp.Features.Deals;

/// <summary>
/// create_deals' set-based path (<see cref="SetBased{TItem,T}"/>) for items without people (people resolve one by
/// one, by email and then by name, and keep the item path). For a run of valid items the item path's outcome is
/// known from: each distinct owner, user, company and stage resolved once, for the first item that names it, exactly
/// as the item path resolves it (near names, candidates and refusals included; the items after it find a record it
/// created by its name, as they would); identifiers from one take of the counter per template, in item order, none
/// of them in use; then one INSERT … SELECT, which appends each deal to its stage and company as the item path does.
/// The run stops before the first item whose resolution is refused or whose identifier is taken (and gives back the
/// numbers it took for the items after it); that item takes the item path, which reports it as it always has.
/// </summary>
internal static class DealBatch
{
    public static bool[] Eligible(DealWriter writer, IReadOnlyList<DealInput> items, string field)
    {
        var eligible = new bool[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not { People: null or [], PersonIds: null or [] } item) continue;
            var prefix = $"{field}[{i}].";
            try
            {
                writer.Prepare(item, prefix, defaultDraft: false);
                Validate.Uuid(prefix + "owner_id", item.OwnerId);
                Validate.Uuid(prefix + "user_id", item.UserId);
                CompanyKey(item, prefix);
                StageKey(item, prefix);
                eligible[i] = true;
            }
            catch (CrmError)
            {
            }
        }
        return eligible;
    }

    public static async Task<IReadOnlyList<DealWritten>> WriteAsync(DbConnection connection, DbTransaction transaction, Resolver resolver,
        DealWriter writer, IReadOnlyList<(DealInput Item, string Path)> run)
    {
        var deals = run.Select(r => writer.Prepare(r.Item, r.Path + ".", defaultDraft: false)).ToList();
        var count = deals.Count;

        // Identifiers: each template's counter taken once, the numbers handed out in item order. In the write's
        // transaction (SQLite; PostgreSQL alone or dry) they are taken before resolving, and a run cut short gives back
        // what its tail took; taken detached (PostgreSQL beside other writers) nothing comes back, so they are taken
        // after resolving, for the items that will be written, as the one-item path takes them.
        var detached = DealSql.CountersDetached;
        var identifiers = new string[count];
        async Task<IReadOnlyList<IGrouping<string, int>>> TakeAsync(int items)
        {
            var counters = Enumerable.Range(0, items).GroupBy(k => deals[k].Template.CounterName, StringComparer.Ordinal).ToList();
            foreach (var counter in counters)
            {
                var first = await DealSql.NextCountersAsync(connection, transaction, counter.Key, counter.Count()) - counter.Count() + 1;
                foreach (var (k, j) in counter.Select((k, j) => (k, j))) identifiers[k] = deals[k].Template.Render(first + j);
            }
            return counters;
        }
        var taken = detached ? [] : await TakeAsync(count);
        if (!detached)
        {
            var inUse = new HashSet<string>(await DealSql.IdentifiersInUseAsync(connection, transaction, identifiers), StringComparer.OrdinalIgnoreCase);
            for (var k = 0; k < count; k++)
                if (!inUse.Add(identifiers[k])) { count = k; break; } // taken, or an earlier item's (another template rendering it): the item path skips it
        }

        var users = new Dictionary<string, string?>(StringComparer.Ordinal);
        var companies = new Dictionary<(string?, string?), ResolvedRecord?>();
        var stages = new Dictionary<(string?, string?), (ResolvedRecord Stage, string PipelineId)>();
        var resolved = new (string? Owner, string? User, ResolvedRecord? Company, ResolvedRecord Stage, string PipelineId)[count];
        for (var k = 0; k < count; k++)
        {
            var deal = deals[k];
            var input = deal.Input;
            string F(string name) => deal.Prefix + name;
            var companyKey = CompanyKey(input, deal.Prefix);
            var stageKey = StageKey(input, deal.Prefix);
            async Task<int> Resolve()
            {
                foreach (var (id, field) in new[] { (input.OwnerId, F("owner_id")), (input.UserId, F("user_id")) })
                    if (id is not null && !users.ContainsKey(id))
                        users[id] = await resolver.RequireUserAsync(connection, transaction, id, field);
                var company = companies.TryGetValue(companyKey, out var knownCompany)
                    ? FoundAgain(knownCompany)
                    : companies[companyKey] = await resolver.ResolveCompanyAsync(connection, transaction, input.CompanyId, input.CompanyName, F("company_id"), F("company_name"));
                var stage = stages.TryGetValue(stageKey, out var knownStage)
                    ? knownStage with { Stage = FoundAgain(knownStage.Stage)! }
                    : stages[stageKey] = await resolver.ResolveStageAsync(connection, transaction, input.StageId, input.StageName, null, F("stage_id"), F("stage_name"));
                resolved[k] = (input.OwnerId is null ? null : users[input.OwnerId], input.UserId is null ? null : users[input.UserId], company, stage.Stage, stage.PipelineId);
                return 0;
            }
            try
            {
                // A refused resolution writes nothing, so an item needs a savepoint only when a company it creates may be
                // followed by a refused stage (a savepoint per item is one more statement pair per record).
                if (companies.ContainsKey(companyKey) || stages.ContainsKey(stageKey)) await Resolve();
                else await BulkWrite.RefusableAsync(transaction, Resolve);
            }
            catch (CrmError)
            {
                count = k;
                break;
            }
        }
        foreach (var counter in taken)
            if (counter.Count(k => k >= count) is > 0 and var unused)
                await DealSql.ReturnCountersAsync(connection, transaction, counter.Key, unused);
        if (count == 0) return [];
        if (detached)
        {
            await TakeAsync(count);
            // A number another template's deal already renders (rare) is skipped, as the one-item path skips it.
            var used = new HashSet<string>(await DealSql.IdentifiersInUseAsync(connection, transaction, identifiers.Take(count)), StringComparer.OrdinalIgnoreCase);
            for (var k = 0; k < count; k++)
                while (!used.Add(identifiers[k]))
                    identifiers[k] = await DealWriter.NextIdentifierAsync(connection, transaction, deals[k].Template, deals[k].Prefix);
        }

        var rows = Enumerable.Range(0, count).Select(k =>
        {
            var (deal, r) = (deals[k], resolved[k]);
            return new DealSql.NewDeal(Guid.NewGuid().ToString(), identifiers[k], deal.Name ?? (r.Company is null ? identifiers[k] : $"{r.Company.Name} deal"),
                deal.AmountMinor, deal.Currency.Code, r.Company?.Id, r.PipelineId, r.Stage.Id, r.Owner, r.User, deal.CloseDate, deal.RenewalDate,
                "api", Clock.Format(deal.Now), deal.IsDraft);
        }).ToList();
        await DealSql.InsertManyAsync(connection, transaction, rows);
        return rows.Select((row, k) => new DealWritten(new DealRef(row.Id, row.Identifier, row.Name), resolved[k].Company, resolved[k].Stage, [])).ToList();
    }

    /// <summary>A record an earlier item of the run resolved, as the item path finds it for a later one: one the earlier
    /// item created is now found by its name.</summary>
    private static ResolvedRecord? FoundAgain(ResolvedRecord? record) =>
        record is { Created: true } ? record with { Created = false, MatchedBy = MatchedBy.Name } : record;

    /// <summary>The resolver's checks of the company arguments, and what makes two items name one company.</summary>
    private static (string?, string?) CompanyKey(DealInput item, string prefix)
    {
        var id = Validate.Uuid(prefix + "company_id", item.CompanyId);
        var name = Validate.Text(prefix + "company_name", item.CompanyName, 200, "\"Acme, Inc.\"");
        var key = name is null ? null : NameKeys.Company(name);
        if (key is { Length: 0 }) throw CrmError.Invalid(prefix + "company_name", "has no letters or digits.", "a company name");
        return (id, key);
    }

    /// <summary>The same for the stage.</summary>
    private static (string?, string?) StageKey(DealInput item, string prefix)
    {
        var id = Validate.Uuid(prefix + "stage_id", item.StageId);
        var name = Validate.Text(prefix + "stage_name", item.StageName, 100, "\"Proposal\"");
        var key = name is null ? null : NameKeys.Stage(name);
        if (key is { Length: 0 }) throw CrmError.Invalid(prefix + "stage_name", "has no letters or digits.", "a stage name");
        return (id, key);
    }
}
