using System.Data.Common;
using Dapper;

namespace Crm.Mcp.Features.Links;

/// <summary>The link tables between deals, contacts and companies; each write reports whether it changed a row.</summary>
public static class LinkSql
{
    public static async Task<bool> LinkDealContactAsync(DbConnection connection, DbTransaction transaction, string dealId, string personId, string now)
    {
        const string sql = """
            INSERT INTO deal_people (deal_id, person_id, created_at) VALUES (@dealId, @personId, @now)
            ON CONFLICT DO NOTHING
            """;
        return await connection.ExecuteAsync(sql, new { dealId, personId, now }, transaction) > 0;
    }

    public static async Task<bool> UnlinkDealContactAsync(DbConnection connection, DbTransaction transaction, string dealId, string personId)
    {
        const string sql = "DELETE FROM deal_people WHERE deal_id = @dealId AND person_id = @personId";
        return await connection.ExecuteAsync(sql, new { dealId, personId }, transaction) > 0;
    }

    public static async Task<bool> LinkContactCompanyAsync(DbConnection connection, DbTransaction transaction, string personId, string companyId, string now)
    {
        const string sql = """
            INSERT INTO company_people (company_id, person_id, created_at) VALUES (@companyId, @personId, @now)
            ON CONFLICT DO NOTHING
            """;
        return await connection.ExecuteAsync(sql, new { companyId, personId, now }, transaction) > 0;
    }

    public static async Task<bool> UnlinkContactCompanyAsync(DbConnection connection, DbTransaction transaction, string personId, string companyId)
    {
        const string sql = "DELETE FROM company_people WHERE company_id = @companyId AND person_id = @personId";
        return await connection.ExecuteAsync(sql, new { companyId, personId }, transaction) > 0;
    }

    public sealed record DealCompany(string? CompanyId, string? CompanyName);

    public static Task<DealCompany> DealCompanyAsync(DbConnection connection, DbTransaction transaction, string dealId)
    {
        const string sql = """
            SELECT d.company_id AS CompanyId, c.name AS CompanyName FROM deals d LEFT JOIN companies c ON c.id = d.company_id
            WHERE d.id = @dealId
            """;
        return connection.QuerySingleAsync<DealCompany>(sql, new { dealId }, transaction);
    }

    /// <summary>Sets or clears a deal's company; a newly set company lists the deal after its other deals.</summary>
    public static Task SetDealCompanyAsync(DbConnection connection, DbTransaction transaction, string dealId, string? companyId, string now)
    {
        const string sql = """
            UPDATE deals SET company_id = @companyId, updated_at = @now,
                company_sort_index = CASE WHEN @companyId IS NULL THEN 0
                    ELSE COALESCE((SELECT MAX(company_sort_index) + 1 FROM deals WHERE company_id = @companyId), 0) END
            WHERE id = @dealId
            """;
        return connection.ExecuteAsync(sql, new { dealId, companyId, now }, transaction);
    }

    public static Task TouchDealAsync(DbConnection connection, DbTransaction transaction, string dealId, string now)
    {
        const string sql = "UPDATE deals SET updated_at = @now WHERE id = @dealId";
        return connection.ExecuteAsync(sql, new { dealId, now }, transaction);
    }
}
