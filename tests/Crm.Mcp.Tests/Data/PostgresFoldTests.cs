using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Data;

/// <summary>Autovacuum's ANALYZE and pg_restore evaluate index expressions with an empty search_path; crm_fold (the
/// search trigram index's expression) named unaccent unqualified and failed there, so search_documents never got
/// automatic statistics (migration 0161).</summary>
public sealed class PostgresFoldTests
{
    [Fact]
    public async Task Search_documents_can_be_analyzed_with_an_empty_search_path_as_autovacuum_does()
    {
        if (!TestDatabase.IsPostgres) Assert.Skip("PostgreSQL's crm_fold; SQLite folds in C#.");
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync();
        await using var connection = await database.Db.OpenAsync(ct);
        await connection.ExecuteAsync("""
            INSERT INTO companies (id, name, name_key, created_at, updated_at)
            VALUES ('c1', 'Łódź Café', 'lodz cafe', '2026-12-07T00:00:00.000Z', '2026-12-07T00:00:00.000Z')
            """);
        await connection.ExecuteAsync("SET search_path = ''");
        await connection.ExecuteAsync("ANALYZE public.search_documents");
        Assert.Equal("lodz cafe inc ", await connection.ExecuteScalarAsync<string>("SELECT public.crm_fold('Łódź Café, Inc.')"));
        await connection.ExecuteAsync("RESET search_path");
    }
}
