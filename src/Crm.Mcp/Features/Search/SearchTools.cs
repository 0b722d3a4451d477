using System.ComponentModel;
using System.Data.Common;
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
            var found = SqlDialect.Of(connection).IsPostgres
                ? await PostgresTiersAsync(connection, transaction, parsed, wanted, take)
                : await SqliteTiersAsync(connection, transaction, parsed, wanted, take);
            var dealIds = found.Take(take).Where(f => f.Row.Type == "deal").Select(f => f.Row.Id).ToList();
            var deals = dealIds.Count == 0 ? [] : await SearchSql.DealFactsAsync(connection, transaction, dealIds);
            return (found, deals.ToDictionary(d => d.Id));
        }, cancellationToken);

        var items = hits.found.Take(take)
            .Select(h =>
            {
                var deal = hits.Item2.GetValueOrDefault(h.Row.Id);
                // Three decimals order the hits as well as seventeen and cost the model a fifth of the digits.
                return new SearchHit(h.Row.Type, h.Row.Id, h.Row.Title, h.Row.Snippet ?? h.Row.Title, Math.Round(-h.Row.Rank, 3), h.Match)
                {
                    Identifier = deal?.Identifier, Company = deal?.Company, Stage = deal?.Stage,
                };
            })
            .ToList();
        return new SearchResponse(new SearchResult(items, hits.found.Count > take), true);
    }

    /// <summary>SQLite. Tiers, best first; each fills what the tiers before it left, and one extra hit tells whether
    /// more exist. A tier reads at most <see cref="SearchSql.RankCap"/> candidates, its newest, and ranks them here
    /// (<see cref="SearchRanking"/>). So no statement reads more than a bounded part of a doclist except an AND of
    /// common words; the final hits' snippets are cut from the text the candidates carry.</summary>
    private static async Task<List<(SearchSql.HitRow Row, string Match)>> SqliteTiersAsync(DbConnection connection, DbTransaction transaction,
        SearchQuery.Parsed parsed, IReadOnlyList<string> wanted, int take)
    {
        var types = wanted.Count == Types.Count ? null : SqlList.Json(wanted);
        var corpus = await SearchSql.LastDocIdAsync(connection, transaction);
        var found = new List<(SearchSql.HitRow Row, string Match)>();
        // A term is matched as a whole word when the index holds it so. A prefix of 4+ letters makes FTS5 merge, in memory,
        // the doclists of every word it begins ("jack"*: 1.3 ms at 1M documents; "a"*: 64 ms), where a whole word or a
        // 2–3 letter prefix (their own index, prefix = '2 3') is read lazily and stops at the cap. The longer words such a
        // term begins are still found, by the substring tier. When the all-words tier finds something every term is held
        // whole; only when it finds nothing are the terms probed one by one.
        var prefix = parsed.FoldedWords.Select(words => words is { Length: > 0 } && words[^1].Length is 2 or 3).ToArray();

        async Task<List<SearchSql.HitRow>> Candidates(string table, string match) =>
            await SearchSql.CandidatesAsync(connection, transaction, table,
                new SearchSql.CandidateQuery(match, types, SqlList.Json(found.Select(f => f.Row.DocId)), SearchSql.RankCap));
        void Keep(List<SearchSql.HitRow> candidates, string label, bool substrings)
        {
            SearchRanking.Rank(candidates, parsed.FoldedWords, prefix, substrings, candidates.Count >= SearchSql.RankCap, corpus);
            found.AddRange(candidates.Take(take + 1 - found.Count).Select(c => (c, label)));
        }

        // One term's newest hits are read newest first (they stop at the cap); an AND of several oldest first in a large index.
        async Task<List<SearchSql.HitRow>> AllWords() => parsed.Terms.Count == 1 || corpus < SearchSql.AscendingFromDocuments
            ? await Candidates("search_words", parsed.Words(prefix.Select(p => !p).ToList()).All)
            : await SearchSql.AllWordsCandidatesAsync(connection, transaction, new SearchSql.CandidateQuery(
                parsed.Words(prefix.Select(p => !p).ToList()).All, types, "[]", SearchSql.RankCap));
        var all = await AllWords();
        if (all.Count == 0)
        {
            var changed = false;
            for (var i = 0; i < prefix.Length; i++)
                if (!prefix[i] && !await SearchSql.HoldsAsync(connection, transaction, parsed.WholeWord(i)))
                    prefix[i] = changed = true;
            if (changed) all = await AllWords();
        }
        // More than RankCap records hold all the words: the newest RankCap are ranked, and the records named as the query
        // (with their deals and people), found by key whatever their age, beside them.
        var truncated = all.Count >= SearchSql.RankCap;
        var coveredFrom = truncated ? all.Min(c => c.DocId) : (long?)null;
        if (truncated)
        {
            var named = await SearchSql.NamedAsync(connection, transaction,
                new SearchSql.NamedQuery(Resolution.NameKeys.Company(parsed.Name), Resolution.NameKeys.Person(parsed.Name), types, SearchSql.RankCap));
            SearchRanking.KeepHoldingAll(named, parsed.FoldedWords, prefix);
            var seen = all.Select(h => h.DocId).ToHashSet();
            all.AddRange(named.Where(n => seen.Add(n.DocId)));
        }
        SearchRanking.Rank(all, parsed.FoldedWords, prefix, substrings: false, truncated, corpus, coveredFrom);
        found.AddRange(all.Take(take + 1).Select(c => (c, "all_words")));
        var forms = parsed.Words(prefix.Select(p => !p).ToList());

        // Some of the words: its newest RankCap hits, ranked. Only when every word found nothing does a capped tier first
        // take any two of the words (an AND per pair: the costly part at 1M documents), so that the records nearest to
        // the query stay in reach; after all-words hits the rest of the page is the filler it always was.
        if (forms.Any is not null && found.Count <= take)
        {
            var some = await Candidates("search_words", forms.Any);
            if (some.Count >= SearchSql.RankCap && found.Count == 0 && forms.AnyTwo is not null)
            {
                Keep(await Candidates("search_words", forms.AnyTwo), "some_words", substrings: false);
                var kept = found.Select(f => f.Row.DocId).ToHashSet();
                some.RemoveAll(c => kept.Contains(c.DocId));
            }
            if (found.Count <= take) Keep(some, "some_words", substrings: false);
        }
        if (parsed.Substrings is not null && found.Count <= take)
        {
            var candidates = await Candidates("search_trigrams", parsed.Substrings);
            SearchRanking.KeepSubstringHits(candidates, parsed.FoldedWords, parsed.Terms.Select((_, i) => parsed.SubstringTerm(i) is not null).ToList());
            Keep(candidates, "substring", substrings: true);
        }

        foreach (var hit in found.Take(take))
            hit.Row.Snippet = SearchRanking.Snippet(hit.Row, parsed.FoldedWords, prefix, substrings: hit.Match == "substring");
        return found;
    }

    /// <summary>PostgreSQL. The same tiers, ranked by ts_rank in the database, one statement each; each ranks at most
    /// RankCap hits: a tier that hits more ranks its newest RankCap, after the narrower tiers (whole words before
    /// prefixes, two words before one).
    /// Each tier's documents are found through the query with its prefixes written as the whole words they begin
    /// (search_vocabulary): GIN reads a prefix's every posting into a bitmap, whole words it steps through together.</summary>
    private static async Task<List<(SearchSql.HitRow Row, string Match)>> PostgresTiersAsync(DbConnection connection, DbTransaction transaction,
        SearchQuery.Parsed parsed, IReadOnlyList<string> wanted, int take)
    {
        var found = new List<(SearchSql.HitRow Row, string Match)>();
        var ranked = parsed.Postgres();
        var filter = parsed.Postgres(await SearchSql.PostgresExpansionsAsync(connection, transaction, parsed.PostgresPrefixes));
        async Task<(int Hits, List<SearchSql.HitRow> Rows)> Tier(string table, string filtered, string rank) =>
            await SearchSql.PostgresTierAsync(connection, transaction, table,
                new SearchSql.TierQuery(filtered, rank, wanted, found.Select(f => f.Row.DocId).ToList(), take + 1 - found.Count));
        async Task Bounded((string Rank, string Filter)? match, string label, bool substrings, (string Rank, string Filter)? narrower = null)
        {
            if (match is not var (rank, filtered) || found.Count > take) return;
            var table = substrings ? "search_trigrams" : "search_words";
            var (hits, rows) = await Tier(table, filtered, rank);
            if (hits > SearchSql.RankCap)
            {
                var before = found.Count;
                if (label == "all_words")
                {
                    // The records named as the query, whatever their age: the newest RankCap hits may not hold them.
                    var q = new SearchSql.Query(rank, wanted, found.Select(f => f.Row.DocId).ToList(), take + 1 - found.Count);
                    found.AddRange((await SearchSql.PostgresNamedAsync(connection, transaction, q,
                        Resolution.NameKeys.Company(parsed.Name), Resolution.NameKeys.Person(parsed.Name))).Select(r => (r, label)));
                }
                if (narrower is var (narrowRank, narrowFilter) && found.Count <= take)
                    found.AddRange((await Tier(table, narrowFilter, narrowRank)).Rows.Select(r => (r, label)));
                // What came first is no longer this tier's to rank: rank the rest again (rare: only capped tiers).
                if (found.Count > before)
                {
                    if (found.Count > take) return;
                    rows = (await Tier(table, filtered, rank)).Rows;
                }
            }
            found.AddRange(rows.Select(r => (r, label)));
        }
        await Bounded((ranked.All, filter.All), "all_words", substrings: false, (ranked.AllExact, filter.AllExact));
        // Any two of the words only when every word found nothing, as on SQLite: the pairs are an OR of ANDs, which GIN
        // answers by walking every posting of every word (≈ 7 ms of CPU at 1M documents, none of it skipped); after
        // all-words hits the rest of the page is filler, ranked among the newest any-word hits.
        await Bounded(parsed.Terms.Count > 1 ? (ranked.Any, filter.Any) : null, "some_words", substrings: false,
            ranked.AnyTwo is null || found.Count > 0 ? null : (ranked.AnyTwo, filter.AnyTwo!));
        await Bounded(parsed.PostgresSubstrings is { } substrings ? (substrings, substrings) : null, "substring", substrings: true);
        return found;
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
