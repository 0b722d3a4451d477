using System.Data.Common;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.Companies;

/// <summary>The companies table's SQL, each statement beside its Dapper call.</summary>
public static class CompanySql
{
    /// <summary>All stored columns of a company; written whole on insert and update.</summary>
    public sealed class CompanyRow
    {
        public string Id { get; set; } = "";
        public string Name { get; set; } = "";
        public string NameKey { get; set; } = "";
        public string? Domain { get; set; }
        public string? Website { get; set; }
        public string? Logo { get; set; }
        public string? Phone { get; set; }
        public string? Industry { get; set; }
        public string? Notes { get; set; }
        public string? OwnerId { get; set; }
        public long ContactCount { get; set; }
        public long DealCount { get; set; }
        public string CreatedAt { get; set; } = "";
        public string UpdatedAt { get; set; } = "";
    }

    private const string SelectCompany = """
        SELECT c.id, c.name, c.name_key AS NameKey, c.domain, c.website, c.logo, c.phone, c.industry, c.notes,
               c.owner_id AS OwnerId, c.created_at AS CreatedAt, c.updated_at AS UpdatedAt,
               (SELECT COUNT(*) FROM company_people cp WHERE cp.company_id = c.id) AS ContactCount,
               (SELECT COUNT(*) FROM deals d WHERE d.company_id = c.id) AS DealCount
        FROM companies c
        """;

    /// <summary>Inserts unless the name key is taken; returns false when it is.</summary>
    public static async Task<bool> InsertAsync(DbConnection connection, DbTransaction transaction, CompanyRow row)
    {
        const string sql = """
            INSERT INTO companies (id, name, name_key, domain, website, logo, phone, industry, notes, owner_id, created_at, updated_at)
            VALUES (@Id, @Name, @NameKey, @Domain, @Website, @Logo, @Phone, @Industry, @Notes, @OwnerId, @CreatedAt, @UpdatedAt)
            ON CONFLICT (name_key) DO NOTHING
            RETURNING id
            """;
        return await connection.QuerySingleOrDefaultAsync<string>(sql, row, transaction) is not null;
    }

    public static Task UpdateAsync(DbConnection connection, DbTransaction transaction, CompanyRow row)
    {
        const string sql = """
            UPDATE companies SET name = @Name, name_key = @NameKey, domain = @Domain, website = @Website, logo = @Logo,
                                 phone = @Phone, industry = @Industry, owner_id = @OwnerId, updated_at = @UpdatedAt
            WHERE id = @Id
            """;
        return connection.ExecuteAsync(sql, row, transaction);
    }

    /// <summary>The company already holding a name key, other than <paramref name="exceptId"/>.</summary>
    public static Task<CompanyRow?> FindByKeyAsync(DbConnection connection, DbTransaction transaction, string nameKey, string? exceptId = null)
    {
        const string sql = SelectCompany + " WHERE c.name_key = @nameKey AND (@exceptId IS NULL OR c.id <> @exceptId)";
        return connection.QuerySingleOrDefaultAsync<CompanyRow>(sql, new { nameKey, exceptId }, transaction);
    }

    /// <summary>Up to two companies with this bare domain: upsert by domain needs exactly one.</summary>
    public static async Task<IReadOnlyList<CompanyRow>> FindByDomainAsync(DbConnection connection, DbTransaction transaction, string domain)
    {
        const string sql = SelectCompany + " WHERE c.domain = @domain ORDER BY c.created_at, c.id LIMIT 2";
        return (await connection.QueryAsync<CompanyRow>(sql, new { domain }, transaction)).ToList();
    }

    public static Task<CompanyRow?> FindAsync(DbConnection connection, DbTransaction transaction, string id)
    {
        const string sql = SelectCompany + " WHERE c.id = @id";
        return connection.QuerySingleOrDefaultAsync<CompanyRow>(sql, new { id }, transaction);
    }

    public static async Task<IReadOnlyList<CompanyView>> FindManyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0) return [];
        const string sql = SelectCompany + " WHERE c.id IN (SELECT value FROM json_each(@ids))";
        var rows = (await connection.QueryAsync<CompanyRow>(sql, new { ids = SqlList.Json(ids) }, transaction)).ToList();
        var custom = await CustomFields.CustomFieldSql.ValuesAsync(connection, transaction, ids);
        return rows.Select(r => ToView(r) with { CustomFields = custom[r.Id] }).ToList();
    }

    public static async Task<CompanyView> ViewAsync(DbConnection connection, DbTransaction transaction, string id) =>
        (await FindManyAsync(connection, transaction, [id]))[0];

    /// <summary>A company with up to 50 contacts and deals: get_company, the crm://companies resource and prompts.</summary>
    public static async Task<CompanyDetail> DetailAsync(DbConnection connection, DbTransaction transaction, string id) =>
        new(await ViewAsync(connection, transaction, id), await ContactsAsync(connection, transaction, id), await DealsAsync(connection, transaction, id));

    public static async Task<IReadOnlyList<CompanyContact>> ContactsAsync(DbConnection connection, DbTransaction transaction, string companyId)
    {
        const string sql = """
            SELECT p.id, p.full_name AS Name, p.email, p.title
            FROM company_people cp JOIN people p ON p.id = cp.person_id
            WHERE cp.company_id = @companyId
            ORDER BY p.name_key, p.id LIMIT 50
            """;
        return (await connection.QueryAsync<CompanyContact>(sql, new { companyId }, transaction)).ToList();
    }

    internal sealed class DealRow
    {
        public string Id { get; init; } = "";
        public string Identifier { get; init; } = "";
        public string Name { get; init; } = "";
        public string Stage { get; init; } = "";
        public long? AmountMinor { get; init; }
        public string Currency { get; init; } = "";
        public bool IsDraft { get; init; }
    }

    public static async Task<IReadOnlyList<CompanyDeal>> DealsAsync(DbConnection connection, DbTransaction transaction, string companyId)
    {
        const string sql = """
            SELECT d.id, d.identifier, d.name, s.name AS Stage, d.amount_minor AS AmountMinor, d.currency, d.is_draft AS IsDraft
            FROM deals d JOIN stages s ON s.id = d.stage_id
            WHERE d.company_id = @companyId
            ORDER BY d.created_at DESC, d.id LIMIT 50
            """;
        return (await connection.QueryAsync<DealRow>(sql, new { companyId }, transaction))
            .Select(d => new CompanyDeal(d.Id, d.Identifier, d.Name, d.Stage,
                d.AmountMinor?.ToString(System.Globalization.CultureInfo.InvariantCulture), d.Currency, d.IsDraft))
            .ToList();
    }

    /// <summary>Deletes a company. Its deals stay, without a company (ON DELETE SET NULL); contact links go (CASCADE).</summary>
    public static Task DeleteAsync(DbConnection connection, DbTransaction transaction, string id)
    {
        const string sql = "DELETE FROM companies WHERE id = @id";
        return connection.ExecuteAsync(sql, new { id }, transaction);
    }

    public static CompanyView ToView(CompanyRow r) => new()
    {
        Id = r.Id, Name = r.Name, Domain = r.Domain, Website = r.Website, Logo = r.Logo, Phone = r.Phone,
        Industry = r.Industry, Notes = r.Notes, OwnerId = r.OwnerId, ContactCount = r.ContactCount, DealCount = r.DealCount,
        CreatedAt = r.CreatedAt, UpdatedAt = r.UpdatedAt,
    };
}
