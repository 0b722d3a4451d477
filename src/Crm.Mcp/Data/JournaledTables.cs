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
    public sealed record Table(string Name, string? WebhookEntity = null);

    public static IReadOnlyList<Table> All { get; } =
    [
        new("companies", "organization"),
        new("people", "contact"),
        new("deals", "deal"),
        new("company_people"),
        new("deal_people"),
        new("pipelines"),
        new("stages"),
        new("users"),
        new("tasks", "task"),
        new("task_deals"),
        new("task_companies"),
        new("task_people"),
        new("services", "service"),
        new("custom_fields"),
        new("custom_field_values"),
    ];

    public static Table? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
