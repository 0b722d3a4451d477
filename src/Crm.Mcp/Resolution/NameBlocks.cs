using System.Data.Common;
using System.Text;
using Dapper;

namespace Crm.Mcp.Resolution;

/// <summary>
/// Blocking keys of a name key (migration 0150): each word of 2+ letters with the first letters of the name's other
/// words (its rest, which orders a common word's rows), each word of 3+ letters reversed with the same rest (<see
/// cref="Reversed"/>, migration 0260), and, for several words, the words run together (<see cref="Compact"/>). <see cref="Of"/>
/// must stay what the tables' triggers write: a reordered, shortened or respaced name shares a block with the name it
/// is near, and among a common word's rows a lookup reads those whose rest sorts nearest its own. PostgreSQL has the
/// same tables since migration 0220 (row_id: the record's id), written by crm_name_blocks, which must stay <see cref="Of"/> too.
/// </summary>
public static class NameBlocks
{
    /// <summary>Characters of the other words kept to order a word's rows: enough to tell namesakes apart, few bytes.</summary>
    public const int RestLength = 6;

    public readonly record struct Block(string Key, string Rest);

    public static IReadOnlyList<Block> Of(string key)
    {
        var words = Words(key);
        var reversed = words.Where(b => RuneCount(b.Key) >= 3).Select(b => new Block(Reversed(b.Key), b.Rest));
        var blocks = words.Concat(reversed).ToList();
        if (key.Contains(' ')) blocks.Add(new Block(Compact(key), ""));
        return blocks.Distinct().ToList();
    }

    /// <summary>What a lookup of <paramref name="key"/> reads as blocks: its word and run-together blocks, plus its
    /// letters run together both as a word and after a space, so "lucasferrari" finds "lucas ferrari" and "ac me" finds
    /// "acme". The reversed blocks are read beside each word's (<see cref="Reversed"/>), not as blocks of their own.</summary>
    public static IReadOnlyList<Block> Lookup(string key)
    {
        var compact = key.Replace(" ", "");
        return Words(key).Append(new Block(Compact(key), "")).Append(new Block(compact, "")).Where(b => b.Key.Trim().Length >= 2).Distinct().ToList();
    }

    /// <summary>Each word of 2+ letters with the first letters of the name's other words.</summary>
    private static List<Block> Words(string key)
    {
        var blocks = new List<Block>();
        foreach (var word in key.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => w.Length >= 2))
        {
            // As the triggers compute it: every whole-word occurrence replaced left to right, spaces dropped.
            var rest = $" {key} ".Replace($" {word} ", " ").Trim().Replace(" ", "");
            blocks.Add(new Block(word, Runes(rest, RestLength)));
        }
        return blocks;
    }

    /// <summary>Letters of a word's end kept, last first, in its reversed block (migration 0260).</summary>
    public const int ReversedLength = 6;

    /// <summary>The typo key for the start of a word (migration 0260): its last <see cref="ReversedLength"/> letters,
    /// last first, after a '!' (below every letter and digit, above the run-together blocks' space, so no word's
    /// neighbour read meets one). A word misspelt in its first letters sorts beside, or in, the reversed block of the
    /// word it misspells ("ecker" -> "!rekce" beside "!rekceb" of "becker"), where its sorted neighbours do not.</summary>
    public static string Reversed(string word) => "!" + string.Concat(word.EnumerateRunes().Reverse().Take(ReversedLength).Select(r => r.ToString()));

    /// <summary>Letters (code points, as SQLite's length() counts them) in <paramref name="word"/>.</summary>
    public static int RuneCount(string word) => word.EnumerateRunes().Count();

    /// <summary>The words run together, after a space: these sort before every word, so a word's neighbours are words.</summary>
    public static string Compact(string key) => " " + key.Replace(" ", "");

    /// <summary>SQLite's substr(text, 1, n): the first n characters (code points, not UTF-16 units).</summary>
    private static string Runes(string text, int count)
    {
        var builder = new StringBuilder();
        foreach (var rune in text.EnumerateRunes().Take(count)) builder.Append(rune.ToString());
        return builder.ToString();
    }

    /// <summary>The table that holds the blocks of <paramref name="table"/>'s names.</summary>
    public static string TableOf(string table) => $"{table}_name_blocks";

    /// <summary>SQLite's <see cref="Reversed"/> of a word (no reverse() there): its last letters one by one; substr
    /// with a start before the word's first letter gives ''.</summary>
    public static string ReversedSql(string word) =>
        "'!' || " + string.Join(" || ", Enumerable.Range(1, ReversedLength).Select(i => $"substr({word}, -{i}, 1)"));

    /// <summary>Every name's blocks (<paramref name="reversedOnly"/>: only those migration 0260 adds), written in key
    /// order (appends to the B-tree, not page splits all over it).</summary>
    public static Task FillAsync(DbConnection connection, DbTransaction transaction, string table, bool reversedOnly = false)
    {
        var rest = $"substr(replace(trim(replace(' ' || t.name_key || ' ', ' ' || w.value || ' ', ' ')), ' ', ''), 1, {RestLength})";
        var words = $"FROM {table} t, json_each('[\"' || replace(t.name_key, ' ', '\",\"') || '\"]') w";
        var reversed = $"SELECT {ReversedSql("w.value")}, {rest}, t.rowid {words} WHERE length(w.value) >= 3";
        var arms = reversedOnly ? reversed : $"""
            SELECT w.value AS block, {rest} AS rest, t.rowid AS row_id {words} WHERE length(w.value) >= 2
            UNION ALL
            {reversed}
            UNION ALL
            SELECT ' ' || replace(name_key, ' ', ''), '', rowid FROM {table} WHERE instr(name_key, ' ') > 0
            """;
        return connection.ExecuteAsync($"""
            INSERT OR IGNORE INTO {TableOf(table)} (block, rest, row_id)
            SELECT * FROM ({arms}) ORDER BY 1, 2, 3
            """, transaction: transaction);
    }

    /// <summary>PostgreSQL's <see cref="FillAsync"/>: the blocks of crm_name_blocks, which the triggers use
    /// (<paramref name="reversedOnly"/>: those 0260 adds, which start with '!'). No statement timeout: at 1M rows of
    /// each it runs for a minute or more, in the migration's transaction. The reversed blocks all sort before the
    /// existing ones, so their fill splits the key's leaf pages and leaves them half full: the rebuild after it gave
    /// back 296 MB of 1,191 at 1M in 6 s.</summary>
    private static Task FillPostgresAsync(DbConnection connection, DbTransaction transaction, string table, bool reversedOnly) =>
        connection.ExecuteAsync($"""
            INSERT INTO {TableOf(table)} (block, rest, row_id)
            SELECT b.block, b.rest, t.id FROM {table} t, crm_name_blocks(t.name_key) b
            {(reversedOnly ? "WHERE b.block LIKE '!%'" : "")}
            ORDER BY 1, 2, 3;
            {(reversedOnly ? $"REINDEX TABLE {TableOf(table)};" : "")}
            """, transaction: transaction, commandTimeout: 0);

    /// <summary>Migrations 0220 (PostgreSQL: fill the block tables from the names there are) and 0260 (both: add the
    /// reversed blocks of the names there are).</summary>
    public static async Task MigratePostgresAsync(DbConnection connection, DbTransaction transaction, bool reversedOnly = false)
    {
        await FillPostgresAsync(connection, transaction, "companies", reversedOnly);
        await FillPostgresAsync(connection, transaction, "people", reversedOnly);
    }

    /// <summary>Migrations 0150 (SQLite: fill the block tables from the names there are) and 0260 (the reversed
    /// blocks).</summary>
    public static async Task MigrateAsync(DbConnection connection, DbTransaction transaction, bool reversedOnly = false)
    {
        await FillAsync(connection, transaction, "companies", reversedOnly);
        await FillAsync(connection, transaction, "people", reversedOnly);
    }

    /// <summary>The FTS5 trigram name indexes the blocks replace (0050, rebuilt by 0180), with their triggers.</summary>
    public static Task DropTrigramIndexesAsync(DbConnection connection, DbTransaction transaction) =>
        connection.ExecuteAsync("""
            DROP TRIGGER IF EXISTS companies_name_trgm_ai; DROP TRIGGER IF EXISTS companies_name_trgm_ad; DROP TRIGGER IF EXISTS companies_name_trgm_au;
            DROP TRIGGER IF EXISTS people_name_trgm_ai; DROP TRIGGER IF EXISTS people_name_trgm_ad; DROP TRIGGER IF EXISTS people_name_trgm_au;
            DROP TABLE IF EXISTS companies_name_trgm; DROP TABLE IF EXISTS people_name_trgm;
            """, transaction: transaction);
}
