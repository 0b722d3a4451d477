using System.Data.Common;
using Dapper;

namespace Crm.Mcp.Resolution;

/// <summary>
/// Blocking keys of a name key (migration 0150): its words of 2+ letters and, for several words, the words run
/// together. <see cref="Of"/> must stay what the tables' triggers write; a reordered, shortened or respaced name shares
/// a block with the name it is near.
/// </summary>
public static class NameBlocks
{
    public static IReadOnlyList<string> Of(string key)
    {
        var blocks = key.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => w.Length >= 2).ToList();
        if (key.Contains(' ')) blocks.Add(key.Replace(" ", ""));
        return blocks.Distinct().ToList();
    }

    /// <summary>The table that holds the blocks of <paramref name="table"/>'s names.</summary>
    public static string TableOf(string table) => $"{table}_name_blocks";

    /// <summary>Every name's blocks, written in key order (appends to the B-tree, not page splits all over it).</summary>
    public static Task FillAsync(DbConnection connection, DbTransaction transaction, string table) =>
        connection.ExecuteAsync($"""
            INSERT OR IGNORE INTO {TableOf(table)} (block, row_id)
            SELECT block, row_id FROM (
                SELECT w.value AS block, t.rowid AS row_id FROM {table} t, json_each('["' || replace(t.name_key, ' ', '","') || '"]') w
                WHERE length(w.value) >= 2
                UNION ALL
                SELECT replace(name_key, ' ', ''), rowid FROM {table} WHERE instr(name_key, ' ') > 0)
            ORDER BY block, row_id
            """, transaction: transaction);

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
