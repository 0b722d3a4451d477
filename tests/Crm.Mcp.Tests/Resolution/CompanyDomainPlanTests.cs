using Crm.Mcp.Resolution;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Resolution;

/// <summary>A new person's email looks up companies on its domain. On PostgreSQL at 100k companies the planner had no
/// statistics for lower(domain), guessed 1% of the table, and walked ix_companies_created filtering every company to
/// fill a LIMIT of 50 (537 ms per new person in the bench's 100k database).</summary>
public sealed class CompanyDomainPlanTests
{
    [Fact]
    public async Task PostgreSQL_reads_companies_on_a_domain_from_the_domain_indexes_at_100k_companies()
    {
        if (!TestDatabase.IsPostgres) Assert.Skip("PostgreSQL's planner; SQLite reads the website prefixes from its own index (0100).");
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync();
        await using var connection = await database.Db.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // Triggers off (search documents, journal): only the rows and their indexes matter to the plan.
        const string fill = """
            SET LOCAL session_replication_role = replica;
            INSERT INTO companies (id, name, name_key, domain, created_at, updated_at)
            SELECT 'c' || g, 'Company ' || g, 'company ' || g, 'd' || g || '.example',
                   to_char(timestamp '2026-01-01' + g * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '2026-01-01'
            FROM generate_series(1, 100000) AS g;
            ANALYZE companies;
            """;
        await connection.ExecuteAsync(fill, transaction: transaction);
        var plan = string.Join("\n", await connection.QueryAsync<string>("EXPLAIN " + Resolver.CompaniesByDomainPostgresSql, new { domain = "d17.example" }, transaction));
        Assert.DoesNotContain("ix_companies_created", plan);
        Assert.Contains("ix_companies_domain_lower", plan);
        var found = await Resolver.CompaniesByDomainAsync(connection, transaction, "d17.example");
        Assert.Equal(["c17"], found.Select(c => c.Id));
    }
}
