using System.Globalization;
using System.Runtime.CompilerServices;

namespace Crm.Mcp.Resolution;

/// <summary>
/// How alike two normalized keys (see <see cref="NameKeys"/>) are, 0..1, with the reason in words. Legal forms are
/// already gone from company keys, so "Acme Corporation" and "ACME Corp." are equal before this runs; this scores what
/// normalization cannot settle: typos, spacing, word order, a name inside a longer one.
/// </summary>
public static class NameSimilarity
{
    /// <summary>At or above: close enough that creating a new record could be a duplicate (auto mode asks instead).</summary>
    public const double Close = 0.9;

    /// <summary>At or above: worth listing as a candidate.</summary>
    public const double Listed = 0.8;

    public static (double Score, string Why) Score(string a, string b) => Scored(a, b, reason: true);

    /// <summary><see cref="Score"/>, with the reason in words only if <paramref name="reason"/> (the bound of
    /// <see cref="Probe.IsAtLeast"/> asks only for the figure: formatting a Jaro-Winkler value per row cost more than
    /// computing it).</summary>
    private static (double Score, string Why) Scored(string a, string b, bool reason)
    {
        // Runs for every candidate row of every near-name lookup (hundreds per draft), so it allocates only when it must.
        if (a == b) return (1.0, "same normalized name");
        var compactA = a.Replace(" ", "");
        var compactB = b.Replace(" ", "");
        if (compactA == compactB) return (0.97, "same letters, different spacing");
        // "Vendor 1" and "Vendor 2", "Building 7" and "Building 9": numbered siblings, not typos of each other.
        if (HasDigit(a) && HasDigit(b) && Numbers(a) != Numbers(b))
            return (0.5, "different numbers");
        // The same words in any order have the same letters, so only keys of equal compact length can be reordered.
        if (compactA.Length == compactB.Length && a.Split(' ').Order().SequenceEqual(b.Split(' ').Order())) return (0.96, "same words in another order");

        var jaroWinkler = JaroWinkler(compactA, compactB);
        var score = jaroWinkler;
        var distance = EditDistance(compactA, compactB, atMost: 2);
        var shorter = Math.Min(compactA.Length, compactB.Length);
        var typo = distance switch
        {
            1 when shorter >= 5 => 0.94,
            1 => 0.85,
            2 when shorter >= 8 => 0.9,
            _ => 0.0,
        };
        // Said as a typo whenever it is one: "one letter apart" tells a person more than a Jaro-Winkler figure.
        if (typo > 0) score = Math.Max(typo, score);
        if (score < 0.8)
        {
            var (tokensA, tokensB) = (a.Split(' '), b.Split(' '));
            var (few, many) = tokensA.Length <= tokensB.Length ? (tokensA, tokensB) : (tokensB, tokensA);
            if (few.Length < many.Length && few.All(many.Contains))
                return (0.8, reason ? $"'{string.Join(' ', few)}' is part of '{string.Join(' ', many)}'" : "");
        }
        var why = !reason ? "" : typo > 0 ? distance == 1 ? "one letter apart (a typo?)" : "two letters apart (a typo?)"
            : $"similar spelling (Jaro-Winkler {jaroWinkler.ToString("0.00", CultureInfo.InvariantCulture)})";
        return (Math.Round(score, 3), why);
    }

    /// <summary>Exactly <c>Score(a, b).Score &gt;= Close</c>, cheaper for pairs far apart (see <see cref="IsAtLeast"/>).</summary>
    public static bool IsClose(string a, string b) => new Probe(a).IsAtLeast(b, Close);

    /// <summary>Exactly <c>Score(a, b).Score &gt;= threshold</c>; see <see cref="Probe.IsAtLeast"/>.</summary>
    public static bool IsAtLeast(string a, string b, double threshold) => new Probe(a).IsAtLeast(b, threshold);

    [InlineArray(128)]
    private struct AsciiCounts
    {
        private short _first;
    }

    /// <summary>
    /// One key made ready to be compared with many (a near-name lookup asks about every candidate row): its letter
    /// counts, length, digits and repeated words are found once, not once per row.
    /// </summary>
    public readonly struct Probe
    {
        private readonly string _key;
        private readonly AsciiCounts _counts;
        private readonly int _length;
        private readonly bool _ascii;
        private readonly bool _hasDigit;
        private readonly bool _repeatedWord;

        public Probe(string key)
        {
            _key = key;
            _ascii = true;
            foreach (var c in key)
            {
                if (c >= 128) { _ascii = false; break; }
                if (c == ' ') continue;
                _counts[c]++;
                _length++;
            }
            _hasDigit = HasDigit(key);
            _repeatedWord = _ascii && HasRepeatedWord(key);
        }

        /// <summary>
        /// Exactly <c>Score(key, other).Score &gt;= threshold</c> (<see cref="Close"/> or <see cref="Listed"/>), cheaper
        /// for the many pairs that are far apart: the letters two keys share bound how many Jaro matches they can have,
        /// and the letters they do not share bound their edit distance from below, so a pair whose best possible
        /// Jaro-Winkler and typo scores both fall short is refused without either; different numbers settle it too, and
        /// at <see cref="Listed"/> a pair whose letters are not one key's within the other's cannot be "part of" it.
        /// Every other pair gets the full <see cref="Score"/>.
        /// </summary>
        public bool IsAtLeast(string other, double threshold)
        {
            var (a, b) = (_key, other);
            if (a == b) return true;
            if (!_ascii || _length == 0) return Scored(a, b, reason: false).Score >= threshold;
            // The key's counts, less each letter of the other: a letter that takes a count below zero is one only the
            // other key has.
            Span<short> counts = stackalloc short[128];
            ((ReadOnlySpan<short>)_counts).CopyTo(counts);
            int lengthB = 0, onlyB = 0;
            foreach (var c in b)
            {
                if (c >= 128) return Scored(a, b, reason: false).Score >= threshold;
                if (c == ' ') continue;
                lengthB++;
                if (--counts[c] < 0) onlyB++;
            }
            if (lengthB == 0) return Scored(a, b, reason: false).Score >= threshold;
            var lengthA = _length;
            // Letters only one key has: each edit accounts for at most two of them (a substitution), a Jaro match for none.
            var onlyA = lengthA - (lengthB - onlyB);
            var unshared = onlyA + onlyB;
            if (unshared == 0) return Scored(a, b, reason: false).Score >= threshold; // same letters: same spelling respaced, or reordered words
            if (_hasDigit && HasDigit(b) && !SameNumbers(a, b)) return false;
            var matches = (lengthA + lengthB - unshared) / 2.0;
            var jaro = (matches / lengthA + matches / lengthB + 1) / 3;
            var prefix = 0;
            for (int i = 0, j = 0; prefix < 4; i++, j++)
            {
                while (i < a.Length && a[i] == ' ') i++;
                while (j < b.Length && b[j] == ' ') j++;
                if (i >= a.Length || j >= b.Length || a[i] != b[j]) break;
                prefix++;
            }
            // Scores are rounded to three places (0.8995 rounds to Close): the bound keeps a margin below that.
            var bestJaroWinkler = jaro + prefix * 0.1 * (1 - jaro);
            // One edit scores 0.94 from five letters, 0.85 below; two edits 0.9 from eight.
            var typoPossible = unshared <= 4 && Math.Abs(lengthA - lengthB) <= 2 && (Math.Min(lengthA, lengthB) >= 5 || threshold <= 0.85);
            // "acme" is part of "acme robotics" (0.8): every letter of one key is the other's, unless a word repeats.
            // Asked last: the other key's words are compared only for a pair that nothing else lets through.
            var possible = bestJaroWinkler >= threshold - 0.001 || typoPossible
                           || threshold <= 0.8 && (onlyA == 0 || onlyB == 0 || _repeatedWord || HasRepeatedWord(b));
            return possible && Scored(a, b, reason: false).Score >= threshold;
        }
    }

    private static bool HasRepeatedWord(string key)
    {
        var text = key.AsSpan();
        foreach (var first in text.Split(' '))
        {
            var word = text[first];
            if (word.IsEmpty) continue;
            var seen = 0;
            foreach (var other in text.Split(' '))
                if (text[other].SequenceEqual(word) && ++seen > 1) return true;
        }
        return false;
    }

    /// <summary>Numbers(a) == Numbers(b), without building them.</summary>
    private static bool SameNumbers(string a, string b)
    {
        int i = 0, j = 0;
        while (true)
        {
            var x = NextNumber(a, ref i);
            var y = NextNumber(b, ref j);
            if (x.IsEmpty || y.IsEmpty) return x.IsEmpty && y.IsEmpty;
            if (!x.SequenceEqual(y)) return false;
        }
    }

    /// <summary>The next run of digits from <paramref name="i"/> without leading zeros ("0" for zeros); empty at the end.</summary>
    private static ReadOnlySpan<char> NextNumber(string key, ref int i)
    {
        while (i < key.Length && !char.IsAsciiDigit(key[i])) i++;
        if (i >= key.Length) return [];
        var start = i;
        while (i < key.Length && char.IsAsciiDigit(key[i])) i++;
        var number = key.AsSpan(start, i - start).TrimStart('0');
        return number.IsEmpty ? "0" : number;
    }

    private static bool HasDigit(string key) => key.AsSpan().IndexOfAnyInRange('0', '9') >= 0;

    /// <summary>The numbers in a key without leading zeros, e.g. "vendor 007 b2" -> "7 2".</summary>
    private static string Numbers(string key)
    {
        var numbers = new List<string>();
        for (var i = 0; i < key.Length; i++)
        {
            if (!char.IsAsciiDigit(key[i])) continue;
            var start = i;
            while (i < key.Length && char.IsAsciiDigit(key[i])) i++;
            var number = key[start..i].TrimStart('0');
            numbers.Add(number.Length > 0 ? number : "0");
        }
        return string.Join(' ', numbers);
    }

    // Keys are at most a few hundred characters; longer ones take the heap.
    private const int StackLimit = 256;

    public static double JaroWinkler(string a, string b)
    {
        if (a.Length == 0 || b.Length == 0) return 0;
        var window = Math.Max(0, Math.Max(a.Length, b.Length) / 2 - 1);
        Span<bool> matchedA = a.Length <= StackLimit ? stackalloc bool[a.Length] : new bool[a.Length];
        Span<bool> matchedB = b.Length <= StackLimit ? stackalloc bool[b.Length] : new bool[b.Length];
        var matches = 0;
        for (var i = 0; i < a.Length; i++)
        {
            for (var j = Math.Max(0, i - window); j < Math.Min(b.Length, i + window + 1); j++)
            {
                if (matchedB[j] || a[i] != b[j]) continue;
                matchedA[i] = matchedB[j] = true;
                matches++;
                break;
            }
        }
        if (matches == 0) return 0;
        var transpositions = 0;
        for (int i = 0, j = 0; i < a.Length; i++)
        {
            if (!matchedA[i]) continue;
            while (!matchedB[j]) j++;
            if (a[i] != b[j]) transpositions++;
            j++;
        }
        var m = (double)matches;
        var jaro = (m / a.Length + m / b.Length + (m - transpositions / 2.0) / m) / 3;
        var prefix = 0;
        while (prefix < Math.Min(4, Math.Min(a.Length, b.Length)) && a[prefix] == b[prefix]) prefix++;
        return jaro + prefix * 0.1 * (1 - jaro);
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    public static int EditDistance(string a, string b) => EditDistance(a, b, int.MaxValue - 1);

    /// <summary>The same, exact up to <paramref name="atMost"/>; beyond it, some value above it (scoring only asks
    /// whether two keys are one or two edits apart, so unrelated names stop after a few rows). Three rolling rows of
    /// the matrix: a swap looks two rows back.</summary>
    private static int EditDistance(string a, string b, int atMost)
    {
        if (Math.Abs(a.Length - b.Length) > atMost) return atMost + 1;
        var width = b.Length + 1;
        Span<int> rows = width <= StackLimit ? stackalloc int[3 * width] : new int[3 * width];
        var beforePrevious = rows[..width];
        var previous = rows.Slice(width, width);
        var current = rows.Slice(2 * width, width);
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        var previousMin = 0;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var currentMin = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var d = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d = Math.Min(d, beforePrevious[j - 2] + 1);
                current[j] = d;
                currentMin = Math.Min(currentMin, d);
            }
            // Every later cell comes from one of these two rows plus zero or more: all beyond the bound stays beyond it.
            if (currentMin > atMost && previousMin > atMost) return atMost + 1;
            previousMin = currentMin;
            var recycled = beforePrevious;
            beforePrevious = previous;
            previous = current;
            current = recycled;
        }
        return previous[b.Length];
    }
}
