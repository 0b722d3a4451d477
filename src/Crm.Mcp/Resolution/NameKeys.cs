using System.Text;

namespace Crm.Mcp.Resolution;

/// <summary>
/// Normalized keys: the form two spellings of one record share. Stored in *_key columns with unique indexes,
/// so "Acme, Inc.", "ACME inc" and "acme" are one company.
/// </summary>
public static class NameKeys
{
    // Legal-form words dropped from the end of a company name ("Acme Pty Ltd" -> "acme").
    private static readonly HashSet<string> LegalSuffixes =
    [
        "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "corp", "corporation", "co", "company", "plc",
        "gmbh", "mbh", "ag", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "pty", "pte", "oy", "oyj", "ab", "as",
        "asa", "kg", "kgaa", "ohg", "ug", "se", "pc", "pllc", "lda", "kk", "sl", "sro", "holdings",
    ];

    public static string Company(string name)
    {
        var tokens = Words(UnicodeFold.Fold(name).Replace("&", " and "));
        // "Globex GmbH & Co. KG": after "co kg" goes, the dangling "and" and "gmbh" go too.
        var stripped = false;
        while (tokens.Count > 1 && (LegalSuffixes.Contains(tokens[^1]) || (stripped && tokens[^1] == "and")))
        {
            tokens.RemoveAt(tokens.Count - 1);
            stripped = true;
        }
        if (tokens.Count > 1 && tokens[0] == "the") tokens.RemoveAt(0);
        return string.Join(' ', tokens);
    }

    public static string Person(string fullName) => string.Join(' ', Words(fullName));

    public static string Stage(string name) => string.Join(' ', Words(name));

    public static string Pipeline(string name) => string.Join(' ', Words(name));

    /// <summary>Canonically equivalent spellings (precomposed or decomposed accents) and case are one address;
    /// format characters (zero-width space, BOM, bidi marks) are dropped. Accents are kept: "josé@" is not "jose@".</summary>
    public static string Email(string email) => UnicodeFold.Canonical(email.Trim()).ToLowerInvariant();

    /// <summary>The mailbox an email key reaches: the +tag dropped ("jane+crm@acme.com" -> "jane@acme.com").
    /// Resolver.SameMailboxAsync computes the same in SQL: the first '+' before the first '@'.</summary>
    public static string Mailbox(string emailKey)
    {
        var plus = emailKey.IndexOf('+');
        var at = emailKey.IndexOf('@');
        return plus >= 0 && plus < at ? emailKey[..plus] + emailKey[at..] : emailKey;
    }

    /// <summary>The words of a name as <see cref="UnicodeFold.Fold"/> makes them (case, accents, fullwidth forms and
    /// format characters folded), dots and apostrophes dropped ("L.L.C." is "llc", "O'Neil" is "oneil"), every other
    /// non-alphanumeric a separator.</summary>
    public static List<string> Words(string text)
    {
        var folded = UnicodeFold.Fold(text);
        return Ascii.IsValid(folded) ? AsciiWords(folded) : RuneWords(folded);
    }

    /// <summary><see cref="RuneWords"/> for ASCII text, char by char without a string per character.</summary>
    private static List<string> AsciiWords(string folded)
    {
        Span<char> buffer = folded.Length <= 256 ? stackalloc char[folded.Length] : new char[folded.Length];
        var length = 0;
        foreach (var c in folded)
        {
            if (c is '.' or '\'') continue;
            buffer[length++] = char.IsAsciiLetterOrDigit(c) ? c : ' ';
        }
        var words = new List<string>();
        foreach (var range in buffer[..length].Split(' '))
            if (buffer[range] is { IsEmpty: false } word) words.Add(word.ToString());
        return words;
    }

    /// <summary>The words of folded text, rune by rune (internal: tests check the ASCII shortcut against it).</summary>
    internal static List<string> RuneWords(string folded)
    {
        var builder = new StringBuilder(folded.Length);
        foreach (var rune in folded.EnumerateRunes())
        {
            if (rune.Value is '.' or '\'' or '’') continue;
            if (Rune.IsLetterOrDigit(rune)) builder.Append(rune.ToString());
            else builder.Append(' ');
        }
        return builder.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
