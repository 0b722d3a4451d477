using System.Globalization;
using System.Text;

namespace Crm.Mcp.Resolution;

/// <summary>
/// Unicode normalization without ICU. The shipped build runs with InvariantGlobalization (no libicu needed, the same
/// answer on every machine and in the Native AOT binary), where string.Normalize leaves "ä" whole; so the decompositions
/// come from a generated table (<see cref="UnicodeFoldData"/>) and every key gets the same fold wherever it runs.
/// </summary>
public static class UnicodeFold
{
    private static readonly Dictionary<int, (int[]? Canonical, int[]? Folded)> Table = LoadTable();
    private static readonly Dictionary<int, int> CombiningClass = LoadClasses();

    // Letters that do not decompose but that people write without their stroke or as two letters (as PostgreSQL's
    // unaccent does, so search and keys agree): "Łódź" is "lodz", "Straße" is "strasse", "Søren" is "soren".
    private static readonly Dictionary<int, string> Letters = new()
    {
        ['ß'] = "ss", ['ẞ'] = "ss", ['æ'] = "ae", ['Æ'] = "ae", ['œ'] = "oe", ['Œ'] = "oe", ['ø'] = "o", ['Ø'] = "o",
        ['ł'] = "l", ['Ł'] = "l", ['đ'] = "d", ['Đ'] = "d", ['ð'] = "d", ['Ð'] = "d", ['þ'] = "th", ['Þ'] = "th",
        ['ħ'] = "h", ['Ħ'] = "h", ['ı'] = "i", ['ŧ'] = "t", ['Ŧ'] = "t",
    };

    /// <summary>The matching form of names: compatibility decomposition (fullwidth "Ａｃｍｅ", ligatures, styled
    /// letters become plain), accents and other nonspacing marks dropped, format characters (zero-width space, BOM,
    /// bidi marks, soft hyphen) dropped, lower case. "Bäckerei", "Ba\u0308ckerei" and "BACKEREI" fold alike.</summary>
    public static string Fold(string text)
    {
        // ASCII (most names, every bench row): nothing in it decomposes, is a mark or a format character, or is in
        // Letters, so the fold is its lower case; the rune-by-rune path below costs allocations per character.
        if (Ascii.IsValid(text)) return text.ToLowerInvariant();
        return FoldRunes(text);
    }

    /// <summary><see cref="Fold"/> rune by rune, for any text (internal: tests check the ASCII shortcut against it).</summary>
    internal static string FoldRunes(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in Runes(text))
        {
            foreach (var code in Decompose(rune.Value, folded: true))
            {
                var category = Rune.GetUnicodeCategory(new Rune(code));
                if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.Format) continue;
                if (Letters.TryGetValue(code, out var letters)) builder.Append(letters);
                else builder.Append(Rune.ToLowerInvariant(new Rune(code)).ToString());
            }
        }
        return builder.ToString();
    }

    /// <summary>Canonical decomposition with canonical ordering (NFD), format characters dropped: two texts that are
    /// canonically equivalent (the same NFC) give the same string. For keys that must keep accents, such as emails
    /// ("josé@" precomposed or decomposed is one address, "jose@" another).</summary>
    public static string Canonical(string text)
    {
        // ASCII: no decompositions, format characters or combining marks: the text is its own canonical form.
        if (Ascii.IsValid(text)) return text;
        return CanonicalRunes(text);
    }

    /// <summary><see cref="Canonical"/> rune by rune, for any text (internal: tests check the ASCII shortcut against it).</summary>
    internal static string CanonicalRunes(string text)
    {
        var codes = new List<int>(text.Length);
        foreach (var rune in Runes(text))
            foreach (var code in Decompose(rune.Value, folded: false))
                if (Rune.GetUnicodeCategory(new Rune(code)) != UnicodeCategory.Format) codes.Add(code);
        // Canonical ordering: a run of marks is sorted by combining class (stable), so "a + dot below + diaeresis"
        // and "a + diaeresis + dot below" agree.
        for (var i = 1; i < codes.Count; i++)
        {
            var cc = CombiningClass.GetValueOrDefault(codes[i]);
            if (cc == 0) continue;
            for (var j = i; j > 0 && CombiningClass.GetValueOrDefault(codes[j - 1]) > cc; j--)
                (codes[j - 1], codes[j]) = (codes[j], codes[j - 1]);
        }
        var builder = new StringBuilder(codes.Count);
        foreach (var code in codes) builder.Append(new Rune(code).ToString());
        return builder.ToString();
    }

    // Lone surrogates (malformed UTF-16) carry no letter: they are dropped rather than thrown on.
    private static IEnumerable<Rune> Runes(string text)
    {
        for (var i = 0; i < text.Length;)
        {
            if (Rune.TryGetRuneAt(text, i, out var rune)) { yield return rune; i += rune.Utf16SequenceLength; }
            else i++;
        }
    }

    private const int HangulFirst = 0xAC00, HangulCount = 11172, JamoL = 0x1100, JamoV = 0x1161, JamoT = 0x11A7;

    private static IEnumerable<int> Decompose(int code, bool folded)
    {
        if (code is >= HangulFirst and < HangulFirst + HangulCount)
        {
            // Hangul syllables decompose by formula (Unicode 3.12), not by table.
            var index = code - HangulFirst;
            return index % 28 == 0
                ? [JamoL + index / 588, JamoV + index % 588 / 28]
                : [JamoL + index / 588, JamoV + index % 588 / 28, JamoT + index % 28];
        }
        if (!Table.TryGetValue(code, out var entry)) return [code];
        return (folded ? entry.Folded : entry.Canonical) ?? [code];
    }

    private static Dictionary<int, (int[]?, int[]?)> LoadTable()
    {
        var table = new Dictionary<int, (int[]?, int[]?)>(6000);
        foreach (var line in UnicodeFoldData.Decompositions.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(';');
            table[Hex(fields[0])] = (Codes(fields[1]), Codes(fields[2]));
        }
        return table;
    }

    private static Dictionary<int, int> LoadClasses()
    {
        var classes = new Dictionary<int, int>(1000);
        foreach (var line in UnicodeFoldData.CombiningClasses.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ');
            classes[Hex(line[..space])] = int.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return classes;
    }

    private static int[]? Codes(string field) =>
        field.Length == 0 ? null : field.Split(' ').Select(Hex).ToArray();

    private static int Hex(string text) => int.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
