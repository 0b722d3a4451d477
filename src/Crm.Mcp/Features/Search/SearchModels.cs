using System.ComponentModel;

namespace Crm.Mcp.Features.Search;

public sealed record SearchHit(
    [property: Description("deal, company, contact, task or activity.")] string Type,
    string Id,
    string Title,
    [property: Description("The matching passage with the matched words in **bold**.")] string Snippet,
    [property: Description("Relevance, higher is better; comparable only within one reply.")] double Score,
    [property: Description("all_words (every word matched, best), some_words, or substring (inside words).")] string Match);

public sealed record SearchResult(
    IReadOnlyList<SearchHit> Items,
    [property: Description("True when more hits exist than limit returned.")] bool HasMore);

public sealed record SearchResponse(SearchResult Data, bool Success);
