using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Crm.Mcp.Features.Search;

public sealed record SearchHit(
    [property: Description("deal, company, contact, task or activity.")] string Type,
    string Id,
    string Title,
    [property: Description("The matching passage with the matched words in **bold**.")] string Snippet,
    [property: Description("Relevance, higher is better; comparable only within one reply.")] double Score,
    [property: Description("all_words (every word matched, best), some_words, or substring (inside words).")] string Match)
{
    // A deal hit says which deal it is and where it stands, so the next call can name it without a get_deal first.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Identifier { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Company { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Stage { get; init; }
}

public sealed record SearchResult(
    IReadOnlyList<SearchHit> Items,
    [property: Description("True when more hits exist than limit returned.")] bool HasMore);

public sealed record SearchResponse(SearchResult Data, bool Success);
