using System.Data.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Features.Contacts;

/// <summary>The people table's SQL as the contact tools use it.</summary>
public static class ContactSql
{
    /// <summary>All stored columns of a person; written whole on insert and update.</summary>
    public sealed class PersonRow
    {
        public string Id { get; set; } = "";
        public string FirstName { get; set; } = "";
        public string LastName { get; set; } = "";
        public string FullName { get; set; } = "";
        public string NameKey { get; set; } = "";
        public string? Email { get; set; }
        public string? EmailKey { get; set; }
        public string? Phone { get; set; }
        public string? Title { get; set; }
        public string? Notes { get; set; }
        public string? OwnerId { get; set; }
        public long DealCount { get; set; }
        public string CreatedAt { get; set; } = "";
        public string UpdatedAt { get; set; } = "";
    }

    private const string SelectPerson = """
        SELECT p.id, p.first_name AS FirstName, p.last_name AS LastName, p.full_name AS FullName, p.name_key AS NameKey,
               p.email, p.email_key AS EmailKey, p.phone, p.title, p.notes, p.owner_id AS OwnerId,
               p.created_at AS CreatedAt, p.updated_at AS UpdatedAt,
               (SELECT COUNT(*) FROM deal_people dp WHERE dp.person_id = p.id) AS DealCount
        FROM people p
        """;

    public static Task InsertAsync(DbConnection connection, DbTransaction transaction, PersonRow row)
    {
        const string sql = """
            INSERT INTO people (id, first_name, last_name, full_name, name_key, email, email_key, phone, title, notes, owner_id, created_at, updated_at)
            VALUES (@Id, @FirstName, @LastName, @FullName, @NameKey, @Email, @EmailKey, @Phone, @Title, @Notes, @OwnerId, @CreatedAt, @UpdatedAt)
            """;
        return connection.ExecuteAsync(sql, row, transaction);
    }

    /// <summary>Inserts <paramref name="rows"/> in their order with one statement (create_contacts' set-based path).</summary>
    public static Task InsertManyAsync(DbConnection connection, DbTransaction transaction, IEnumerable<PersonRow> rows)
    {
        var sql = $"""
            INSERT INTO people (id, first_name, last_name, full_name, name_key, email, email_key, phone, title, notes, owner_id, created_at, updated_at)
            SELECT value ->> 'id', value ->> 'first_name', value ->> 'last_name', value ->> 'full_name', value ->> 'name_key',
                   value ->> 'email', value ->> 'email_key', value ->> 'phone', value ->> 'title', value ->> 'notes',
                   value ->> 'owner_id', value ->> 'created_at', value ->> 'updated_at'
            FROM {SqlList.Rows(connection)} ORDER BY CAST(value ->> 'i' AS INTEGER)
            """;
        var i = 0;
        var json = SqlList.Objects(rows, (writer, row) =>
        {
            writer.WriteNumber("i", i++);
            writer.WriteString("id", row.Id);
            writer.WriteString("first_name", row.FirstName);
            writer.WriteString("last_name", row.LastName);
            writer.WriteString("full_name", row.FullName);
            writer.WriteString("name_key", row.NameKey);
            writer.WriteString("email", row.Email);
            writer.WriteString("email_key", row.EmailKey);
            writer.WriteString("phone", row.Phone);
            writer.WriteString("title", row.Title);
            writer.WriteString("notes", row.Notes);
            writer.WriteString("owner_id", row.OwnerId);
            writer.WriteString("created_at", row.CreatedAt);
            writer.WriteString("updated_at", row.UpdatedAt);
        });
        return connection.ExecuteAsync(sql, new { rows = json }, transaction);
    }

    /// <summary>Links new people to their companies with one statement (create_contacts' set-based path).</summary>
    public static Task LinkManyAsync(DbConnection connection, DbTransaction transaction, IEnumerable<(string PersonId, string CompanyId)> links, string now)
    {
        var sql = $"""
            INSERT INTO company_people (company_id, person_id, created_at)
            SELECT value ->> 'company_id', value ->> 'person_id', @now
            FROM {SqlList.Rows(connection)} ORDER BY CAST(value ->> 'i' AS INTEGER)
            """;
        var i = 0;
        var json = SqlList.Objects(links, (writer, link) =>
        {
            writer.WriteNumber("i", i++);
            writer.WriteString("company_id", link.CompanyId);
            writer.WriteString("person_id", link.PersonId);
        });
        return connection.ExecuteAsync(sql, new { rows = json, now }, transaction);
    }

    /// <summary>Those of <paramref name="emailKeys"/> some contact already has.</summary>
    public static async Task<HashSet<string>> EmailsInUseAsync(DbConnection connection, DbTransaction transaction, IEnumerable<string> emailKeys)
    {
        const string sql = "SELECT email_key FROM people WHERE email_key IN (SELECT value FROM json_each(@keys))";
        return (await connection.QueryAsync<string>(sql, new { keys = SqlList.Json(emailKeys) }, transaction)).ToHashSet(StringComparer.Ordinal);
    }

    public static Task UpdateAsync(DbConnection connection, DbTransaction transaction, PersonRow row)
    {
        const string sql = """
            UPDATE people SET first_name = @FirstName, last_name = @LastName, full_name = @FullName, name_key = @NameKey,
                              email = @Email, email_key = @EmailKey, phone = @Phone, title = @Title, owner_id = @OwnerId,
                              updated_at = @UpdatedAt
            WHERE id = @Id
            """;
        return connection.ExecuteAsync(sql, row, transaction);
    }

    public static Task<PersonRow?> FindAsync(DbConnection connection, DbTransaction transaction, string id)
    {
        const string sql = SelectPerson + " WHERE p.id = @id";
        return connection.QuerySingleOrDefaultAsync<PersonRow>(sql, new { id }, transaction);
    }

    /// <summary>The contact holding an email key, other than <paramref name="exceptId"/>.</summary>
    public static Task<PersonRow?> FindByEmailAsync(DbConnection connection, DbTransaction transaction, string emailKey, string? exceptId)
    {
        const string sql = SelectPerson + " WHERE p.email_key = @emailKey AND (@exceptId IS NULL OR p.id <> @exceptId)";
        return connection.QuerySingleOrDefaultAsync<PersonRow>(sql, new { emailKey, exceptId }, transaction);
    }

    internal sealed record CompanyLink(string PersonId, string Id, string Name);

    public static async Task<IReadOnlyList<ContactView>> FindManyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> ids)
    {
        if (ids.Count == 0) return [];
        const string sql = SelectPerson + " WHERE p.id IN (SELECT value FROM json_each(@ids))";
        var rows = (await connection.QueryAsync<PersonRow>(sql, new { ids = SqlList.Json(ids) }, transaction)).ToList();
        const string companiesSql = """
            SELECT cp.person_id AS PersonId, c.id, c.name
            FROM company_people cp JOIN companies c ON c.id = cp.company_id
            WHERE cp.person_id IN (SELECT value FROM json_each(@ids))
            ORDER BY cp.created_at, c.name
            """;
        var companies = (await connection.QueryAsync<CompanyLink>(companiesSql, new { ids = SqlList.Json(ids) }, transaction)).ToLookup(c => c.PersonId);
        var custom = await CustomFields.CustomFieldSql.ValuesAsync(connection, transaction, ids);
        return rows.Select(r => new ContactView
        {
            Id = r.Id, Name = r.FullName, FirstName = r.FirstName, LastName = r.LastName, Email = r.Email, Phone = r.Phone,
            Title = r.Title, Companies = companies[r.Id].Select(c => new ContactCompany(c.Id, c.Name)).ToList(), Notes = r.Notes,
            OwnerId = r.OwnerId, DealCount = r.DealCount, CreatedAt = r.CreatedAt, UpdatedAt = r.UpdatedAt,
            CustomFields = custom[r.Id],
        }).ToList();
    }

    public static async Task<ContactView> ViewAsync(DbConnection connection, DbTransaction transaction, string id) =>
        (await FindManyAsync(connection, transaction, [id]))[0];

    /// <summary>A contact with up to 50 deals: get_contact and the crm://contacts resource.</summary>
    public static async Task<ContactDetail> DetailAsync(DbConnection connection, DbTransaction transaction, string id) =>
        new(await ViewAsync(connection, transaction, id), await DealsAsync(connection, transaction, id));

    internal sealed class DealRow
    {
        public string Id { get; init; } = "";
        public string Identifier { get; init; } = "";
        public string Name { get; init; } = "";
        public string Stage { get; init; } = "";
        public bool IsDraft { get; init; }
    }

    public static async Task<IReadOnlyList<ContactDeal>> DealsAsync(DbConnection connection, DbTransaction transaction, string personId)
    {
        const string sql = """
            SELECT d.id, d.identifier, d.name, s.name AS Stage, d.is_draft AS IsDraft
            FROM deal_people dp JOIN deals d ON d.id = dp.deal_id JOIN stages s ON s.id = d.stage_id
            WHERE dp.person_id = @personId
            ORDER BY d.created_at DESC, d.id LIMIT 50
            """;
        return (await connection.QueryAsync<DealRow>(sql, new { personId }, transaction))
            .Select(d => new ContactDeal(d.Id, d.Identifier, d.Name, d.Stage, d.IsDraft)).ToList();
    }

    /// <summary>Makes <paramref name="companyId"/> the contact's only company (null: none).</summary>
    public static async Task SetCompanyAsync(DbConnection connection, DbTransaction transaction, string personId, string? companyId, string now)
    {
        const string unlinkSql = "DELETE FROM company_people WHERE person_id = @personId AND (@companyId IS NULL OR company_id <> @companyId)";
        await connection.ExecuteAsync(unlinkSql, new { personId, companyId }, transaction);
        if (companyId is null) return;
        const string linkSql = """
            INSERT INTO company_people (company_id, person_id, created_at) VALUES (@companyId, @personId, @now)
            ON CONFLICT DO NOTHING
            """;
        await connection.ExecuteAsync(linkSql, new { companyId, personId, now }, transaction);
    }

    /// <summary>Deletes a person; deal and company links go with it (CASCADE), the deals and companies stay.</summary>
    public static Task DeleteAsync(DbConnection connection, DbTransaction transaction, string id)
    {
        const string sql = "DELETE FROM people WHERE id = @id";
        return connection.ExecuteAsync(sql, new { id }, transaction);
    }
}
