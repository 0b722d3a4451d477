using System.Data.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.Completions;

/// <summary>
/// Prefix reads for completion/complete, each an index range on a normalized key (the resolver's) with a LIMIT, so a
/// keystroke costs the same at 1M rows as at 10. PostgreSQL compares under COLLATE "C" so the range is a byte prefix
/// (its default collation would not keep "acme" ≤ x &lt; "acme\U0010FFFF" a prefix test), over the "C" indexes of
/// migrations 0050 and 0130. Each read returns up to <paramref name="limit"/> rows.
/// </summary>
public static class CompletionSql
{
    public static Task<IEnumerable<string>> CompanyNamesAsync(DbConnection connection, DbTransaction transaction, string key, int limit)
    {
        var sql = SqlDialect.Of(connection).IsPostgres
            ? """SELECT name FROM companies WHERE name_key COLLATE "C" >= @key AND name_key COLLATE "C" < @key || chr(1114111) ORDER BY name_key COLLATE "C" LIMIT @limit"""
            : "SELECT name FROM companies WHERE name_key >= @key AND name_key < @key || char(1114111) ORDER BY name_key LIMIT @limit";
        return connection.QueryAsync<string>(sql, new { key, limit }, transaction);
    }

    public sealed record PersonRow(string? Email, string FullName);

    /// <summary>People whose email starts with <paramref name="emailKey"/>.</summary>
    public static Task<IEnumerable<PersonRow>> PeopleByEmailAsync(DbConnection connection, DbTransaction transaction, string emailKey, int limit)
    {
        var sql = SqlDialect.Of(connection).IsPostgres
            ? """SELECT email, full_name AS FullName FROM people WHERE email_key COLLATE "C" >= @emailKey AND email_key COLLATE "C" < @emailKey || chr(1114111) ORDER BY email_key COLLATE "C" LIMIT @limit"""
            : "SELECT email, full_name AS FullName FROM people WHERE email_key >= @emailKey AND email_key < @emailKey || char(1114111) ORDER BY email_key LIMIT @limit";
        return connection.QueryAsync<PersonRow>(sql, new { emailKey, limit }, transaction);
    }

    /// <summary>People whose name starts with <paramref name="nameKey"/> (never empty: a blank name key is everyone known only by email).</summary>
    public static Task<IEnumerable<PersonRow>> PeopleByNameAsync(DbConnection connection, DbTransaction transaction, string nameKey, int limit)
    {
        var sql = SqlDialect.Of(connection).IsPostgres
            ? """SELECT email, full_name AS FullName FROM people WHERE name_key COLLATE "C" >= @nameKey AND name_key COLLATE "C" < @nameKey || chr(1114111) ORDER BY name_key COLLATE "C" LIMIT @limit"""
            : "SELECT email, full_name AS FullName FROM people WHERE name_key >= @nameKey AND name_key < @nameKey || char(1114111) ORDER BY name_key LIMIT @limit";
        return connection.QueryAsync<PersonRow>(sql, new { nameKey, limit }, transaction);
    }

    /// <summary>Deal identifiers starting with <paramref name="prefix"/>, ignoring case (DEAL-001 for "deal-0").</summary>
    public static Task<IEnumerable<string>> DealIdentifiersAsync(DbConnection connection, DbTransaction transaction, string prefix, int limit)
    {
        var lower = prefix.ToLowerInvariant();
        var sql = SqlDialect.Of(connection).IsPostgres
            ? """SELECT identifier FROM deals WHERE lower(identifier) COLLATE "C" >= @lower AND lower(identifier) COLLATE "C" < @lower || chr(1114111) ORDER BY lower(identifier) COLLATE "C" LIMIT @limit"""
            // SQLite's NOCASE folds ASCII letters to lower case, so this range is the prefix test on ix_deals_identifier_nocase.
            : "SELECT identifier FROM deals WHERE identifier >= @lower COLLATE NOCASE AND identifier < @lower || char(1114111) COLLATE NOCASE ORDER BY identifier COLLATE NOCASE LIMIT @limit";
        return connection.QueryAsync<string>(sql, new { lower, limit }, transaction);
    }

    /// <summary>The identifiers of the deals of companies whose name starts with <paramref name="companyKey"/>
    /// ("acme" completes to Acme's deals), newest first per company.</summary>
    public static Task<IEnumerable<string>> DealIdentifiersOfCompaniesAsync(DbConnection connection, DbTransaction transaction, string companyKey, int limit)
    {
        var companies = SqlDialect.Of(connection).IsPostgres
            ? """SELECT id FROM companies WHERE name_key COLLATE "C" >= @companyKey AND name_key COLLATE "C" < @companyKey || chr(1114111) ORDER BY name_key COLLATE "C" LIMIT @limit"""
            : "SELECT id FROM companies WHERE name_key >= @companyKey AND name_key < @companyKey || char(1114111) ORDER BY name_key LIMIT @limit";
        var sql = $"SELECT d.identifier FROM ({companies}) c CROSS JOIN LATERAL (SELECT identifier FROM deals WHERE company_id = c.id LIMIT @limit) d LIMIT @limit";
        if (!SqlDialect.Of(connection).IsPostgres)
            // SQLite has no LATERAL: a correlated IN per company keeps the read on ix_deals_company and bounded.
            sql = $"SELECT identifier FROM deals WHERE company_id IN ({companies}) LIMIT @limit";
        return connection.QueryAsync<string>(sql, new { companyKey, limit }, transaction);
    }

    /// <summary>Pipeline names starting with <paramref name="key"/>; a CRM has a handful of pipelines.</summary>
    public static Task<IEnumerable<string>> PipelineNamesAsync(DbConnection connection, DbTransaction transaction, string key, int limit)
    {
        var sql = SqlDialect.Of(connection).IsPostgres
            ? """SELECT name FROM pipelines WHERE name_key COLLATE "C" >= @key AND name_key COLLATE "C" < @key || chr(1114111) ORDER BY is_default DESC, name_key LIMIT @limit"""
            : "SELECT name FROM pipelines WHERE name_key >= @key AND name_key < @key || char(1114111) ORDER BY is_default DESC, name_key LIMIT @limit";
        return connection.QueryAsync<string>(sql, new { key, limit }, transaction);
    }
}
