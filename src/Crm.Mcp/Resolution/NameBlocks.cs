using System.Data.Common;
using System.Text;
using Dapper;

namespace Crm.Mcp.Resolution;

/// <summary>
/// Blocking keys of a name key (migration 0150): each word of 2+ letters with the first letters of the name's other
/// words (its rest, which orders a common word's rows), and, for several words, the words run together (<see cref="Compact"/>). <see cref="Of"/>
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
        var blocks = new List<Block>();
        foreach (var word in key.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => w.Length >= 2))
        {
            // As the triggers compute it: every whole-word occurrence replaced left to right, spaces dropped.
            var rest = $" {key} ".Replace($" {word} ", " ").Trim().Replace(" ", "");
            blocks.Add(new Block(word, Runes(rest, RestLength)));
        }
        if (key.Contains(' ')) blocks.Add(new Block(Compact(key), ""));
        return blocks.Distinct().ToList();
    }

    /// <summary>What a lookup of <paramref name="key"/> reads: its own blocks, plus its letters run together both as a
    /// word and after a space, so "lucasferrari" finds "lucas ferrari" and "ac me" finds "acme".</summary>
    public static IReadOnlyList<Block> Lookup(string key)
    {
        var compact = key.Replace(" ", "");
        return Of(key).Append(new Block(Compact(key), "")).Append(new Block(compact, "")).Where(b => b.Key.Trim().Length >= 2).Distinct().ToList();
    }

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

    /// <summary>Every name's blocks, written in key order (appends to the B-tree, not page splits all over it).</summary>
    public static Task FillAsync(DbConnection connection, DbTransaction transaction, string table) =>
        connection.ExecuteAsync($"""
            INSERT OR IGNORE INTO {TableOf(table)} (block, rest, row_id)
            SELECT block, rest, row_id FROM (
                SELECT w.value AS block, substr(replace(trim(replace(' ' || t.name_key || ' ', ' ' || w.value || ' ', ' ')), ' ', ''), 1, {RestLength}) AS rest,
                       t.rowid AS row_id
                FROM {table} t, json_each('["' || replace(t.name_key, ' ', '","') || '"]') w
                WHERE length(w.value) >= 2
                UNION ALL
                SELECT ' ' || replace(name_key, ' ', ''), '', rowid FROM {table} WHERE instr(name_key, ' ') > 0)
            ORDER BY block, rest, row_id
            """, transaction: transaction);

    /// <summary>PostgreSQL's <see cref="FillAsync"/> (migration 0220): the same blocks from crm_name_blocks, which the
    /// triggers use. No statement timeout: at 1M rows of each it runs for a minute or more, in the migration's transaction.</summary>
    private static Task FillPostgresAsync(DbConnection connection, DbTransaction transaction, string table) =>
        connection.ExecuteAsync($"""
            INSERT INTO {TableOf(table)} (block, rest, row_id)
            SELECT b.block, b.rest, t.id FROM {table} t, crm_name_blocks(t.name_key) b
            ORDER BY 1, 2, 3
            """, transaction: transaction, commandTimeout: 0);

    /// <summary>Migration 0220 (PostgreSQL): fill the block tables from the names there are.</summary>
    public static async Task MigratePostgresAsync(DbConnection connection, DbTransaction transaction)
    {
        await FillPostgresAsync(connection, transaction, "companies");
        await FillPostgresAsync(connection, transaction, "people");
    }

    /// <summary>Migration 0150 (SQLite): fill the block tables from the names there are.</summary>
    public static async Task MigrateAsync(DbConnection connection, DbTransaction transaction)
    {
        await FillAsync(connection, transaction, "companies");
        await FillAsync(connection, transaction, "people");
    }

    /// <summary>The FTS5 trigram name indexes the blocks replace (0050, rebuilt by 0180), with their triggers.</summary>
    public static Task DropTrigramIndexesAsync(DbConnection connection, DbTransaction transaction) =>
        connection.ExecuteAsync("""
            DROP TRIGGER IF EXISTS companies_name_trgm_ai; DROP TRIGGER IF EXISTS companies_name_trgm_ad; DROP TRIGGER IF EXISTS companies_name_trgm_au;
            DROP TRIGGER IF EXISTS people_name_trgm_ai; DROP TRIGGER IF EXISTS people_name_trgm_ad; DROP TRIGGER IF EXISTS people_name_trgm_au;
            DROP TABLE IF EXISTS companies_name_trgm; DROP TABLE IF EXISTS people_name_trgm;
            """, transaction: transaction);
}
