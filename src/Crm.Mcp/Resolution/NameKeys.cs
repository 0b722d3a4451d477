using System.Globalization;
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
        var tokens = Tokens(name.Replace("&", " and "));
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

    public static string Person(string fullName) => string.Join(' ', Tokens(fullName));

    public static string Stage(string name) => string.Join(' ', Tokens(name));

    public static string Pipeline(string name) => string.Join(' ', Tokens(name));

    public static string Email(string email) => email.Trim().ToLowerInvariant();

    /// <summary>Lower-case, accents removed, dots and apostrophes dropped ("L.L.C." is "llc", "O'Neil" is "oneil"),
    /// every other non-alphanumeric a separator.</summary>
    private static List<string> Tokens(string text)
    {
        var decomposed = text.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            if (c is '.' or '\'' or '’') continue;
            builder.Append(char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : ' ');
        }
        return builder.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
