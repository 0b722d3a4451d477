using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Crm.Mcp.Resolution;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Duplicates;

[McpServerToolType]
public sealed class DuplicateTools(CrmDb db)
{
    private const int MaxScanned = 20_000;

    [McpServerTool(Name = "find_duplicates", Title = "Find duplicate companies or people", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("""
        List likely duplicate companies or people as ranked pairs with a score and the reason (same normalized name or
        domain, a typo, another word order); merge_records the real ones.
        Example: {"kind": "companies", "min_score": 0.85}
        """)]
    public async Task<DuplicateListResponse> FindDuplicates(
        [Description("\"companies\" or \"people\".")] string kind,
        [Description("0.5 to 1. Default 0.8 (1 = same normalized name).")] double? min_score = null,
        [Description("Most pairs to return, 1 to 100. Default 25.")] int? limit = null,
        CancellationToken cancellationToken = default)
    {
        var target = KindOf(kind, "kind");
        var take = Validate.Limit(limit);
        var threshold = min_score ?? NameSimilarity.Listed;
        if (threshold is < 0.5 or > 1 || double.IsNaN(threshold))
            throw CrmError.Invalid("min_score", $"{threshold} is out of range.", "a number from 0.5 to 1, e.g. 0.85");

        return await db.ReadAsync(async (connection, transaction) =>
        {
            var pairs = new Dictionary<(string, string), DuplicatePair>();
            void Add(DuplicateSide a, DuplicateSide b, double score, string why)
            {
                if (score < threshold || a.Id == b.Id) return;
                var (first, second) = string.CompareOrdinal(a.Id, b.Id) < 0 ? (a, b) : (b, a);
                var pairKey = (first.Id, second.Id);
                if (pairs.TryGetValue(pairKey, out var known))
                {
                    if (known.Why.Contains(why, StringComparison.Ordinal)) return;
                    pairs[pairKey] = known with { Score = Math.Max(known.Score, score), Why = $"{known.Why}; {why}" };
                }
                else pairs[pairKey] = new DuplicatePair(score, why, first, second);
            }

            long scanned;
            if (target == DuplicateSql.Companies)
            {
                var companies = await DuplicateSql.AllCompaniesAsync(connection, transaction, MaxScanned);
                scanned = companies.Count;
                var sides = companies.ToDictionary(c => c.Id, c => new DuplicateSide(c.Id, c.Name, null, Domains.Normalize(c.Domain) ?? Domains.FromWebsite(c.Website)));
                foreach (var group in sides.Values.Where(s => s.Domain is not null).GroupBy(s => s.Domain!).Where(g => g.Count() > 1))
                {
                    var members = group.ToList();
                    for (var i = 0; i < members.Count; i++)
                    for (var j = i + 1; j < members.Count; j++)
                        Add(members[i], members[j], 0.95, $"same domain {group.Key}");
                }
                foreach (var company in companies)
                foreach (var near in await Resolver.NearCompaniesAsync(connection, transaction, company.NameKey, company.Id))
                    Add(sides[company.Id], sides[near.Id], near.Score, near.Why);
            }
            else
            {
                var people = await DuplicateSql.AllPeopleAsync(connection, transaction, MaxScanned);
                scanned = people.Count;
                var sides = people.ToDictionary(p => p.Id, p => new DuplicateSide(p.Id, p.FullName, p.Email, Domains.FromEmail(p.Email)));
                foreach (var group in people.Where(p => p.Phone is { Length: >= 7 }).GroupBy(p => new string(p.Phone!.Where(char.IsDigit).ToArray())).Where(g => g.Key.Length >= 7 && g.Count() > 1))
                {
                    var members = group.ToList();
                    for (var i = 0; i < members.Count; i++)
                    for (var j = i + 1; j < members.Count; j++)
                        Add(sides[members[i].Id], sides[members[j].Id], 0.9, "same phone number");
                }
                // jane+crm@ and jane@ at one domain reach one mailbox.
                foreach (var group in people.Where(p => p.Email is not null).GroupBy(p => NameKeys.Mailbox(NameKeys.Email(p.Email!))).Where(g => g.Count() > 1))
                {
                    var members = group.ToList();
                    for (var i = 0; i < members.Count; i++)
                    for (var j = i + 1; j < members.Count; j++)
                        Add(sides[members[i].Id], sides[members[j].Id], 0.95, "same mailbox, other +tag");
                }
                foreach (var person in people)
                foreach (var near in await Resolver.NearPeopleAsync(connection, transaction, person.NameKey, person.Id))
                    Add(sides[person.Id], sides[near.Id], near.Score, near.Why);
            }
            var ranked = pairs.Values.OrderByDescending(p => p.Score).ThenBy(p => p.A.Name, StringComparer.Ordinal).ThenBy(p => p.B.Name, StringComparer.Ordinal).Take(take).ToList();
            return new DuplicateListResponse(new DuplicateList(target.Name, ranked, scanned), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "merge_records", Title = "Merge duplicate records", ReadOnly = false, Destructive = true,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Merge duplicate companies or people into one survivor: every deal, link, note and task of a duplicate moves to it,
        fields it lacks are filled in, and the duplicates are deleted (irreversible; their content stays in the merge
        audit). Preview with dry_run. Example: {"kind": "company", "survivor_id": "3f2b8a1e-...", "duplicate_ids": ["9a8b7c6d-..."]}
        """)]
    public async Task<MergeResponse> MergeRecords(
        [Description("\"company\" or \"person\".")] string kind,
        [Description("UUID of the record to keep.")] string survivor_id,
        [Description("1 to 50 UUIDs of duplicates to fold into the survivor and delete.")] string[] duplicate_ids,
        CancellationToken cancellationToken = default)
    {
        var target = KindOf(kind, "kind");
        var survivorId = Validate.Uuid("survivor_id", survivor_id)
                         ?? throw CrmError.Invalid("survivor_id", "is required.", Validate.UuidForm);
        var duplicateIds = Validate.Uuids("duplicate_ids", duplicate_ids);
        if (duplicateIds.Count is 0 or > 50)
            throw CrmError.Invalid("duplicate_ids", $"has {duplicateIds.Count} ids.", "1 to 50 UUIDs of records to merge into the survivor");
        if (duplicateIds.Contains(survivorId))
            throw CrmError.Invalid("duplicate_ids", "contains the survivor_id itself.", "the ids of the other records only");

        return await db.WriteAsync(async (connection, transaction) =>
        {
            var survivor = await DuplicateSql.RowAsync(connection, transaction, target, survivorId)
                           ?? throw CrmError.NotFound("survivor_id", target.Singular, survivorId);
            var references = await DuplicateSql.ReferencesToAsync(connection, transaction, target.Table);
            var now = Clock.NowIso();
            var merged = new List<MergedRecord>();
            for (var i = 0; i < duplicateIds.Count; i++)
            {
                var duplicate = await DuplicateSql.RowAsync(connection, transaction, target, duplicateIds[i])
                                ?? throw CrmError.NotFound($"duplicate_ids[{i}]", target.Singular, duplicateIds[i]);
                var former = duplicate.ToDictionary(p => p.Key, p => p.Value);
                var moved = new SortedDictionary<string, long>(StringComparer.Ordinal);
                var dropped = new SortedDictionary<string, long>(StringComparer.Ordinal);
                foreach (var reference in references)
                {
                    var (movedRows, droppedRows) = await DuplicateSql.MoveAsync(connection, transaction, reference, survivorId, duplicateIds[i]);
                    if (movedRows > 0) moved[$"{reference.TableName}.{reference.ColumnName}"] = movedRows;
                    if (droppedRows > 0) dropped[$"{reference.TableName}.{reference.ColumnName}"] = droppedRows;
                }
                await DuplicateSql.DeleteAsync(connection, transaction, target, duplicateIds[i]);
                var filled = await DuplicateSql.FillGapsAsync(connection, transaction, target, survivorId, former, now);
                var auditId = await DuplicateSql.AuditAsync(connection, transaction, target, survivorId, former, moved, now);
                merged.Add(new MergedRecord(duplicateIds[i], (string)former[target.NameColumn]!, moved, dropped, filled, auditId));
            }
            await DuplicateSql.JournalMergeAsync(connection, transaction, target, survivorId, duplicateIds);
            var after = (await DuplicateSql.RowAsync(connection, transaction, target, survivorId))!;
            var email = after.TryGetValue("email", out var e) ? e as string : null;
            var domain = after.TryGetValue("domain", out var d) ? Domains.Normalize(d as string) ?? Domains.FromWebsite(after["website"] as string) : Domains.FromEmail(email);
            var side = new DuplicateSide(survivorId, (string)after[target.NameColumn]!, email, domain);
            return new MergeResponse(new MergeResult(target.Singular, side, merged), true);
        }, cancellationToken);
    }

    private static DuplicateSql.Kind KindOf(string? kind, string field) => kind?.Trim().ToLowerInvariant() switch
    {
        "company" or "companies" => DuplicateSql.Companies,
        "person" or "people" or "contact" or "contacts" => DuplicateSql.People,
        _ => throw CrmError.Invalid(field, $"'{Validate.Shorten(kind ?? "")}' is not a kind of record that can have duplicates.", "\"companies\" or \"people\""),
    };
}
