using Crm.Mcp.Lists;

namespace Crm.Mcp.Features.Activities;

/// <summary>The fields get_activities filters, searches and sorts on.</summary>
public sealed class ActivityFields : IEntityFields
{
    public const string Entity = "activities";

    public EntitySchema Schema { get; } = new(Entity, From: "activities a", IdSql: "a.id",
        Fields:
        [
            new("id", FieldType.Id, "a.id"),
            new("type", FieldType.SingleSelect, "a.type") { Options = ActivitySql.Types },
            new("subject", FieldType.Text, "a.subject") { Searchable = true },
            new("body", FieldType.Text, "a.body") { Sortable = false, Searchable = true },
            new("occurred_at", FieldType.Datetime, "a.occurred_at") { NotNull = true, Description = "A bare date compares as its whole UTC day." },
            new("duration_minutes", FieldType.Number, "a.duration_minutes"),
            new("direction", FieldType.SingleSelect, "a.direction") { Options = ActivitySql.Directions },
            new("outcome", FieldType.Text, "a.outcome") { Searchable = true },
            new("logged_by", FieldType.Id, "a.logged_by"),
            new("deals", FieldType.MultiSelect,
                "(SELECT json_group_array(d.identifier) FROM activity_deals x JOIN deals d ON d.id = x.deal_id WHERE x.activity_id = a.id)")
            {
                Sortable = false, Description = "Identifiers of the linked deals, e.g. DEAL-001.",
            },
            new("deal_ids", FieldType.MultiSelect, "(SELECT json_group_array(x.deal_id) FROM activity_deals x WHERE x.activity_id = a.id)") { Sortable = false },
            new("company_ids", FieldType.MultiSelect, "(SELECT json_group_array(x.company_id) FROM activity_companies x WHERE x.activity_id = a.id)") { Sortable = false },
            new("contacts", FieldType.MultiSelect,
                "(SELECT json_group_array(p.full_name) FROM activity_people x JOIN people p ON p.id = x.person_id WHERE x.activity_id = a.id)")
            {
                Sortable = false, Searchable = true, Description = "Full names of the contacts who took part.",
            },
            new("contact_ids", FieldType.MultiSelect, "(SELECT json_group_array(x.person_id) FROM activity_people x WHERE x.activity_id = a.id)") { Sortable = false },
            new("user_ids", FieldType.MultiSelect, "(SELECT json_group_array(x.user_id) FROM activity_users x WHERE x.activity_id = a.id)") { Sortable = false },
            new("created_at", FieldType.Datetime, "a.created_at") { NotNull = true },
            new("updated_at", FieldType.Datetime, "a.updated_at") { NotNull = true },
        ],
        DefaultSort: [new("occurred_at", Descending: true)]);
}
