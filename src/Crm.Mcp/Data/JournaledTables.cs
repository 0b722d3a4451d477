namespace Crm.Mcp.Data;

/// <summary>
/// The tables whose every row change is journaled (and so revertable), with the webhook entity they publish as, if
/// any. Journaling a new table is one line here: its triggers are generated from the live schema at migrate time.
/// Not journaled: counters (identifier sequences never go back, like a database sequence), the journal and webhook
/// tables themselves, and anything holding secrets.
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
    ];

    public static Table? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
