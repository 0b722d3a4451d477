using Crm.Mcp.Lists;

namespace Crm.Mcp.Features.Contacts;

/// <summary>The fields get_contacts filters, searches and sorts on (contacts are the people table).</summary>
public sealed class ContactFields : IEntityFields
{
    public const string Entity = "contacts";

    public EntitySchema Schema { get; } = new(Entity, From: "people p", IdSql: "p.id",
        Fields:
        [
            new("id", FieldType.Id, "p.id"),
            new("name", FieldType.Text, "p.full_name") { Searchable = true },
            new("first_name", FieldType.Text, "p.first_name"),
            new("last_name", FieldType.Text, "p.last_name"),
            new("email", FieldType.Email, "p.email") { Searchable = true },
            new("phone", FieldType.Phone, "p.phone") { Searchable = true },
            new("title", FieldType.Text, "p.title") { Searchable = true },
            new("companies", FieldType.MultiSelect,
                "(SELECT json_group_array(c.name) FROM company_people cp JOIN companies c ON c.id = cp.company_id WHERE cp.person_id = p.id)")
            {
                Sortable = false, Searchable = true, Description = "Names of the contact's companies.",
                Reference = new(Resolution.ReferenceKind.Company, "EXISTS (SELECT 1 FROM company_people rc WHERE rc.person_id = p.id AND rc.company_id IN ({ids}))"),
            },
            new("company_ids", FieldType.MultiSelect,
                "(SELECT json_group_array(cp.company_id) FROM company_people cp WHERE cp.person_id = p.id)") { Sortable = false },
            new("owner_id", FieldType.Id, "p.owner_id"),
            new("deal_count", FieldType.Number, "(SELECT COUNT(*) FROM deal_people dp WHERE dp.person_id = p.id)"),
            new("notes", FieldType.Text, "p.notes") { Sortable = false, Searchable = true },
            new("created_at", FieldType.Datetime, "p.created_at") { NotNull = true },
            new("updated_at", FieldType.Datetime, "p.updated_at") { NotNull = true },
        ],
        DefaultSort: [new("name")]);
}
