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
}
