using Crm.Mcp.Common;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;

namespace Crm.Mcp.Features.Deals;

/// <summary>The fields get_deals filters, searches and sorts on; get_entity_configuration lists them.</summary>
public sealed class DealFields : IEntityFields
{
    public const string Entity = "deals";

    public EntitySchema Schema { get; } = new(Entity,
        // stages as a LEFT JOIN (stage_id is NOT NULL and a foreign key, so nothing changes) lets a list that uses no stage
        // column leave it out (ListEngine.FromFor); as an inner join SQLite planned the default page stage by stage.
        From: "deals d LEFT JOIN stages s ON s.id = d.stage_id LEFT JOIN companies c ON c.id = d.company_id",
        IdSql: "d.id",
        Fields:
        [
            new("id", FieldType.Id, "d.id"),
            new("identifier", FieldType.Text, "d.identifier") { Searchable = true },
            new("name", FieldType.Text, "d.name") { Searchable = true },
            new("amount", FieldType.Currency, Money.MajorUnitsSql("d.amount_minor", "d.currency"))
            {
                Description = "In major units of the deal's currency; sorts within currency, compares within one.", CurrencyField = "currency",
                MinorUnitsSql = "d.amount_minor",
            },
            new("currency", FieldType.SingleSelect, "d.currency") { Options = Currency.Codes.ToList(), StoredAsOption = true },
            new("company", FieldType.Text, "c.name")
            {
                Searchable = true, Description = "Company name.", Reference = new(ReferenceKind.Company, "d.company_id IN ({ids})"),
            },
            new("company_id", FieldType.Id, "d.company_id"),
            new("stage", FieldType.SingleSelect, "s.name")
            {
                OptionsSql = "SELECT DISTINCT name FROM stages ORDER BY name", SortSql = "s.position",
                Description = "Stage name; sorts in pipeline order.", Reference = new(ReferenceKind.Stage, "d.stage_id IN ({ids})"),
            },
            new("stage_kind", FieldType.SingleSelect, "s.kind") { Options = ["open", "won", "lost"] },
            new("stage_id", FieldType.Id, "d.stage_id"),
            new("pipeline", FieldType.Text, "(SELECT pl.name FROM pipelines pl WHERE pl.id = d.pipeline_id)")
            {
                Reference = new(ReferenceKind.Pipeline, "d.pipeline_id IN ({ids})"),
            },
            new("pipeline_id", FieldType.Id, "d.pipeline_id"),
            new("owner", FieldType.Text, "(SELECT TRIM(u.first_name || ' ' || u.last_name) FROM users u WHERE u.id = d.owner_id)")
            {
                Description = "Owner's name or email.", Reference = new(ReferenceKind.User, "d.owner_id IN ({ids})"),
            },
            new("owner_id", FieldType.Id, "d.owner_id"),
            new("is_draft", FieldType.Checkbox, "d.is_draft"),
            new("expected_close_date", FieldType.Date, "d.expected_close_date"),
            new("renewal_date", FieldType.Date, "d.renewal_date"),
            new("source", FieldType.Text, "d.source"),
            new("people", FieldType.MultiSelect,
                "(SELECT json_group_array(p.full_name) FROM deal_people dp JOIN people p ON p.id = dp.person_id WHERE dp.deal_id = d.id)")
            {
                Sortable = false, Searchable = true, Description = "Full names of the deal's people (or emails).",
                Reference = new(ReferenceKind.Person, "EXISTS (SELECT 1 FROM deal_people rp WHERE rp.deal_id = d.id AND rp.person_id IN ({ids}))"),
            },
            new("notes", FieldType.Text, "d.notes") { Sortable = false, Searchable = true },
            new("total_value", FieldType.Currency,
                Money.MajorUnitsSql("(SELECT COALESCE(SUM(sv.amount_minor * sv.quantity), 0) FROM services sv WHERE sv.deal_id = d.id)", "d.currency"))
            {
                Description = "Sum of the deal's services (amount × quantity) in major units.", CurrencyField = "currency",
            },
            new("total_quantity", FieldType.Number, "(SELECT COALESCE(SUM(sv.quantity), 0) FROM services sv WHERE sv.deal_id = d.id)"),
            new("closed_at", FieldType.Datetime, "d.closed_at") { Description = "When the deal last entered a won or lost stage; null while open." },
            new("created_at", FieldType.Datetime, "d.created_at") { NotNull = true },
            new("updated_at", FieldType.Datetime, "d.updated_at") { NotNull = true },
        ],
        DefaultSort: [new("created_at", Descending: true)])
    {
        Aliases = new Dictionary<string, string>
        {
            ["value"] = "amount", ["deal_value"] = "amount", ["price"] = "amount", ["size"] = "amount", ["deal_size"] = "amount",
            ["worth"] = "amount", ["revenue"] = "amount", ["organization"] = "company", ["organisation"] = "company",
            ["account"] = "company", ["company_name"] = "company", ["contact"] = "people", ["contacts"] = "people",
            ["person"] = "people", ["stage_name"] = "stage", ["assignee"] = "owner", ["user"] = "owner", ["close_date"] = "expected_close_date",
        },
    };
}
