using System.Data.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.Search;

/// <summary>Queries over the search index of migration 0030 (search_documents and its two FTS5 indexes).</summary>
public static class SearchSql
{
    // Title matches weigh ten times body matches.
    private const string Weights = "10.0, 1.0";

    public sealed class HitRow
    {
        public long DocId { get; init; }
        public string Type { get; init; } = "";
        public string Id { get; init; } = "";
        public string Title { get; init; } = "";
        public string? Snippet { get; init; }
        public double Rank { get; init; }
    }

    /// <param name="MinDocId">Rank only documents from this doc_id up (see <see cref="RankFloorAsync"/>); 0 for all.</param>
    public sealed record Query(string Match, IReadOnlyList<string> Types, IReadOnlyList<long> Exclude, int Take, long MinDocId = 0);

    /// <summary>A query's bound form: its lists as JSON arrays (<see cref="SqlList"/>).</summary>
    internal sealed record QueryParameters(string Match, string Types, string Exclude, int Take, long MinDocId);

    private static QueryParameters Parameters(Query query) =>
        new(query.Match, SqlList.Json(query.Types), SqlList.Json(query.Exclude), query.Take, query.MinDocId);

    /// <summary>At most this many hits of one tier are ranked. bm25 costs ≈ 8 µs per hit and a common word ("farms",
    /// a prefix like "co") hits thousands of documents per 100k: ranking all of them made search_all grow with the
    /// database (100k: 160 ms). Above the cap a tier ranks its newest <see cref="RankCap"/> hits.</summary>
    public const int RankCap = 400;

    /// <summary>0 when <paramref name="match"/> hits at most <see cref="RankCap"/> documents (rank them all), else the
    /// doc_id of its RankCap-th newest hit. SQLite reads at most RankCap rowids in rowid order, which FTS5 answers
    /// without scoring anything; PostgreSQL reads doc_ids only (no ts_rank), from the GIN index or, for a common term,
    /// backwards along the primary key until RankCap + 1 hits, whichever its planner estimates cheaper.
    /// <paramref name="table"/> names the tier's index: search_words (<paramref name="match"/> as for
    /// <see cref="WordsAsync"/>) or search_trigrams (as for <see cref="SubstringsAsync"/>).</summary>
    public static async Task<long> RankFloorAsync(DbConnection connection, DbTransaction transaction, string table, string match)
    {
        var postgres = SqlDialect.Of(connection).IsPostgres;
        var sql = (table, postgres) switch
        {
            ("search_words", false) => $"SELECT rowid FROM search_words WHERE search_words MATCH @match ORDER BY rowid DESC LIMIT 1 OFFSET {RankCap}",
            ("search_trigrams", false) => $"SELECT rowid FROM search_trigrams WHERE search_trigrams MATCH @match ORDER BY rowid DESC LIMIT 1 OFFSET {RankCap}",
            ("search_words", true) => $"SELECT doc_id FROM search_documents WHERE words @@ to_tsquery('simple', @match) ORDER BY doc_id DESC LIMIT 1 OFFSET {RankCap}",
            ("search_trigrams", true) => $"""
                SELECT doc_id FROM search_documents
                WHERE (crm_fold(title) || ' ' || crm_fold(body)) LIKE ALL(ARRAY(SELECT json_array_elements_text(@match::json)))
                ORDER BY doc_id DESC LIMIT 1 OFFSET {RankCap}
                """,
            _ => throw new ArgumentOutOfRangeException(nameof(table)),
        };
        return await connection.ExecuteScalarAsync<long?>(sql, new { match }, transaction) is { } floor ? floor + 1 : 0;
    }

    /// <summary>Word matches, best first (bm25 is lower for better matches).</summary>
    public static async Task<IReadOnlyList<HitRow>> WordsAsync(DbConnection connection, DbTransaction transaction, Query query)
    {
        const string sql = $"""
            SELECT d.doc_id AS DocId, d.entity_type AS Type, d.entity_id AS Id, d.title AS Title,
                   snippet(search_words, -1, '**', '**', '…', 16) AS Snippet, bm25(search_words, {Weights}) AS Rank
            FROM search_words JOIN search_documents d ON d.doc_id = search_words.rowid
            WHERE search_words MATCH @Match AND search_words.rowid >= @MinDocId AND d.entity_type IN (SELECT value FROM json_each(@Types))
              AND d.doc_id NOT IN (SELECT CAST(value AS BIGINT) FROM json_each(@Exclude))
            ORDER BY Rank, d.doc_id
            LIMIT @Take
            """;
        // PostgreSQL: the stored tsvector (title weight A = 1.0, body B = 0.1, as 10:1 above); lower is better here too.
        const string postgresSql = """
            SELECT d.doc_id AS DocId, d.entity_type AS Type, d.entity_id AS Id, d.title AS Title,
                   ts_headline('simple', concat_ws(' ', d.title, d.body), q,
                               'StartSel=**, StopSel=**, MaxWords=16, MinWords=4, ShortWord=0, FragmentDelimiter=…, MaxFragments=1') AS Snippet,
                   -ts_rank('{0, 0, 0.1, 1.0}', d.words, q)::float8 AS Rank
            FROM search_documents d, to_tsquery('simple', @Match) q
            WHERE d.words @@ q AND d.doc_id >= @MinDocId AND d.entity_type = ANY(ARRAY(SELECT value FROM json_each(@Types)))
              AND NOT (d.doc_id = ANY(ARRAY(SELECT CAST(value AS BIGINT) FROM json_each(@Exclude))))
            ORDER BY Rank, d.doc_id
            LIMIT @Take
            """;
        return (await connection.QueryAsync<HitRow>(SqlDialect.Of(connection).IsPostgres ? postgresSql : sql, Parameters(query), transaction)).ToList();
    }

    /// <summary>Substring matches through the trigram index, best first.</summary>
    public static async Task<IReadOnlyList<HitRow>> SubstringsAsync(DbConnection connection, DbTransaction transaction, Query query)
    {
        const string sql = $"""
            SELECT d.doc_id AS DocId, d.entity_type AS Type, d.entity_id AS Id, d.title AS Title,
                   snippet(search_trigrams, -1, '**', '**', '…', 16) AS Snippet, bm25(search_trigrams, {Weights}) AS Rank
            FROM search_trigrams JOIN search_documents d ON d.doc_id = search_trigrams.rowid
            WHERE search_trigrams MATCH @Match AND search_trigrams.rowid >= @MinDocId AND d.entity_type IN (SELECT value FROM json_each(@Types))
              AND d.doc_id NOT IN (SELECT CAST(value AS BIGINT) FROM json_each(@Exclude))
            ORDER BY Rank, d.doc_id
            LIMIT @Take
            """;
        // PostgreSQL: Match is a JSON array of LIKE patterns over the folded text (pg_trgm GIN index); title hits first.
        const string postgresSql = """
            SELECT d.doc_id AS DocId, d.entity_type AS Type, d.entity_id AS Id, d.title AS Title, NULL AS Snippet,
                   CASE WHEN crm_fold(d.title) LIKE ALL(p.patterns) THEN -10.0 ELSE -1.0 END AS Rank
            FROM search_documents d, (SELECT ARRAY(SELECT json_array_elements_text(@Match::json)) AS patterns) p
            WHERE (crm_fold(d.title) || ' ' || crm_fold(d.body)) LIKE ALL(p.patterns)
              AND d.doc_id >= @MinDocId AND d.entity_type = ANY(ARRAY(SELECT value FROM json_each(@Types)))
              AND NOT (d.doc_id = ANY(ARRAY(SELECT CAST(value AS BIGINT) FROM json_each(@Exclude))))
            ORDER BY Rank, d.doc_id
            LIMIT @Take
            """;
        return (await connection.QueryAsync<HitRow>(SqlDialect.Of(connection).IsPostgres ? postgresSql : sql, Parameters(query), transaction)).ToList();
    }
}
