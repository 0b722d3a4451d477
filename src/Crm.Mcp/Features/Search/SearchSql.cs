using System.Data.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.Search;

/// <summary>Queries over the search index of migration 0030: search_documents with its two FTS5 indexes (SQLite) or
/// its tsvector and pg_trgm indexes (PostgreSQL).</summary>
public static class SearchSql
{
    public sealed class HitRow
    {
        public long DocId { get; init; }
        public string Type { get; init; } = "";
        public string Id { get; init; } = "";
        public string Title { get; init; } = "";
        public string? Snippet { get; set; }
        public double Rank { get; set; }
        /// <summary>SQLite candidates only: the start of the indexed body, which ranking reads.</summary>
        public string Body { get; init; } = "";
    }

    /// <summary>At most this many hits of one tier are ranked. A common word ("farms", a prefix like "co") hits
    /// thousands of documents per 100k: ranking all of them made search_all grow with the database (100k: 160 ms).
    /// Above the cap a tier ranks its newest RankCap hits, after narrower tiers that keep the best in reach. SQLite
    /// reads each candidate's title and body to rank it (≈ 3 µs a candidate at 1M documents), so 200, not 400.</summary>
    public const int RankCap = 200;

    /// <param name="Types">A JSON array of entity types; null for every type.</param>
    /// <param name="Exclude">A JSON array of doc_ids already found.</param>
    public sealed record CandidateQuery(string Match, string? Types, string Exclude, int Cap);

    /// <summary>SQLite: the newest <see cref="CandidateQuery.Cap"/> documents <paramref name="query"/> matches, without
    /// ranking. FTS5 walks a whole word's (or an indexed 2–3 letter prefix's) doclist lazily in rowid order and stops at
    /// the cap; its bm25() is not used because it first counts every document holding each phrase (its IDF), a full
    /// doclist read per word (≈ 1 ms per common word at 1M documents) however few hits are ranked.
    /// <paramref name="table"/> is search_words or search_trigrams.</summary>
    public static async Task<List<HitRow>> CandidatesAsync(DbConnection connection, DbTransaction transaction, string table, CandidateQuery query)
    {
        const string where = """
            AND (@Types IS NULL OR d.entity_type IN (SELECT value FROM json_each(@Types)))
            AND d.doc_id NOT IN (SELECT value FROM json_each(@Exclude))
            """;
        // Ranking and the snippet read the words; a body's first 8,000 characters hold them for all but long notes.
        const string words = $"""
            SELECT d.doc_id AS DocId, d.entity_type AS Type, d.entity_id AS Id, d.title AS Title, substr(d.body, 1, 8000) AS Body
            FROM search_words JOIN search_documents d ON d.doc_id = search_words.rowid
            WHERE search_words MATCH @Match {where}
            ORDER BY search_words.rowid DESC LIMIT @Cap
            """;
        const string trigrams = $"""
            SELECT d.doc_id AS DocId, d.entity_type AS Type, d.entity_id AS Id, d.title AS Title, substr(d.body, 1, 8000) AS Body
            FROM search_trigrams JOIN search_documents d ON d.doc_id = search_trigrams.rowid
            WHERE search_trigrams MATCH @Match {where}
            ORDER BY search_trigrams.rowid DESC LIMIT @Cap
            """;
        return (await connection.QueryAsync<HitRow>(table == "search_words" ? words : trigrams, query, transaction)).ToList();
    }

    /// <summary>How many hits of an AND <see cref="AllWordsCandidatesAsync"/> collects in rowid order before it falls back
    /// to the newest-first read: a denser AND is cheap to read newest first.</summary>
    public const int AscendingScan = 4096;

    /// <summary>Below this many documents every AND is cheap newest first (0.02 ms at 3,000), and the oldest-first read's
    /// second statement (prepared per call) would cost more than it saves.</summary>
    public const long AscendingFromDocuments = 100_000;

    public sealed record MatchScan(string Match, int Scan);

    /// <param name="Ids">A JSON array of doc_ids.</param>
    public sealed record IdsQuery(string Ids, string? Types, string Exclude, int Cap);

    /// <summary>SQLite: what <see cref="CandidatesAsync"/> returns on search_words, read the cheaper way for an AND.
    /// FTS5 steps an AND's doclists together; newest first it cannot skip ahead through a doclist's page index and
    /// loads each page range backwards, so an AND of three common words with few hits costs ≈ 2.0 ms at 1M documents
    /// newest first and ≈ 1.3 ms oldest first (≈ 3.7 against 2.0 ms for "jackson capital renewal"). So its hits are
    /// collected oldest first, up to <see cref="AscendingScan"/>; only an AND with more hits than that (dense, so cheap
    /// newest first) is read again newest first. The same rows either way.</summary>
    public static async Task<List<HitRow>> AllWordsCandidatesAsync(DbConnection connection, DbTransaction transaction, CandidateQuery query)
    {
        const string scan = "SELECT rowid FROM search_words WHERE search_words MATCH @Match LIMIT @Scan";
        var ids = (await connection.QueryAsync<long>(scan, new MatchScan(query.Match, AscendingScan), transaction)).ToList();
        if (ids.Count >= AscendingScan) return await CandidatesAsync(connection, transaction, "search_words", query);
        if (ids.Count == 0) return [];
        // CROSS JOIN keeps json_each outermost: a doc_id IN (...) with ORDER BY doc_id DESC may walk the table instead.
        const string rows = """
            SELECT d.doc_id AS DocId, d.entity_type AS Type, d.entity_id AS Id, d.title AS Title, substr(d.body, 1, 8000) AS Body
            FROM json_each(@Ids) j CROSS JOIN search_documents d ON d.doc_id = j.value
            WHERE (@Types IS NULL OR d.entity_type IN (SELECT value FROM json_each(@Types)))
              AND d.doc_id NOT IN (SELECT value FROM json_each(@Exclude))
            ORDER BY d.doc_id DESC LIMIT @Cap
            """;
        // Without filters only the newest Cap can be returned (rowid order is ascending).
        var wanted = query.Types is null && query.Exclude == "[]" && ids.Count > query.Cap ? ids.GetRange(ids.Count - query.Cap, query.Cap) : ids;
        return (await connection.QueryAsync<HitRow>(rows, new IdsQuery(SqlList.Json(wanted), query.Types, query.Exclude, query.Cap), transaction)).ToList();
    }

    /// <summary>What a deal hit carries besides the index's row: its identifier, company and stage.</summary>
    public sealed record DealFacts(string Id, string Identifier, string? Company, string Stage);

    /// <param name="Ids">A JSON array of deal ids.</param>
    internal sealed record DealIds(string Ids);

    /// <summary>The page's deal hits' identifier, company name and stage name, in one statement (both dialects): the
    /// whole deal view (<see cref="Deals.DealSql.FindManyAsync"/>) also reads people, service totals and custom fields,
    /// three more statements per call that a hit does not show.</summary>
    public static async Task<List<DealFacts>> DealFactsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> ids)
    {
        const string sql = """
            SELECT d.id AS Id, d.identifier AS Identifier, c.name AS Company, s.name AS Stage
            FROM deals d JOIN stages s ON s.id = d.stage_id LEFT JOIN companies c ON c.id = d.company_id
            WHERE d.id IN (SELECT value FROM json_each(@Ids))
            """;
        return (await connection.QueryAsync<DealFacts>(sql, new DealIds(SqlList.Json(ids)), transaction)).ToList();
    }

    /// <param name="CompanyKey">The query as a company's name key.</param>
    /// <param name="PersonKey">The query as a person's name key.</param>
    public sealed record NamedQuery(string CompanyKey, string PersonKey, string? Types, int Cap);

    /// <summary>SQLite: the search documents of the companies named as the query (their name key, as the resolver
    /// matches names, is the query's or begins with it and a space: "Cobalt Scott Logistics Group" for "cobalt scott
    /// logistics", whose key keeps "group"), their deals and people, and of the people so named; at most Cap of each
    /// kind, through the entity tables' own key and link indexes, whatever their age. The all-words tier reads only its
    /// newest RankCap hits: these are what it must not miss when more than RankCap newer records hold the query's words.
    /// The caller keeps those holding every word.</summary>
    public static async Task<List<HitRow>> NamedAsync(DbConnection connection, DbTransaction transaction, NamedQuery query)
    {
        const string sql = """
            WITH company (id) AS MATERIALIZED (
                SELECT id FROM companies WHERE name_key >= @CompanyKey AND name_key < @CompanyKey || ' ' || char(1114111) LIMIT @Cap),
            named (entity_type, entity_id) AS (
                SELECT 'company', id FROM company
                UNION ALL SELECT * FROM (SELECT 'deal', id FROM deals WHERE company_id IN (SELECT id FROM company) LIMIT @Cap)
                UNION ALL SELECT * FROM (SELECT 'contact', person_id FROM company_people WHERE company_id IN (SELECT id FROM company) LIMIT @Cap)
                UNION ALL SELECT * FROM (SELECT 'contact', id FROM people WHERE name_key = @PersonKey LIMIT @Cap))
            SELECT DISTINCT d.doc_id AS DocId, d.entity_type AS Type, d.entity_id AS Id, d.title AS Title, substr(d.body, 1, 8000) AS Body
            FROM named JOIN search_documents d ON d.entity_type = named.entity_type AND d.entity_id = named.entity_id
            WHERE @Types IS NULL OR d.entity_type IN (SELECT value FROM json_each(@Types))
            """;
        return (await connection.QueryAsync<HitRow>(sql, query, transaction)).ToList();
    }

    public sealed record TermProbe(string Match);

    /// <summary>SQLite: whether the word index holds <paramref name="match"/> (one quoted term) as whole words; one
    /// doclist entry is read.</summary>
    public static async Task<bool> HoldsAsync(DbConnection connection, DbTransaction transaction, string match)
    {
        const string sql = "SELECT EXISTS (SELECT 1 FROM search_words WHERE search_words MATCH @Match)";
        return await connection.ExecuteScalarAsync<long>(sql, new TermProbe(match), transaction) == 1;
    }

    /// <summary>SQLite: the highest doc_id, the corpus size ranking estimates word rarity against (no COUNT).</summary>
    public static async Task<long> LastDocIdAsync(DbConnection connection, DbTransaction transaction) =>
        await connection.ExecuteScalarAsync<long?>("SELECT max(doc_id) FROM search_documents", transaction: transaction) ?? 0;

    /// <summary>PostgreSQL, the named read (<see cref="PostgresNamedAsync"/>): Match is what ranking reads.</summary>
    public sealed record Query(string Match, IReadOnlyList<string> Types, IReadOnlyList<long> Exclude, int Take);

    /// <param name="Prefixes">A JSON array of folded words.</param>
    internal sealed record PrefixesQuery(string Prefixes, int Cap);

    internal sealed record PrefixWord(string Prefix, string Word);

    /// <summary>PostgreSQL: the whole words (search_vocabulary, migration 0230) each of <paramref name="prefixes"/> begins,
    /// at most <see cref="SearchQuery.MaxExpansion"/> + 1 of each (more: the caller keeps the prefix); a B-tree range
    /// per prefix under the "C" collation, so bytewise as tsquery compares a prefix.</summary>
    public static async Task<Dictionary<string, IReadOnlyList<string>>> PostgresExpansionsAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<string> prefixes)
    {
        const string sql = """
            SELECT p.prefix AS Prefix, v.word AS Word
            FROM json_array_elements_text(@Prefixes::json) AS p (prefix),
                 LATERAL (SELECT DISTINCT word FROM search_vocabulary
                          WHERE word >= p.prefix COLLATE "C" AND word < (p.prefix || chr(1114111)) COLLATE "C"
                          ORDER BY word LIMIT @Cap) v
            """;
        var rows = await connection.QueryAsync<PrefixWord>(sql, new PrefixesQuery(SqlList.Json(prefixes), SearchQuery.MaxExpansion + 1), transaction);
        return rows.GroupBy(r => r.Prefix).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(r => r.Word).ToList());
    }

    /// <param name="Filter">What the index reads: a to_tsquery text with prefixes expanded (search_words), or a JSON
    /// array of LIKE patterns over the folded text (search_trigrams).</param>
    /// <param name="Match">What ranking reads: the to_tsquery text as typed, or the same LIKE patterns.</param>
    public sealed record TierQuery(string Filter, string Match, IReadOnlyList<string> Types, IReadOnlyList<long> Exclude, int Take);

    internal sealed record TierParameters(string Filter, string Match, string Types, string Exclude, int Take);

    /// <summary>One row of <see cref="PostgresTierAsync"/>: how many of the newest RankCap + 1 hits there were, and one
    /// ranked hit (none: every column but Hits null).</summary>
    public sealed class TierRow
    {
        public long Hits { get; init; }
        public long? DocId { get; init; }
        public string? Type { get; init; }
        public string? Id { get; init; }
        public string? Title { get; init; }
        public string? Snippet { get; init; }
        public double? Rank { get; init; }
    }

    /// <summary>PostgreSQL, one tier in one statement: the doc_ids of the filter's newest <see cref="RankCap"/> + 1 hits
    /// (more than RankCap: the tier is capped and ranks its newest RankCap), read without ranking from the GIN index or,
    /// for a common term, backwards along the primary key until RankCap + 1 hits, whichever the planner estimates cheaper;
    /// then the best <see cref="TierQuery.Take"/> of the newest RankCap, ranked by primary key, with the type filter and
    /// exclusions. Words (<paramref name="table"/> search_words) rank by ts_rank from the stored tsvector (title weight A =
    /// 1.0, body B = 0.1: title matches weigh ten times body matches; lower is better), headlines cut for the returned
    /// rows only (the planner evaluates them after the sort and limit); substrings (search_trigrams) put title hits first.
    /// Returns how many hits the filter's newest read found, so the caller knows whether the tier was capped.</summary>
    public static async Task<(int Hits, List<HitRow> Rows)> PostgresTierAsync(DbConnection connection, DbTransaction transaction, string table, TierQuery query)
    {
        var (newest, ranked) = table switch
        {
            "search_words" => ("words @@ to_tsquery('simple', @Filter)", """
                ts_headline('simple', concat_ws(' ', d.title, d.body), q,
                            'StartSel=**, StopSel=**, MaxWords=16, MinWords=4, ShortWord=0, FragmentDelimiter=…, MaxFragments=1') AS Snippet,
                       -ts_rank('{0, 0, 0.1, 1.0}', d.words, q)::float8 AS Rank
                FROM search_documents d, to_tsquery('simple', @Match) q
                """),
            "search_trigrams" => ("(crm_fold(title) || ' ' || crm_fold(body)) LIKE ALL(ARRAY(SELECT json_array_elements_text(@Filter::json)))", """
                NULL AS Snippet, CASE WHEN crm_fold(d.title) LIKE ALL(p.patterns) THEN -10.0 ELSE -1.0 END::float8 AS Rank
                FROM search_documents d, (SELECT ARRAY(SELECT json_array_elements_text(@Match::json)) AS patterns) p
                """),
            _ => throw new ArgumentOutOfRangeException(nameof(table)),
        };
        var sql = $"""
            WITH newest AS MATERIALIZED (SELECT doc_id FROM search_documents WHERE {newest} ORDER BY doc_id DESC LIMIT {RankCap + 1})
            SELECT n.hits AS Hits, r.DocId, r.Type, r.Id, r.Title, r.Snippet, r.Rank
            FROM (SELECT count(*) AS hits FROM newest) n
            LEFT JOIN LATERAL (
                SELECT d.doc_id AS DocId, d.entity_type AS Type, d.entity_id AS Id, d.title AS Title,
                       {ranked}
                WHERE d.doc_id = ANY(ARRAY(SELECT doc_id FROM newest ORDER BY doc_id DESC LIMIT {RankCap}))
                  AND d.entity_type = ANY(ARRAY(SELECT value FROM json_each(@Types)))
                  AND NOT (d.doc_id = ANY(ARRAY(SELECT CAST(value AS BIGINT) FROM json_each(@Exclude))))
                ORDER BY Rank, d.doc_id
                LIMIT @Take) r ON true
            ORDER BY r.Rank, r.DocId
            """;
        var parameters = new TierParameters(query.Filter, query.Match, SqlList.Json(query.Types), SqlList.Json(query.Exclude), query.Take);
        var rows = (await connection.QueryAsync<TierRow>(sql, parameters, transaction)).ToList();
        return ((int)(rows.FirstOrDefault()?.Hits ?? 0), rows.Where(r => r.DocId is not null).Select(r => new HitRow
        {
            DocId = r.DocId!.Value, Type = r.Type!, Id = r.Id!, Title = r.Title!, Snippet = r.Snippet, Rank = r.Rank!.Value,
        }).ToList());
    }

    /// <summary>PostgreSQL: as <see cref="NamedAsync"/> (the company named as the query, its deals and people, the people so
    /// named), those matching <see cref="Query.Match"/> (as <see cref="PostgresTierAsync"/> ranks words), ranked the same way:
    /// what the all-words tier puts first when it ranks only its newest RankCap hits. Whole keys only: a key prefix
    /// would scan companies under the database's default collation.</summary>
    public static async Task<IReadOnlyList<HitRow>> PostgresNamedAsync(DbConnection connection, DbTransaction transaction, Query query, string companyKey, string personKey)
    {
        const string postgresSql = """
            WITH company AS (SELECT id FROM companies WHERE name_key = @CompanyKey),
            named (entity_type, entity_id) AS (
                SELECT 'company'::text, id FROM company
                UNION ALL (SELECT 'deal', id FROM deals WHERE company_id = (SELECT id FROM company) LIMIT @Cap)
                UNION ALL (SELECT 'contact', person_id FROM company_people WHERE company_id = (SELECT id FROM company) LIMIT @Cap)
                UNION ALL (SELECT 'contact', id FROM people WHERE name_key = @PersonKey LIMIT @Cap))
            SELECT d.doc_id AS DocId, d.entity_type AS Type, d.entity_id AS Id, d.title AS Title,
                   ts_headline('simple', concat_ws(' ', d.title, d.body), q,
                               'StartSel=**, StopSel=**, MaxWords=16, MinWords=4, ShortWord=0, FragmentDelimiter=…, MaxFragments=1') AS Snippet,
                   -ts_rank('{0, 0, 0.1, 1.0}', d.words, q)::float8 AS Rank
            FROM named JOIN search_documents d ON d.entity_type = named.entity_type AND d.entity_id = named.entity_id,
                 to_tsquery('simple', @Match) q
            WHERE d.words @@ q AND d.entity_type = ANY(ARRAY(SELECT value FROM json_each(@Types)))
              AND NOT (d.doc_id = ANY(ARRAY(SELECT CAST(value AS BIGINT) FROM json_each(@Exclude))))
            ORDER BY Rank, d.doc_id
            LIMIT @Take
            """;
        var parameters = new PostgresNamedParameters(query.Match, SqlList.Json(query.Types), SqlList.Json(query.Exclude), query.Take, RankCap, companyKey, personKey);
        return (await connection.QueryAsync<HitRow>(postgresSql, parameters, transaction)).ToList();
    }

    internal sealed record PostgresNamedParameters(string Match, string Types, string Exclude, int Take, int Cap, string CompanyKey, string PersonKey);
}
