namespace Crm.Mcp.Features.Search;

/// <summary>
/// SQLite: ranks one tier's bounded candidates and cuts the final hits' snippets here, from the title and body the
/// candidates carry. BM25 as FTS5's bm25(search_words, 10.0, 1.0) computes it, but with each word's rarity estimated
/// from the candidates instead of counted over the whole index: FTS5's bm25() reads every document holding each word
/// before it ranks anything (a common word: ≈ 1 ms per million documents). FTS5's snippet() re-runs the query for each
/// row it is given (≈ 0.4 ms per hit at 1M documents).
/// </summary>
public static class SearchRanking
{
    private const double K1 = 1.2, B = 0.75, TitleWeight = 10.0, BodyWeight = 1.0;

    /// <summary>Sets each candidate's Rank (lower is better, like bm25) and sorts them best first.</summary>
    /// <param name="terms">Each term's folded words.</param>
    /// <param name="prefix">Per term: its last word may begin a longer word (words tiers).</param>
    /// <param name="substrings">Terms match anywhere inside the text (the trigram tier) instead of as words.</param>
    /// <param name="truncated">The candidates are only the newest hits of more (the tier hit its cap).</param>
    /// <param name="corpus">How many documents the index holds (an estimate is fine).</param>
    /// <param name="coveredFrom">When truncated: the oldest doc_id of the capped read (default: the oldest candidate's),
    /// so that older records added by name do not change how much of the index the read covers.</param>
    public static void Rank(List<SearchSql.HitRow> candidates, IReadOnlyList<string[]> terms, IReadOnlyList<bool> prefix,
        bool substrings, bool truncated, long corpus, long? coveredFrom = null)
    {
        if (candidates.Count == 0) return;
        var docs = candidates.Select(c => (Title: Words(c.Title), Body: Words(c.Body))).ToList();
        var counts = new (int Title, int Body)[candidates.Count, terms.Count];
        var holding = new int[terms.Count];
        for (var d = 0; d < docs.Count; d++)
            for (var t = 0; t < terms.Count; t++)
            {
                counts[d, t] = substrings
                    ? (Occurrences(docs[d].Title, terms[t]), Occurrences(docs[d].Body, terms[t]))
                    : (Occurrences(docs[d].Title, terms[t], prefix[t]), Occurrences(docs[d].Body, terms[t], prefix[t]));
                if (counts[d, t] != (0, 0)) holding[t]++;
            }

        // The candidates are the newest hits: when capped they cover the doc_ids from the oldest of them up, and a
        // word's share of them is its share of the index.
        corpus = Math.Max(corpus, candidates.Count);
        var coverage = truncated ? Math.Clamp((corpus - (coveredFrom ?? candidates.Min(c => c.DocId)) + 1) / (double)corpus, 1e-6, 1) : 1;
        var idf = holding.Select(n =>
        {
            var estimated = Math.Min(corpus, n / coverage);
            return Math.Log(1 + (corpus - estimated + 0.5) / (estimated + 0.5));
        }).ToArray();
        var lengths = docs.Select(d => (double)(d.Title.Length + d.Body.Length)).ToArray();
        var average = Math.Max(1, lengths.Average());

        for (var d = 0; d < candidates.Count; d++)
        {
            var score = 0.0;
            for (var t = 0; t < terms.Count; t++)
            {
                var frequency = TitleWeight * counts[d, t].Title + BodyWeight * counts[d, t].Body;
                score += idf[t] * frequency * (K1 + 1) / (frequency + K1 * (1 - B + B * lengths[d] / average));
            }
            candidates[d].Rank = -score;
        }
        candidates.Sort((a, b) => a.Rank != b.Rank ? a.Rank.CompareTo(b.Rank) : a.DocId.CompareTo(b.DocId));
    }

    /// <summary>The trigram tier's candidates hold each required term's trigrams somewhere (the index keeps no
    /// positions); this keeps those whose title or body holds each required term, folded as the words are (a match past
    /// the body's first 8,000 characters, which candidates do not carry, is not seen).</summary>
    /// <param name="terms">Each term's folded words.</param>
    /// <param name="required">Per term: whether the trigram query asked for it.</param>
    public static void KeepSubstringHits(List<SearchSql.HitRow> candidates, IReadOnlyList<string[]> terms, IReadOnlyList<bool> required) =>
        candidates.RemoveAll(c =>
        {
            string[] title = Words(c.Title), body = Words(c.Body);
            return terms.Where((_, t) => required[t]).Any(term => Occurrences(title, term) == 0 && Occurrences(body, term) == 0);
        });

    /// <summary>Keeps the candidates whose title or body holds every term as the word index would match it (in
    /// sequence, the last word as a prefix where allowed): those found by name rather than through the word index.</summary>
    public static void KeepHoldingAll(List<SearchSql.HitRow> candidates, IReadOnlyList<string[]> terms, IReadOnlyList<bool> prefix) =>
        candidates.RemoveAll(c =>
        {
            string[] title = Words(c.Title), body = Words(c.Body);
            return Enumerable.Range(0, terms.Count).Any(t => Occurrences(title, terms[t], prefix[t]) == 0 && Occurrences(body, terms[t], prefix[t]) == 0);
        });

    /// <summary>How often the term's words occur in sequence (the last one as a prefix when allowed).</summary>
    private static int Occurrences(string[] words, string[] term, bool prefix) =>
        Enumerable.Range(0, words.Length).Count(i => MatchesAt(words, i, term, prefix));

    /// <summary>How often the term occurs inside the text, across word boundaries.</summary>
    private static int Occurrences(string[] words, string[] term) =>
        SubstringOffsets(string.Join(' ', words), string.Join(' ', term)).Count();

    /// <summary>Whether the term's words stand in sequence from word <paramref name="i"/> (the last one as a prefix when
    /// allowed). Ranking and snippets both ask this, so a snippet bolds exactly what ranking counted.</summary>
    private static bool MatchesAt(IReadOnlyList<string> words, int i, string[] term, bool prefix)
    {
        if (term.Length == 0 || i + term.Length > words.Count) return false;
        var last = term.Length - 1;
        for (var j = 0; j < last; j++)
            if (words[i + j] != term[j]) return false;
        return prefix ? words[i + last].StartsWith(term[last], StringComparison.Ordinal) : words[i + last] == term[last];
    }

    /// <summary>Where <paramref name="needle"/> starts inside <paramref name="text"/>, overlapping occurrences included.</summary>
    private static IEnumerable<int> SubstringOffsets(string text, string needle)
    {
        for (var at = text.IndexOf(needle, StringComparison.Ordinal); at >= 0; at = text.IndexOf(needle, at + 1, StringComparison.Ordinal))
            yield return at;
    }

    private static string[] Words(string text) => Tokens(text).Select(t => t.Folded).ToArray();

    /// <summary>The passage that best shows why the hit matched, FTS5 snippet() style: the title or a window of up to
    /// <see cref="SnippetWords"/> words of the body, matched words in **bold**, "…" where the window cuts the text.</summary>
    public static string Snippet(SearchSql.HitRow hit, IReadOnlyList<string[]> terms, IReadOnlyList<bool> prefix, bool substrings)
    {
        var title = Passage(hit.Title, terms, prefix, substrings);
        var body = Passage(hit.Body, terms, prefix, substrings);
        return body.Terms > title.Terms ? body.Text : title.Terms > 0 ? title.Text : hit.Title;
    }

    private const int SnippetWords = 16;

    private static (string Text, int Terms) Passage(string text, IReadOnlyList<string[]> terms, IReadOnlyList<bool> prefix, bool substrings)
    {
        var tokens = Tokens(text);
        if (tokens.Count == 0) return (text, 0);
        // Which term each token belongs to a match of (-1: none).
        var matched = new int[tokens.Count];
        Array.Fill(matched, -1);
        var folded = tokens.Select(k => k.Folded).ToArray();
        for (var t = 0; t < terms.Count; t++)
        {
            var term = terms[t];
            if (term.Length == 0) continue;
            if (substrings)
            {
                var needle = string.Join(' ', term);
                foreach (var at in SubstringOffsets(string.Join(' ', folded), needle))
                {
                    // Mark every token the occurrence touches.
                    for (int i = 0, start = 0; i < tokens.Count; start += folded[i].Length + 1, i++)
                        if (start < at + needle.Length && at < start + folded[i].Length) matched[i] = t;
                }
                continue;
            }
            for (var i = 0; i < tokens.Count; i++)
                if (MatchesAt(folded, i, term, prefix[t]))
                    for (var k = i; k < i + term.Length; k++) matched[k] = t;
        }
        // The window holding the most distinct terms, then the most matched words; the earliest on a tie.
        var (bestStart, bestTerms, bestWords) = (0, -1, -1);
        for (var start = 0; start == 0 || start + SnippetWords <= tokens.Count; start++)
        {
            var window = matched.Skip(start).Take(SnippetWords).Where(m => m >= 0).ToList();
            var distinct = window.Distinct().Count();
            if (distinct > bestTerms || distinct == bestTerms && window.Count > bestWords)
                (bestStart, bestTerms, bestWords) = (start, distinct, window.Count);
        }
        var end = Math.Min(tokens.Count, bestStart + SnippetWords) - 1;
        var builder = new System.Text.StringBuilder();
        if (bestStart > 0) builder.Append('…');
        var from = bestStart == 0 ? 0 : tokens[bestStart].Start;
        for (var i = bestStart; i <= end; i++)
        {
            builder.Append(text, from, tokens[i].Start - from);
            var bold = matched[i] >= 0;
            if (bold && (i == bestStart || matched[i - 1] < 0)) builder.Append("**");
            builder.Append(text, tokens[i].Start, tokens[i].Length);
            // A phrase's words share one pair of marks, as FTS5 writes them.
            if (bold && (i == end || matched[i + 1] < 0)) builder.Append("**");
            from = tokens[i].Start + tokens[i].Length;
        }
        if (end == tokens.Count - 1) builder.Append(text, from, text.Length - from);
        else builder.Append('…');
        return (builder.ToString(), bestTerms);
    }

    private readonly record struct Token(int Start, int Length, string Folded);

    /// <summary>The text's words with where they stand, as the word index splits them (letters, digits, marks).</summary>
    private static List<Token> Tokens(string text)
    {
        var tokens = new List<Token>();
        for (var i = 0; i < text.Length;)
        {
            if (!IsWordChar(text, i)) { i++; continue; }
            var start = i;
            while (i < text.Length && IsWordChar(text, i)) i++;
            var word = text.Substring(start, i - start);
            tokens.Add(new Token(start, i - start, System.Text.Ascii.IsValid(word) ? word.ToLowerInvariant() : Resolution.UnicodeFold.Fold(word)));
        }
        return tokens;
    }

    // A low surrogate belongs to the character its pair makes.
    private static bool IsWordChar(string text, int i) => char.IsLowSurrogate(text[i]) && i > 0
        ? char.IsLetterOrDigit(text, i - 1)
        : char.IsLetterOrDigit(text, i) || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(text[i]) == System.Globalization.UnicodeCategory.NonSpacingMark;
}
