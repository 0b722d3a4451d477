namespace Crm.Mcp.Data;

/// <summary>
/// The tables whose every row change is journaled (and so revertable), with the webhook entity they publish as, if
/// any. Journaling a new table is one line here: its triggers are generated from the live schema at migrate time.
/// Not journaled: counters (identifier sequences never go back, like a database sequence), the journal and webhook
/// tables themselves, derived data (search indexes), bookkeeping (idempotency keys, import keys, merge audit) and
/// anything holding secrets (API keys). A listed table that does not exist yet is skipped until a migration creates it.
/// </summary>
public static class JournaledTables
{
    /// <summary>Where the table publishes as; a link table instead names its parent (e.g. deal_people: the deal's
    /// "people"), so attaching a contact to a deal is a deal.updated event and deal events list the deal's people.</summary>
    public sealed record Table(string Name, string? WebhookEntity = null, Link? Link = null);

    public sealed record Link(string ParentTable, string ParentColumn, string ChildColumn, string Field);

    public static IReadOnlyList<Table> All { get; } =
    [
        new("companies", "organization"),
        new("people", "contact"),
        new("deals", "deal"),
        new("company_people", Link: new("companies", "company_id", "person_id", "people")),
        new("deal_people", Link: new("deals", "deal_id", "person_id", "people")),
        new("pipelines"),
        new("stages"),
        new("users"),
        new("tasks", "task"),
        new("task_deals", Link: new("tasks", "task_id", "deal_id", "deals")),
        new("task_companies", Link: new("tasks", "task_id", "company_id", "companies")),
        new("task_people", Link: new("tasks", "task_id", "person_id", "people")),
        new("services", "service"),
        new("custom_fields"),
        new("custom_field_values"),
        new("activities", "activity"),
        new("activity_deals", Link: new("activities", "activity_id", "deal_id", "deals")),
        new("activity_companies", Link: new("activities", "activity_id", "company_id", "companies")),
        new("activity_people", Link: new("activities", "activity_id", "person_id", "contacts")),
        new("activity_users", Link: new("activities", "activity_id", "user_id", "users")),
    ];

    public static Table? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    public static IEnumerable<Table> LinksOf(string parentTable) => All.Where(t => t.Link?.ParentTable == parentTable);
}
