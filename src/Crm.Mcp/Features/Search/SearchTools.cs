using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Search;

[McpServerToolType]
public sealed class SearchTools(CrmDb db)
{
    /// <summary>Entity types in the index; each has triggers in a migration that keep its rows current.</summary>
    public static readonly IReadOnlyList<string> Types = ["deal", "company", "contact", "task", "activity"];

    [McpServerTool(Name = "search_all", Title = "Search everything", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("""
        Ranked search across deals, companies, contacts, tasks and logged activities (names, identifiers, emails, domains,
        notes); words match as prefixes, accents ignored. Any text is safe.
        Example: {"query": "acme renewal", "types": ["deal", "company"]}
        """)]
    public async Task<SearchResponse> SearchAll(
        [Description("E.g. \"jane@acme.com\" or \"DEAL-042\".")] string query,
        [Description("Any of deal, company, contact, task, activity. Default: all.")] string[]? types = null,
        [Description("1-50, default 10.")] int? limit = null,
        CancellationToken cancellationToken = default)
    {
        var parsed = SearchQuery.Parse("query", query);
        var take = Validate.Limit(limit, fallback: 10, max: 50);
        var wanted = ReadTypes(types);

        var hits = await db.ReadAsync(async (connection, transaction) =>
        {
            // Tiers, best first; each fills what the tiers before it left, and one extra row tells whether more exist.
            var found = new List<(SearchSql.HitRow Row, string Match)>();
            var postgres = SqlDialect.Of(connection).IsPostgres;
            async Task Add(string? match, string label, bool substrings, long minDocId = 0)
            {
                if (match is null || found.Count > take) return;
                var q = new SearchSql.Query(match, wanted, found.Select(f => f.Row.DocId).ToList(), take + 1 - found.Count, minDocId);
                var rows = substrings
                    ? await SearchSql.SubstringsAsync(connection, transaction, q)
                    : await SearchSql.WordsAsync(connection, transaction, q);
                found.AddRange(rows.Select(r => (r, label)));
            }
            // Each tier ranks at most RankCap hits: a tier that hits more ranks its newest RankCap, after the narrower
            // tiers that keep the best matches in reach (whole words before prefixes, two words before one).
            async Task Bounded(string? match, string label, bool substrings, params string?[] narrower)
            {
                if (match is null || found.Count > take) return;
                var table = substrings ? "search_trigrams" : "search_words";
                var floor = await SearchSql.RankFloorAsync(connection, transaction, table, match);
                if (floor > 0)
                    foreach (var narrow in narrower.OfType<string>())
                        await Add(narrow, label, substrings, await SearchSql.RankFloorAsync(connection, transaction, table, narrow));
                await Add(match, label, substrings, floor);
            }
            await Bounded(postgres ? parsed.PostgresAllWords : parsed.AllWords, "all_words", substrings: false,
                postgres ? parsed.PostgresAllExactWords : parsed.AllExactWords);
            await Bounded(parsed.Terms.Count > 1 ? postgres ? parsed.PostgresAnyWord : parsed.AnyWord : null, "some_words", substrings: false,
                postgres ? parsed.PostgresAnyTwoWords : parsed.AnyTwoWords);
            await Bounded(postgres ? parsed.PostgresSubstrings : parsed.Substrings, "substring", substrings: true);
            var dealIds = found.Take(take).Where(f => f.Row.Type == "deal").Select(f => f.Row.Id).ToList();
            var deals = dealIds.Count == 0 ? [] : await Deals.DealSql.FindManyAsync(connection, transaction, dealIds);
            return (found, deals.ToDictionary(d => d.Id));
        }, cancellationToken);

        var items = hits.found.Take(take)
            .Select(h =>
            {
                var deal = hits.Item2.GetValueOrDefault(h.Row.Id);
                // Three decimals order the hits as well as seventeen and cost the model a fifth of the digits.
                return new SearchHit(h.Row.Type, h.Row.Id, h.Row.Title, h.Row.Snippet ?? h.Row.Title, Math.Round(-h.Row.Rank, 3), h.Match)
                {
                    Identifier = deal?.Identifier, Company = deal?.Company?.Name, Stage = deal?.Stage.Name,
                };
            })
            .ToList();
        return new SearchResponse(new SearchResult(items, hits.found.Count > take), true);
    }

    private static IReadOnlyList<string> ReadTypes(string[]? types)
    {
        if (types is null || types.Length == 0) return Types;
        var result = new List<string>();
        for (var i = 0; i < types.Length; i++)
        {
            var type = types[i]?.Trim().ToLowerInvariant() ?? "";
            if (!Types.Contains(type))
                throw CrmError.Invalid($"types[{i}]", $"'{Validate.Shorten(types[i] ?? "")}' is not a searchable type.", $"one of: {string.Join(", ", Types)}");
            result.Add(type);
        }
        return result.Distinct().ToList();
    }
}
