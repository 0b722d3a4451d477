using Crm.Mcp.Common;

namespace Crm.Mcp.Features.Search;

/// <summary>
/// Turns what a user typed into FTS5 MATCH expressions that can never be a syntax error: each whitespace-separated
/// chunk becomes one quoted string (quotes doubled), so AND, OR, NEAR, *, ^, parentheses and colons are plain text.
/// The tokenizer then splits a chunk such as jane@acme.com into an exact phrase.
/// </summary>
public static partial class SearchQuery
{
    public const int MaxTerms = 16;
    public const string Form = "words to look for, e.g. \"acme renewal\" or \"jane@acme.com\"";

    public sealed record Parsed(IReadOnlyList<string> Terms)
    {
        /// <summary>SQLite: the word-index expressions when term i is a whole word where <paramref name="whole"/>[i],
        /// else a prefix ("acm" finds Acme).</summary>
        public WordForms Words(IReadOnlyList<bool> whole)
        {
            var forms = Terms.Select((t, i) => whole[i] ? Quote(t) : Prefix(t)).ToList();
            return new WordForms(
                string.Join(" AND ", forms),
                forms.Count > 1 ? string.Join(" OR ", forms) : null,
                forms.Count is < 3 or > 6 ? null
                    : string.Join(" OR ", forms.SelectMany((a, i) => forms.Skip(i + 1).Select(b => $"({a} AND {b})"))));
        }

        /// <summary>The query as typed (trimmed), for the name keys of companies and people (<see cref="Resolution.NameKeys"/>):
        /// "Yamamoto & Martinez" keys as "yamamoto and martinez", though "&amp;" is no term.</summary>
        public string Name { get; init; } = string.Join(' ', Terms);

        /// <summary>SQLite, one term as a whole word: the probe that says whether the index holds it.</summary>
        public string WholeWord(int i) => Quote(Terms[i]);

        /// <summary>For the trigram index: terms of three or more characters, each as an AND of its trigrams (at most
        /// <see cref="TrigramsPerTerm"/>, spread over it); null when none is long enough. The index keeps no positions
        /// (detail = none, migration 0180: a third of its size), so it cannot match a phrase; a hit holds every trigram
        /// somewhere, and <see cref="SearchRanking.KeepSubstringHits"/> keeps those that hold each term whole.</summary>
        public string? Substrings =>
            Terms.Select((_, i) => SubstringTerm(i)).OfType<string[]>().SelectMany(Trigrams).Distinct().Select(Quote).ToList() is { Count: > 0 } all
                ? string.Join(" AND ", all) : null;

        /// <summary>Term i's characters when the substring tier requires it (three or more), else null.</summary>
        public string[]? SubstringTerm(int i) =>
            Terms[i].EnumerateRunes().Select(r => r.ToString()).ToArray() is { Length: >= 3 } runes ? runes : null;

        /// <summary>The folded words of each term, as the word index splits them (what ranking compares).</summary>
        public IReadOnlyList<string[]> FoldedWords => foldedWords ??= Terms.Select(t => Fold(t).Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        private IReadOnlyList<string[]>? foldedWords;

        /// <summary>PostgreSQL (to_tsquery over crm_fold'ed text): the word tiers' queries, each term as its words in
        /// sequence, the last a prefix. With <paramref name="expansions"/> (a prefix's whole words, from
        /// search_vocabulary) a prefix is written as those words ('acme' | 'acmecorp'): the same documents match, but GIN
        /// steps through their posting lists instead of collecting every posting of every word the prefix begins.
        /// ts_rank and ts_headline read the unexpanded form (an OR of k words would rank as k query items).</summary>
        public PostgresForms Postgres(IReadOnlyDictionary<string, IReadOnlyList<string>>? expansions = null)
        {
            string Prefix(string term) => PostgresPhrase(term, prefix: true, expansions);
            return new PostgresForms(
                string.Join(" & ", Terms.Select(Prefix)),
                string.Join(" | ", Terms.Select(Prefix)),
                string.Join(" & ", Terms.Select(t => PostgresPhrase(t, prefix: false, null))),
                Terms.Count is < 3 or > 6 ? null
                    : string.Join(" | ", Terms.SelectMany((a, i) => Terms.Skip(i + 1).Select(b => $"({Prefix(a)} & {Prefix(b)})"))));
        }

        /// <summary>PostgreSQL: the distinct prefixes the word tiers match (each term's last folded word) that the
        /// vocabulary can expand: a prefix of digits only stays a prefix (the vocabulary holds no such words, migration
        /// 0280): a long one, such as a whole identifier number, begins few index entries, a short one more than
        /// <see cref="MaxExpansion"/> anyway.</summary>
        public IReadOnlyList<string> PostgresPrefixes =>
            FoldedWords.Where(words => words.Length > 0 && !words[^1].All(char.IsAsciiDigit))
                .Select(words => words[^1]).Distinct(StringComparer.Ordinal).ToList();

        /// <summary>PostgreSQL: LIKE patterns over the folded text, one per term of three or more characters, in the
        /// same JSON form as the other tiers' match text; null when none is long enough.</summary>
        public string? PostgresSubstrings =>
            Terms.Where(t => t.Length >= 3).Select(t => "%" + Fold(t).Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%").ToList()
                is { Count: > 0 } patterns ? System.Text.Json.JsonSerializer.Serialize(patterns, Common.CommonJsonContext.Default.ListString) : null;
    }

    /// <param name="All">Every term.</param>
    /// <param name="Any">Any one term (two or more terms; else null).</param>
    /// <param name="AnyTwo">Any two of the terms (three to six terms; else null): between all words and any word.</param>
    public sealed record WordForms(string All, string? Any, string? AnyTwo);

    // What crm_fold (PostgreSQL migration 0030) does to indexed text: no accents, lower case, punctuation as spaces.
    internal static string Fold(string text) => NotLetterOrDigitRuns().Replace(Resolution.UnicodeFold.Fold(text), " ");

    [System.Text.RegularExpressions.GeneratedRegex(@"[^\p{L}\p{N}]+")]
    private static partial System.Text.RegularExpressions.Regex NotLetterOrDigitRuns();

    /// <param name="All">Every term (the all-words tier).</param>
    /// <param name="Any">Any term (the some-words tier).</param>
    /// <param name="AllExact">Every term, none a prefix: the all-words tier's narrower part.</param>
    /// <param name="AnyTwo">Any two terms (three to six terms; else null): the some-words tier's narrower part.</param>
    public sealed record PostgresForms(string All, string Any, string AllExact, string? AnyTwo);

    /// <summary>The most words a prefix is written as; a prefix that begins more stays a prefix.</summary>
    public const int MaxExpansion = 32;

    private static string PostgresPhrase(string term, bool prefix, IReadOnlyDictionary<string, IReadOnlyList<string>>? expansions)
    {
        var words = Fold(term).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string Last(string w) => expansions is not null && expansions.TryGetValue(w, out var whole) && whole.Count is > 0 and <= MaxExpansion
            ? "(" + string.Join(" | ", whole.Select(x => "'" + x + "'")) + ")"
            : "'" + w + "':*";
        return "(" + string.Join(" <-> ", words.Select((w, i) => prefix && i == words.Length - 1 ? Last(w) : "'" + w + "'")) + ")";
    }

    public static Parsed Parse(string field, string? text)
    {
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length > 200)
            throw CrmError.Invalid(field, $"is {trimmed.Length} characters long; the limit is 200.", Form);
        var terms = trimmed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Where(t => t.Any(char.IsLetterOrDigit))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (terms.Count == 0)
            throw CrmError.Invalid(field, "has no letters or digits to search for.", Form);
        if (terms.Count > MaxTerms)
            throw CrmError.Invalid(field, $"has {terms.Count} words; the limit is {MaxTerms}.", Form);
        return new Parsed(terms) { Name = trimmed };
    }

    private static string Quote(string term) => "\"" + term.Replace("\"", "\"\"") + "\"";

    /// <summary>More trigrams per term narrow its hits little (the text check after them is exact) and each is one more
    /// doclist to walk.</summary>
    internal const int TrigramsPerTerm = 8;

    private static IEnumerable<string> Trigrams(string[] runes)
    {
        var windows = runes.Length - 2;
        var take = Math.Min(windows, TrigramsPerTerm);
        // Evenly spread, always the first and the last.
        return Enumerable.Range(0, take).Select(k => take == 1 ? 0 : k * (windows - 1) / (take - 1)).Distinct()
            .Select(at => string.Concat(runes[at..(at + 3)]));
    }

    private static string Prefix(string term) => Quote(term) + "*";
}
