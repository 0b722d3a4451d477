using System.Data.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.Completions;

/// <summary>
/// Prefix reads for completion/complete, each an index range on a normalized key (the resolver's) with a LIMIT, so a
/// keystroke costs the same at 1M rows as at 10. PostgreSQL compares under COLLATE "C" so the range is a byte prefix
/// (its default collation would not keep "acme" ≤ x &lt; "acme\U0010FFFF" a prefix test), over the "C" indexes of
/// migrations 0050 and 0130; SQLite's keys are BINARY already, and deal identifiers use its NOCASE index.
/// </summary>
public static class CompletionSql
{
    public sealed record PersonRow(string? Email, string FullName);

    public static Task<IEnumerable<string>> CompanyNamesAsync(DbConnection connection, DbTransaction transaction, string key, int limit) =>
        connection.QueryAsync<string>($"SELECT name FROM companies WHERE {Prefix(connection, "name_key")} LIMIT @limit", new { prefix = key, limit }, transaction);

    /// <summary>People whose email starts with <paramref name="emailKey"/>.</summary>
    public static Task<IEnumerable<PersonRow>> PeopleByEmailAsync(DbConnection connection, DbTransaction transaction, string emailKey, int limit) =>
        connection.QueryAsync<PersonRow>($"SELECT email, full_name AS FullName FROM people WHERE {Prefix(connection, "email_key")} LIMIT @limit",
            new { prefix = emailKey, limit }, transaction);

    /// <summary>People whose name starts with <paramref name="nameKey"/> (never empty: a blank name key is everyone known only by email).</summary>
    public static Task<IEnumerable<PersonRow>> PeopleByNameAsync(DbConnection connection, DbTransaction transaction, string nameKey, int limit) =>
        connection.QueryAsync<PersonRow>($"SELECT email, full_name AS FullName FROM people WHERE {Prefix(connection, "name_key")} LIMIT @limit",
            new { prefix = nameKey, limit }, transaction);

    /// <summary>Deal identifiers starting with <paramref name="prefix"/>, ignoring case (DEAL-001 for "deal-0").</summary>
    public static Task<IEnumerable<string>> DealIdentifiersAsync(DbConnection connection, DbTransaction transaction, string prefix, int limit)
    {
        var range = SqlDialect.Of(connection).IsPostgres
            ? Prefix(connection, "lower(identifier)")
            // NOCASE folds ASCII letters to lower case, so this range is the prefix test on ix_deals_identifier_nocase.
            : "identifier >= @prefix COLLATE NOCASE AND identifier < @prefix || char(1114111) COLLATE NOCASE ORDER BY identifier COLLATE NOCASE";
        return connection.QueryAsync<string>($"SELECT identifier FROM deals WHERE {range} LIMIT @limit", new { prefix = prefix.ToLowerInvariant(), limit }, transaction);
    }

    /// <summary>The identifiers of the deals of companies whose name starts with <paramref name="companyKey"/>
    /// ("acme" completes to Acme's deals), at most <paramref name="limit"/> companies and deals.</summary>
    public static Task<IEnumerable<string>> DealIdentifiersOfCompaniesAsync(DbConnection connection, DbTransaction transaction, string companyKey, int limit)
    {
        var companies = $"SELECT id FROM companies WHERE {Prefix(connection, "name_key")} LIMIT @limit";
        var sql = SqlDialect.Of(connection).IsPostgres
            ? $"SELECT d.identifier FROM ({companies}) c CROSS JOIN LATERAL (SELECT identifier FROM deals WHERE company_id = c.id LIMIT @limit) d LIMIT @limit"
            // SQLite reads each company's deals through ix_deals_company_name and stops at the LIMIT.
            : $"SELECT identifier FROM deals WHERE company_id IN ({companies}) LIMIT @limit";
        return connection.QueryAsync<string>(sql, new { prefix = companyKey, limit }, transaction);
    }

    /// <summary>Pipeline names starting with <paramref name="key"/>, the default pipeline first; a CRM has a handful.</summary>
    public static Task<IEnumerable<string>> PipelineNamesAsync(DbConnection connection, DbTransaction transaction, string key, int limit)
    {
        var sql = $"SELECT name FROM pipelines WHERE {StartsWith(connection, "name_key")} ORDER BY is_default DESC, name_key LIMIT @limit";
        return connection.QueryAsync<string>(sql, new { prefix = key, limit }, transaction);
    }

    /// <summary>"<paramref name="column"/> starts with @prefix, in key order": an index range in the connection's dialect.</summary>
    private static string Prefix(DbConnection connection, string column) =>
        $"{StartsWith(connection, column)} ORDER BY {column}{(SqlDialect.Of(connection).IsPostgres ? " COLLATE \"C\"" : "")}";

    private static string StartsWith(DbConnection connection, string column) =>
        SqlDialect.Of(connection).IsPostgres
            ? $"""{column} COLLATE "C" >= @prefix AND {column} COLLATE "C" < @prefix || chr(1114111)"""
            : $"{column} >= @prefix AND {column} < @prefix || char(1114111)";
}
