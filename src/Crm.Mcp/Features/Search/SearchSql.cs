using System.Data.Common;
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

    public sealed record Query(string Match, IReadOnlyList<string> Types, IReadOnlyList<long> Exclude, int Take);

    /// <summary>Word matches, best first (bm25 is lower for better matches).</summary>
    public static async Task<IReadOnlyList<HitRow>> WordsAsync(DbConnection connection, DbTransaction transaction, Query query)
    {
        const string sql = $"""
            SELECT d.doc_id AS DocId, d.entity_type AS Type, d.entity_id AS Id, d.title AS Title,
                   snippet(search_words, -1, '**', '**', '…', 16) AS Snippet, bm25(search_words, {Weights}) AS Rank
            FROM search_words JOIN search_documents d ON d.doc_id = search_words.rowid
            WHERE search_words MATCH @Match AND d.entity_type IN @Types AND d.doc_id NOT IN @Exclude
            ORDER BY Rank, d.doc_id
            LIMIT @Take
            """;
        return (await connection.QueryAsync<HitRow>(sql, query, transaction)).ToList();
    }

    /// <summary>Substring matches through the trigram index, best first.</summary>
    public static async Task<IReadOnlyList<HitRow>> SubstringsAsync(DbConnection connection, DbTransaction transaction, Query query)
    {
        const string sql = $"""
            SELECT d.doc_id AS DocId, d.entity_type AS Type, d.entity_id AS Id, d.title AS Title,
                   snippet(search_trigrams, -1, '**', '**', '…', 16) AS Snippet, bm25(search_trigrams, {Weights}) AS Rank
            FROM search_trigrams JOIN search_documents d ON d.doc_id = search_trigrams.rowid
            WHERE search_trigrams MATCH @Match AND d.entity_type IN @Types AND d.doc_id NOT IN @Exclude
            ORDER BY Rank, d.doc_id
            LIMIT @Take
            """;
        return (await connection.QueryAsync<HitRow>(sql, query, transaction)).ToList();
    }
}
