using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Data;

/// <summary>Migration 0103: every FTS5 index merges less often than FTS5's defaults (automerge 4, crisismerge 16),
/// which made small write transactions at 100k rows spend most of their time merging.</summary>
public sealed class FtsMergeSettingsTests
{
    [Theory]
    [InlineData("search_words")]
    [InlineData("search_trigrams")]
    public async Task Each_index_keeps_the_merge_settings_for_small_transactions(string index)
    {
        if (TestDatabase.IsPostgres) Assert.Skip("FTS5 is SQLite's; PostgreSQL searches through GIN indexes.");
        await using var database = await TestDatabase.CreateAsync();
        await using var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken);
        var settings = (await connection.QueryAsync<(string K, long V)>($"SELECT k, v FROM {index}_config WHERE k IN ('automerge', 'crisismerge')")).ToDictionary(r => r.K, r => r.V);
        Assert.Equal(8, settings["automerge"]);
        Assert.Equal(128, settings["crisismerge"]);
    }

    /// <summary>Migration 0210: a 'merge' command on the word index merges any level that holds two segments, so one
    /// run leaves at most one segment per level (FTS5's default, 4, leaves up to three).</summary>
    [Fact]
    public async Task The_word_index_merges_two_segments_of_a_level_on_request()
    {
        if (TestDatabase.IsPostgres) Assert.Skip("FTS5 is SQLite's; PostgreSQL searches through GIN indexes.");
        await using var database = await TestDatabase.CreateAsync();
        await using var connection = await database.Db.OpenAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT v FROM search_words_config WHERE k = 'usermerge'"));
        // Three transactions, three level-0 segments (automerge waits for eight).
        for (var i = 0; i < 3; i++)
            await connection.ExecuteAsync($"INSERT INTO companies (id, name, name_key, created_at, updated_at) VALUES ('{Guid.NewGuid()}', 'Merge Test {i}', 'merge test {i}', '2026-01-01', '2026-01-01')");
        const string segments = "SELECT count(DISTINCT segid) FROM search_words_idx";
        Assert.True(await connection.ExecuteScalarAsync<long>(segments) >= 3);
        await connection.ExecuteAsync("INSERT INTO search_words (search_words, rank) VALUES ('merge', 100)");
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>(segments));
    }
}
