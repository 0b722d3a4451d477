using Crm.Mcp.Lists;

namespace Crm.Mcp.Features.Companies;

/// <summary>The fields get_companies filters, searches and sorts on.</summary>
public sealed class CompanyFields : IEntityFields
{
    public const string Entity = "companies";

    public EntitySchema Schema { get; } = new(Entity, From: "companies c", IdSql: "c.id",
        Fields:
        [
            new("id", FieldType.Id, "c.id"),
            new("name", FieldType.Text, "c.name") { Searchable = true, NotNull = true },
            new("domain", FieldType.Text, "c.domain") { Searchable = true },
            new("website", FieldType.Url, "c.website"),
            new("phone", FieldType.Phone, "c.phone"),
            new("industry", FieldType.Text, "c.industry") { Searchable = true },
            new("owner_id", FieldType.Id, "c.owner_id"),
            new("contacts", FieldType.MultiSelect,
                "(SELECT json_group_array(p.full_name) FROM company_people cp JOIN people p ON p.id = cp.person_id WHERE cp.company_id = c.id)")
            {
                Sortable = false, Searchable = true, Description = "Full names of the company's contacts.",
            },
            new("contact_count", FieldType.Number, "(SELECT COUNT(*) FROM company_people cp WHERE cp.company_id = c.id)"),
            new("deal_count", FieldType.Number, "(SELECT COUNT(*) FROM deals d WHERE d.company_id = c.id)"),
            new("notes", FieldType.Text, "c.notes") { Sortable = false, Searchable = true },
            new("created_at", FieldType.Datetime, "c.created_at") { NotNull = true },
            new("updated_at", FieldType.Datetime, "c.updated_at") { NotNull = true },
        ],
        DefaultSort: [new("name")]);
}
