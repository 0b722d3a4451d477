using Crm.Mcp.Common;
using Crm.Mcp.Lists;

namespace Crm.Mcp.Features.Deals;

/// <summary>The fields get_deals filters, searches and sorts on; get_entity_configuration lists them.</summary>
public sealed class DealFields : IEntityFields
{
    public const string Entity = "deals";

    public EntitySchema Schema { get; } = new(Entity,
        From: "deals d JOIN stages s ON s.id = d.stage_id LEFT JOIN companies c ON c.id = d.company_id",
        IdSql: "d.id",
        Fields:
        [
            new("id", FieldType.Id, "d.id"),
            new("identifier", FieldType.Text, "d.identifier") { Searchable = true },
            new("name", FieldType.Text, "d.name") { Searchable = true },
            new("amount", FieldType.Currency, Money.MajorUnitsSql("d.amount_minor", "d.currency")) { Description = "In major units of the deal's currency." },
            new("currency", FieldType.SingleSelect, "d.currency") { Options = Currency.Codes.ToList() },
            new("company", FieldType.Text, "c.name") { Searchable = true, Description = "Company name." },
            new("company_id", FieldType.Id, "d.company_id"),
            new("stage", FieldType.SingleSelect, "s.name")
            {
                OptionsSql = "SELECT DISTINCT name FROM stages ORDER BY name", SortSql = "s.position",
                Description = "Stage name; sorts in pipeline order.",
            },
            new("stage_kind", FieldType.SingleSelect, "s.kind") { Options = ["open", "won", "lost"] },
            new("stage_id", FieldType.Id, "d.stage_id"),
            new("pipeline_id", FieldType.Id, "d.pipeline_id"),
            new("owner_id", FieldType.Id, "d.owner_id"),
            new("is_draft", FieldType.Checkbox, "d.is_draft"),
            new("expected_close_date", FieldType.Date, "d.expected_close_date"),
            new("renewal_date", FieldType.Date, "d.renewal_date"),
            new("source", FieldType.Text, "d.source"),
            new("people", FieldType.MultiSelect,
                "(SELECT json_group_array(p.full_name) FROM deal_people dp JOIN people p ON p.id = dp.person_id WHERE dp.deal_id = d.id)")
            {
                Sortable = false, Searchable = true, Description = "Full names of the deal's people.",
            },
            new("notes", FieldType.Text, "d.notes") { Sortable = false, Searchable = true },
            new("total_value", FieldType.Currency,
                Money.MajorUnitsSql("(SELECT COALESCE(SUM(sv.amount_minor * sv.quantity), 0) FROM services sv WHERE sv.deal_id = d.id)", "d.currency"))
            {
                Description = "Sum of the deal's services (amount × quantity) in major units.",
            },
            new("total_quantity", FieldType.Number, "(SELECT COALESCE(SUM(sv.quantity), 0) FROM services sv WHERE sv.deal_id = d.id)"),
            new("closed_at", FieldType.Datetime, "d.closed_at") { Description = "When the deal last entered a won or lost stage; null while open." },
            new("created_at", FieldType.Datetime, "d.created_at") { NotNull = true },
            new("updated_at", FieldType.Datetime, "d.updated_at") { NotNull = true },
        ],
        DefaultSort: [new("created_at", Descending: true)]);
}
