using System.Globalization;
using System.Text;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Dapper;

namespace Crm.Mcp.Transfer;

// Classes with init properties, not positional records: Dapper maps them by name whatever type SQLite reports for a
// column that is NULL in every row.
public sealed class CompanyExport
{
    public string Id { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Domain { get; init; }
    public string? Website { get; init; }
    public string? Phone { get; init; }
    public string? Industry { get; init; }
    public string? Owner { get; init; }
    public string CreatedAt { get; init; } = "";
    public string UpdatedAt { get; init; } = "";
}

public sealed class PersonExport
{
    public string Id { get; init; } = "";
    public string Name { get; init; } = "";
    public string FirstName { get; init; } = "";
    public string LastName { get; init; } = "";
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public string? Title { get; init; }
    public string? Company { get; init; }
    public string? Owner { get; init; }
    public string CreatedAt { get; init; } = "";
    public string UpdatedAt { get; init; } = "";
}

public sealed record DealExport(string Id, string Identifier, string Name, string? Amount, string Currency, string Pipeline,
    string Stage, string Status, string? Company, string? People, string? Owner, bool IsDraft, string? ExpectedCloseDate,
    string? RenewalDate, string CreatedAt, string UpdatedAt);

public sealed record CrmExport(string ExportedAt, string Version, IReadOnlyList<CompanyExport>? Companies,
    IReadOnlyList<PersonExport>? People, IReadOnlyList<DealExport>? Deals);

/// <summary>
/// The CRM as CSV (one file per entity, columns that `crm-mcp import --from csv` reads back) or as one JSON document.
/// Everything is read in one snapshot, so the files agree with each other even while the server writes.
/// </summary>
public sealed class Exporter(CrmDb db)
{
    public Task<CrmExport> ReadAsync(IReadOnlyCollection<ImportEntity> entities, CancellationToken cancellationToken = default) =>
        db.ReadAsync(async (connection, transaction) =>
        {
            IReadOnlyList<CompanyExport>? companies = null;
            IReadOnlyList<PersonExport>? people = null;
            IReadOnlyList<DealExport>? deals = null;
            if (entities.Contains(ImportEntity.Companies))
            {
                const string sql = """
                    SELECT c.id, c.name, c.domain, c.website, c.phone, c.industry,
                           NULLIF(trim(u.first_name || ' ' || u.last_name), '') AS Owner,
                           c.created_at AS CreatedAt, c.updated_at AS UpdatedAt
                    FROM companies c LEFT JOIN users u ON u.id = c.owner_id
                    ORDER BY c.created_at, c.id
                    """;
                companies = (await connection.QueryAsync<CompanyExport>(sql, transaction: transaction)).ToList();
            }
            if (entities.Contains(ImportEntity.People))
            {
                // A person's company is the one they were linked to first.
                const string sql = """
                    SELECT p.id, p.full_name AS Name, p.first_name AS FirstName, p.last_name AS LastName, p.email, p.phone, p.title,
                           (SELECT c.name FROM company_people cp JOIN companies c ON c.id = cp.company_id
                             WHERE cp.person_id = p.id ORDER BY cp.created_at, c.name LIMIT 1) AS Company,
                           NULLIF(trim(u.first_name || ' ' || u.last_name), '') AS Owner,
                           p.created_at AS CreatedAt, p.updated_at AS UpdatedAt
                    FROM people p LEFT JOIN users u ON u.id = p.owner_id
                    ORDER BY p.created_at, p.id
                    """;
                people = (await connection.QueryAsync<PersonExport>(sql, transaction: transaction)).ToList();
            }
            if (entities.Contains(ImportEntity.Deals))
            {
                const string sql = """
                    SELECT d.id, d.identifier, d.name, d.amount_minor AS AmountMinor, d.currency, pl.name AS Pipeline,
                           s.name AS Stage, s.kind AS Kind, c.name AS Company,
                           (SELECT group_concat(COALESCE(p.email, p.full_name), ';') FROM
                              (SELECT p.email, p.full_name FROM deal_people dp JOIN people p ON p.id = dp.person_id
                               WHERE dp.deal_id = d.id ORDER BY dp.created_at, p.full_name) p) AS People,
                           NULLIF(trim(u.first_name || ' ' || u.last_name), '') AS Owner, d.is_draft AS IsDraft,
                           d.expected_close_date AS ExpectedCloseDate, d.renewal_date AS RenewalDate,
                           d.created_at AS CreatedAt, d.updated_at AS UpdatedAt
                    FROM deals d
                    JOIN stages s ON s.id = d.stage_id
                    JOIN pipelines pl ON pl.id = d.pipeline_id
                    LEFT JOIN companies c ON c.id = d.company_id
                    LEFT JOIN users u ON u.id = d.owner_id
                    ORDER BY d.created_at, d.id
                    """;
                deals = (await connection.QueryAsync<DealRow>(sql, transaction: transaction)).Select(r => new DealExport(
                    r.Id, r.Identifier, r.Name,
                    r.AmountMinor is { } minor ? Money.ToMajor(minor, Currency.FromStored(r.Currency)).ToString(CultureInfo.InvariantCulture) : null,
                    r.Currency, r.Pipeline, r.Stage, r.Kind, r.Company, r.People, r.Owner, r.IsDraft != 0, r.ExpectedCloseDate,
                    r.RenewalDate, r.CreatedAt, r.UpdatedAt)).ToList();
            }
            return new CrmExport(Clock.NowIso(), Hosting.CrmServer.Version, companies, people, deals);
        }, cancellationToken);

    internal sealed class DealRow
    {
        public string Id { get; init; } = "";
        public string Identifier { get; init; } = "";
        public string Name { get; init; } = "";
        public long? AmountMinor { get; init; }
        public string Currency { get; init; } = "";
        public string Pipeline { get; init; } = "";
        public string Stage { get; init; } = "";
        public string Kind { get; init; } = "";
        public string? Company { get; init; }
        public string? People { get; init; }
        public string? Owner { get; init; }
        public long IsDraft { get; init; }
        public string? ExpectedCloseDate { get; init; }
        public string? RenewalDate { get; init; }
        public string CreatedAt { get; init; } = "";
        public string UpdatedAt { get; init; } = "";
    }

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new(CrmJson.Options) { WriteIndented = true };

    public static string Json(CrmExport export) =>
        System.Text.Json.JsonSerializer.Serialize(export, Indented.GetTypeInfo(typeof(CrmExport)));

    /// <summary>One entity as CSV, with a header row of snake_case column names.</summary>
    public static string Csv(CrmExport export, ImportEntity entity)
    {
        var text = new StringBuilder();
        void Row(params string?[] cells) => text.Append(CsvFile.Line(cells)).Append('\n');
        switch (entity)
        {
            case ImportEntity.Companies:
                Row("id", "name", "domain", "website", "phone", "industry", "owner", "created_at", "updated_at");
                foreach (var c in export.Companies ?? []) Row(c.Id, c.Name, c.Domain, c.Website, c.Phone, c.Industry, c.Owner, c.CreatedAt, c.UpdatedAt);
                break;
            case ImportEntity.People:
                Row("id", "name", "first_name", "last_name", "email", "phone", "title", "company", "owner", "created_at", "updated_at");
                foreach (var p in export.People ?? []) Row(p.Id, p.Name, p.FirstName, p.LastName, p.Email, p.Phone, p.Title, p.Company, p.Owner, p.CreatedAt, p.UpdatedAt);
                break;
            default:
                Row("id", "identifier", "name", "amount", "currency", "pipeline", "stage", "status", "company", "people", "owner",
                    "is_draft", "expected_close_date", "renewal_date", "created_at", "updated_at");
                foreach (var d in export.Deals ?? [])
                    Row(d.Id, d.Identifier, d.Name, d.Amount, d.Currency, d.Pipeline, d.Stage, d.Status, d.Company, d.People, d.Owner,
                        d.IsDraft ? "true" : "false", d.ExpectedCloseDate, d.RenewalDate, d.CreatedAt, d.UpdatedAt);
                break;
        }
        return text.ToString();
    }
}
