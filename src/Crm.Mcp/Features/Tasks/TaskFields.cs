using Crm.Mcp.Lists;

namespace Crm.Mcp.Features.Tasks;

/// <summary>The fields get_tasks filters, searches and sorts on.</summary>
public sealed class TaskFields : IEntityFields
{
    public const string Entity = "tasks";

    public EntitySchema Schema { get; } = new(Entity, From: "tasks t LEFT JOIN users u ON u.id = t.assignee_id", IdSql: "t.id",
        Fields:
        [
            new("id", FieldType.Id, "t.id"),
            new("title", FieldType.Text, "t.title") { Searchable = true },
            new("type", FieldType.SingleSelect, "t.type") { Options = TaskSql.Types },
            new("status", FieldType.SingleSelect, "t.status") { Options = TaskSql.Statuses },
            new("due", FieldType.Datetime, "t.due") { Description = "A bare date compares as its whole UTC day." },
            new("assignee_id", FieldType.Id, "t.assignee_id"),
            new("assignee", FieldType.Text, "trim(u.first_name || ' ' || u.last_name)") { Description = "Assignee's name." },
            new("notes", FieldType.Text, "t.notes") { Sortable = false, Searchable = true },
            new("completed_at", FieldType.Datetime, "t.completed_at"),
            new("deals", FieldType.MultiSelect,
                "(SELECT json_group_array(d.identifier) FROM task_deals x JOIN deals d ON d.id = x.deal_id WHERE x.task_id = t.id)")
            {
                Sortable = false, Searchable = true, Description = "Identifiers of the linked deals, e.g. DEAL-001.",
            },
            new("deal_ids", FieldType.MultiSelect, "(SELECT json_group_array(x.deal_id) FROM task_deals x WHERE x.task_id = t.id)") { Sortable = false },
            new("companies", FieldType.MultiSelect,
                "(SELECT json_group_array(c.name) FROM task_companies x JOIN companies c ON c.id = x.company_id WHERE x.task_id = t.id)")
            {
                Sortable = false, Searchable = true, Description = "Names of the linked companies.",
            },
            new("company_ids", FieldType.MultiSelect, "(SELECT json_group_array(x.company_id) FROM task_companies x WHERE x.task_id = t.id)") { Sortable = false },
            new("contacts", FieldType.MultiSelect,
                "(SELECT json_group_array(p.full_name) FROM task_people x JOIN people p ON p.id = x.person_id WHERE x.task_id = t.id)")
            {
                Sortable = false, Searchable = true, Description = "Full names of the linked contacts.",
            },
            new("contact_ids", FieldType.MultiSelect, "(SELECT json_group_array(x.person_id) FROM task_people x WHERE x.task_id = t.id)") { Sortable = false },
            new("created_at", FieldType.Datetime, "t.created_at") { NotNull = true },
            new("updated_at", FieldType.Datetime, "t.updated_at") { NotNull = true },
        ],
        DefaultSort: [new("due")]);
}
