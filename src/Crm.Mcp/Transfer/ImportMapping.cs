using System.Text.RegularExpressions;
using Crm.Mcp.Common;

namespace Crm.Mcp.Transfer;

public enum ImportSource { Pipedrive, Hubspot, Csv }

public enum ImportEntity { Companies, People, Deals }

/// <summary>What one export row says, whatever the vendor called its columns.</summary>
public sealed record ImportRecord
{
    public int Row { get; init; }
    public int Line { get; init; }
    public string? ExternalId { get; init; }
    public string? CompanyName { get; init; }
    public string? Domain { get; init; }
    public string? Website { get; init; }
    public string? CompanyPhone { get; init; }
    public string? Industry { get; init; }
    public string? PersonName { get; init; }
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? Email { get; init; }
    public string? Phone { get; init; }
    public string? Title { get; init; }
    public IReadOnlyList<string> Contacts { get; init; } = [];
    public string? DealName { get; init; }
    public string? Amount { get; init; }
    public string? Currency { get; init; }
    public string? Stage { get; init; }
    public string? Pipeline { get; init; }
    public string? Status { get; init; }
    public string? Owner { get; init; }
    public string? ExpectedClose { get; init; }
    public string? CreatedAt { get; init; }
    /// <summary>The column each value came from, to name it in a rejection reason.</summary>
    public IReadOnlyDictionary<string, string> Columns { get; init; } = new Dictionary<string, string>();
}

public sealed record ImportPlan(ImportSource Source, ImportEntity Entity, IReadOnlyList<ImportRecord> Records,
    IReadOnlyList<string> IgnoredColumns, bool CommaDecimal);

/// <summary>
/// Column names of Pipedrive and HubSpot exports and of plain CSV files (see docs/import.md and the researched
/// formats in the notes), matched case-insensitively after trimming, with '_' as a space and
/// "Organisation" as "Organization", so header variance does not lose data.
/// </summary>
public static partial class ImportMapping
{
    private enum Field
    {
        ExternalId, CompanyName, Domain, Website, CompanyPhone, Industry, PersonName, FirstName, LastName, Email, Phone,
        Title, Contacts, DealName, Amount, Currency, Stage, Pipeline, Status, Owner, ExpectedClose, CreatedAt,
    }

    public static string Normalize(string header) =>
        WhitespaceRuns().Replace(header.Trim().Trim('\uFEFF').Replace('_', ' '), " ").ToLowerInvariant()
            .Replace("organisation", "organization");

    public static ImportEntity Detect(ImportSource source, IReadOnlyList<string> headers)
    {
        var set = headers.Select(Normalize).ToHashSet();
        bool Any(params string[] names) => names.Any(set.Contains);
        bool Prefix(string prefix) => set.Any(h => h.StartsWith(prefix, StringComparison.Ordinal));
        return source switch
        {
            ImportSource.Pipedrive when Prefix("deal - ") => ImportEntity.Deals,
            ImportSource.Pipedrive when Prefix("person - ") => ImportEntity.People,
            ImportSource.Pipedrive when Prefix("organization - ") => ImportEntity.Companies,
            ImportSource.Hubspot when Any("deal name", "deal stage") => ImportEntity.Deals,
            ImportSource.Hubspot when Any("first name", "last name", "email") => ImportEntity.People,
            ImportSource.Hubspot when Any("company name", "company domain name", "name") => ImportEntity.Companies,
            ImportSource.Csv when Any("deal", "deal name", "deal title", "amount", "deal value", "stage", "deal stage") => ImportEntity.Deals,
            ImportSource.Csv when Any("email", "e-mail", "first name", "last name", "full name", "person", "contact") => ImportEntity.People,
            ImportSource.Csv when Any("company", "company name", "name", "organization", "domain") => ImportEntity.Companies,
            _ => throw CrmError.Invalid("FILE", $"its columns ({string.Join(", ", headers.Take(8))}) do not look like a {source.ToString().ToLowerInvariant()} export of organizations, people or deals.",
                source switch
                {
                    ImportSource.Pipedrive => "a Pipedrive export with headers such as \"Deal - Title\", \"Person - Name\" or \"Organization - Name\"",
                    ImportSource.Hubspot => "a HubSpot export with headers such as \"Deal Name\", \"First Name\"/\"Email\" or \"Company name\"",
                    _ => "a CSV whose header names columns such as deal, amount, stage, company, name, email; or pass --entity",
                }),
        };
    }

    private static Dictionary<Field, string[]> Aliases(ImportSource source, ImportEntity entity) => (source, entity) switch
    {
        (ImportSource.Pipedrive, ImportEntity.Deals) => new()
        {
            [Field.ExternalId] = ["deal - id"],
            [Field.DealName] = ["deal - title", "deal - name"],
            [Field.Amount] = ["deal - value"],
            [Field.Currency] = ["deal - currency of value", "deal - currency"],
            [Field.Stage] = ["deal - stage"],
            [Field.Pipeline] = ["deal - pipeline"],
            [Field.Status] = ["deal - status"],
            [Field.Owner] = ["deal - owner"],
            [Field.CompanyName] = ["deal - organization", "organization - name"],
            [Field.Contacts] = ["deal - contact person", "person - name"],
            [Field.Email] = ["person - email - work", "person - email", "person - email - home", "person - email - other"],
            [Field.ExpectedClose] = ["deal - expected close date"],
            [Field.CreatedAt] = ["deal - deal created", "deal - add time"],
        },
        (ImportSource.Pipedrive, ImportEntity.People) => new()
        {
            [Field.ExternalId] = ["person - id"],
            [Field.PersonName] = ["person - name"],
            [Field.FirstName] = ["person - first name", "person - vorname"],
            [Field.LastName] = ["person - last name", "person - nachname"],
            [Field.Email] = ["person - email - work", "person - email", "person - email - home", "person - email - other"],
            [Field.Phone] = ["person - phone - work", "person - phone", "person - phone - mobile", "person - phone - home", "person - phone - other"],
            [Field.Title] = ["person - job title"],
            [Field.CompanyName] = ["person - organization"],
            [Field.Owner] = ["person - owner"],
            [Field.CreatedAt] = ["person - person created"],
        },
        (ImportSource.Pipedrive, ImportEntity.Companies) => new()
        {
            [Field.ExternalId] = ["organization - id"],
            [Field.CompanyName] = ["organization - name"],
            [Field.Website] = ["organization - website"],
            [Field.CompanyPhone] = ["organization - phone"],
            [Field.Industry] = ["organization - industry"],
            [Field.Owner] = ["organization - owner"],
            [Field.CreatedAt] = ["organization - organization created"],
        },
        (ImportSource.Hubspot, ImportEntity.Deals) => new()
        {
            [Field.ExternalId] = ["record id", "deal id"],
            [Field.DealName] = ["deal name"],
            [Field.Amount] = ["amount"],
            [Field.Currency] = ["currency", "deal currency code"],
            [Field.Stage] = ["deal stage"],
            [Field.Pipeline] = ["pipeline"],
            [Field.Owner] = ["deal owner"],
            [Field.CompanyName] = ["associated company (primary)", "associated company"],
            [Field.Contacts] = ["associated contact"],
            [Field.ExpectedClose] = ["close date"],
            [Field.CreatedAt] = ["create date"],
        },
        (ImportSource.Hubspot, ImportEntity.People) => new()
        {
            [Field.ExternalId] = ["record id", "contact id"],
            [Field.FirstName] = ["first name"],
            [Field.LastName] = ["last name"],
            [Field.Email] = ["email", "work email"],
            [Field.Phone] = ["phone number", "mobile phone number"],
            [Field.Title] = ["job title"],
            [Field.CompanyName] = ["associated company (primary)", "associated company", "company name"],
            [Field.Owner] = ["contact owner"],
            [Field.CreatedAt] = ["create date"],
        },
        (ImportSource.Hubspot, ImportEntity.Companies) => new()
        {
            [Field.ExternalId] = ["record id", "company id"],
            [Field.CompanyName] = ["company name", "name"],
            [Field.Domain] = ["company domain name", "domain"],
            [Field.Website] = ["website url"],
            [Field.CompanyPhone] = ["phone number"],
            [Field.Industry] = ["industry"],
            [Field.Owner] = ["company owner"],
            [Field.CreatedAt] = ["create date"],
        },
        (ImportSource.Csv, ImportEntity.Deals) => new()
        {
            [Field.ExternalId] = ["id", "deal id"],
            [Field.DealName] = ["deal", "deal name", "deal title", "name", "title"],
            [Field.Amount] = ["amount", "value", "deal value"],
            [Field.Currency] = ["currency"],
            [Field.Stage] = ["stage", "deal stage"],
            [Field.Pipeline] = ["pipeline"],
            [Field.Status] = ["status"],
            [Field.Owner] = ["owner", "deal owner"],
            [Field.CompanyName] = ["company", "company name", "organization", "account"],
            [Field.Contacts] = ["people", "contacts", "contact", "person"],
            [Field.ExpectedClose] = ["expected close date", "close date"],
            [Field.CreatedAt] = ["created at", "created", "create date"],
        },
        (ImportSource.Csv, ImportEntity.People) => new()
        {
            [Field.ExternalId] = ["id", "person id", "contact id"],
            [Field.PersonName] = ["name", "full name", "person", "contact"],
            [Field.FirstName] = ["first name", "given name"],
            [Field.LastName] = ["last name", "family name", "surname"],
            [Field.Email] = ["email", "e-mail", "email address"],
            [Field.Phone] = ["phone", "phone number", "mobile"],
            [Field.Title] = ["title", "job title"],
            [Field.CompanyName] = ["company", "company name", "organization", "account"],
            [Field.Owner] = ["owner"],
            [Field.CreatedAt] = ["created at", "created", "create date"],
        },
        _ => new()
        {
            [Field.ExternalId] = ["id", "company id"],
            [Field.CompanyName] = ["name", "company", "company name", "organization"],
            [Field.Domain] = ["domain", "company domain name"],
            [Field.Website] = ["website", "url"],
            [Field.CompanyPhone] = ["phone", "phone number"],
            [Field.Industry] = ["industry"],
            [Field.Owner] = ["owner"],
            [Field.CreatedAt] = ["created at", "created", "create date"],
        },
    };

    public static ImportPlan Map(ImportSource source, CsvTable table, ImportEntity? entity = null)
    {
        var kind = entity ?? Detect(source, table.Headers);
        var normalized = table.Headers.Select(Normalize).ToList();
        // Each field reads the first non-empty cell among its columns, in alias order (Work email before Home).
        var columns = Aliases(source, kind).ToDictionary(
            a => a.Key,
            a => a.Value.SelectMany(alias => normalized.Select((h, i) => (h, i)).Where(x => x.h == alias).Select(x => x.i)).ToList());
        var used = columns.Values.SelectMany(i => i).ToHashSet();
        var ignored = table.Headers.Where((_, i) => !used.Contains(i) && table.Headers[i].Length > 0).ToList();

        var records = table.Rows.Select(row =>
        {
            var origin = new Dictionary<string, string>();
            string? Get(Field field)
            {
                foreach (var index in columns[field])
                {
                    if (index >= row.Cells.Length) continue;
                    var value = row.Cells[index].Trim();
                    if (value.Length == 0) continue;
                    origin[field.ToString()] = table.Headers[index];
                    return value;
                }
                return null;
            }
            string? First(Field field) => Get(field) is { } value ? ImportValues.List(value, ',', ';').FirstOrDefault() : null;
            string? Cell(Field field) => columns.ContainsKey(field) ? Get(field) : null;
            string? FirstOf(Field field) => columns.ContainsKey(field) ? First(field) : null;
            return new ImportRecord
            {
                Row = row.Row,
                Line = row.Line,
                ExternalId = Cell(Field.ExternalId),
                CompanyName = kind == ImportEntity.Companies ? Cell(Field.CompanyName)
                    : columns.ContainsKey(Field.CompanyName) && Get(Field.CompanyName) is { } company
                        ? (source == ImportSource.Hubspot ? ImportValues.List(company, ';').FirstOrDefault() : company) : null,
                Domain = Cell(Field.Domain),
                Website = Cell(Field.Website),
                CompanyPhone = Cell(Field.CompanyPhone),
                Industry = Cell(Field.Industry),
                PersonName = Cell(Field.PersonName),
                FirstName = Cell(Field.FirstName),
                LastName = Cell(Field.LastName),
                Email = FirstOf(Field.Email),
                Phone = FirstOf(Field.Phone),
                Title = Cell(Field.Title),
                // Pipedrive names one contact person per deal ("Doe, Jane" is one name); HubSpot and CSV join with ';'.
                Contacts = !columns.ContainsKey(Field.Contacts) ? []
                    : source == ImportSource.Pipedrive ? (Get(Field.Contacts) is { } contact ? [contact] : []) : ImportValues.List(Get(Field.Contacts), ';'),
                DealName = Cell(Field.DealName),
                Amount = Cell(Field.Amount),
                Currency = Cell(Field.Currency),
                Stage = Cell(Field.Stage),
                Pipeline = Cell(Field.Pipeline),
                Status = Cell(Field.Status),
                Owner = Cell(Field.Owner),
                ExpectedClose = Cell(Field.ExpectedClose),
                CreatedAt = Cell(Field.CreatedAt),
                Columns = origin,
            };
        }).ToList();
        return new ImportPlan(source, kind, records, ignored, table.Delimiter == ';');
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRuns();
}
