using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Bench;

/// <summary>The calls measured end to end against a database Populate filled with <paramref name="rows"/> rows each.
/// Each checks its result so a failing call can't pass for a fast one.</summary>
public sealed class Workloads(McpClient client, IList<McpClientTool> tools, int rows)
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];

    public static async Task<Workloads> CreateAsync(McpClient client, int rows = 1000) => new(client, await client.ListToolsAsync(), rows);

    public bool Has(string tool) => tools.Any(t => t.Name == tool);

    private bool HasArgument(string tool, string argument) =>
        tools.Single(t => t.Name == tool).ProtocolTool.InputSchema.GetProperty("properties").TryGetProperty(argument, out _);

    /// <summary>A populated row spread over the whole table (not just its first pages).</summary>
    private int Row(int i) => Spread(i, rows);

    public static int Spread(int i, int rows) => (int)((Math.Max(i, 0) * 7919L + 13) % rows);

    public Task NoOp(int _) => client.PingAsync().AsTask();

    /// <summary>A draft with a new company and two new people (made-up names, so the resolver creates all three). A
    /// made-up name can still be close to a populated one ("Novako Varagu" beside "Novak Data Group"), which the server
    /// rightly asks about: that call did the same lookups and wrote nothing, and the next name is tried.</summary>
    public async Task CreateDealDraft(int i)
    {
        for (var attempt = 0; ; attempt++)
        {
            var result = await client.CallToolAsync("create_deal_draft", new Dictionary<string, object?>
            {
                ["company_name"] = $"{Words.Name($"{_run} draft company {i}{(attempt > 0 ? $".{attempt}" : "")}")} Ltd",
                ["amount"] = 1000 + i,
                ["stage_name"] = "Proposal",
                ["people"] = new[]
                {
                    new Dictionary<string, object?> { ["name"] = Words.Name($"{_run} ann {i}.{attempt}"), ["email"] = $"ann@{DraftDomain(i)}" },
                    new Dictionary<string, object?> { ["name"] = Words.Name($"{_run} bob {i}.{attempt}"), ["email"] = $"bob@{DraftDomain(i)}" },
                },
            });
            if (result.IsError != true) return;
            var text = (result.Content.FirstOrDefault() as TextContentBlock)?.Text;
            if (attempt >= 3 || text?.Contains("\"needs_disambiguation\"") != true)
                throw new InvalidOperationException($"create_deal_draft failed: {text}");
        }
    }

    /// <summary>The new company's own email domain, as its people would have: one domain shared by every draft made the
    /// first company own it and, after some hundreds of calls, a name sharing its first word was asked about.</summary>
    private string DraftDomain(int i) => $"{_run}-{(i < 0 ? $"w{-i}" : i)}.example";

    /// <summary>A draft for a populated company named as a user would type it (found by its name key) and its
    /// populated person by email.</summary>
    public Task CreateDealDraftExisting(int i) => Call("create_deal_draft", new Dictionary<string, object?>
    {
        // The whole name in capitals: the core alone ("BOLD RECYCLING" for "Bold Recycling Group") is another name
        // whose people share the domain, which the resolver asks about instead of matching.
        ["company_name"] = BenchData.CompanyName(Row(i)).ToUpperInvariant(),
        ["amount"] = 1000 + i,
        ["stage_name"] = "Proposal",
        ["people"] = new[] { new Dictionary<string, object?> { ["email"] = BenchData.Email(Row(i)) } },
    });

    public const int BulkItems = 100;

    /// <summary>report_deals as issue 19 asks it: weighted pipeline by stage, amounts by month, win rate and days to
    /// close per closed quarter, and a filtered report (open deals over an amount).</summary>
    public Task ReportByStage(int _) => Call("report_deals", new Dictionary<string, object?>
    {
        ["group_by"] = new[] { "stage" }, ["metrics"] = new[] { "count", "sum", "weighted" },
    });

    public Task ReportByCreatedMonth(int _) => Call("report_deals", new Dictionary<string, object?>
    {
        ["group_by"] = new[] { "created_month" }, ["metrics"] = new[] { "count", "sum", "avg" },
    });

    public Task ReportForecastByExpectedCloseMonth(int _) => Call("report_deals", new Dictionary<string, object?>
    {
        ["group_by"] = new[] { "expected_close_month" }, ["metrics"] = new[] { "count", "sum", "weighted" }, ["is_draft"] = false,
        ["filters"] = new[] { new Dictionary<string, object?> { ["field"] = "stage_kind", ["op"] = "equals", ["value"] = "open" } },
    });

    public Task ReportWinRateByClosedQuarter(int _) => Call("report_deals", new Dictionary<string, object?>
    {
        ["group_by"] = new[] { "closed_quarter" }, ["metrics"] = new[] { "win_rate", "days_to_close" },
        ["filters"] = new[] { new Dictionary<string, object?> { ["field"] = "closed_at", ["op"] = "is_not_null" } },
    });

    public Task ReportFiltered(int _) => Call("report_deals", new Dictionary<string, object?>
    {
        ["group_by"] = new[] { "stage" }, ["metrics"] = new[] { "count", "sum", "weighted" }, ["is_draft"] = false,
        ["filters"] = new[]
        {
            new Dictionary<string, object?> { ["field"] = "stage_kind", ["op"] = "equals", ["value"] = "open" },
            new Dictionary<string, object?> { ["field"] = "amount", ["op"] = "gte", ["value"] = 500000 },
        },
    });

    /// <summary>Four conditions: a stage, a draft flag, a currency and an amount range (the filter language when it is there).</summary>
    public Task GetDealsFiltered(int _) => HasArgument("get_deals", "filters")
        ? Call("get_deals", new Dictionary<string, object?>
        {
            ["filters"] = new object[]
            {
                new Dictionary<string, object?> { ["field"] = "stage", ["op"] = "equals", ["value"] = "Proposal" },
                new Dictionary<string, object?> { ["field"] = "is_draft", ["op"] = "equals", ["value"] = false },
                // Amounts compare within one currency (get_deals refuses a comparison across currencies).
                new Dictionary<string, object?> { ["field"] = "currency", ["op"] = "equals", ["value"] = "USD" },
                new Dictionary<string, object?> { ["field"] = "amount", ["op"] = "gte", ["value"] = 1000 },
            },
            ["limit"] = 25,
        })
        : Call("get_deals", new Dictionary<string, object?> { ["stage"] = "Proposal", ["is_draft"] = false, ["limit"] = 25 });

    public Task GetDeal(int i) => Call("get_deal", new Dictionary<string, object?> { ["deal"] = $"BENCH-{Row(i):0000000}" });

    public Task GetContact(int i) => Call("get_contact", new Dictionary<string, object?> { ["contact"] = BenchData.Email(Row(i)) });

    public Task SearchAll(int i) => Call("search_all", new Dictionary<string, object?> { ["query"] = BenchData.CompanyCore(Row(i)), ["limit"] = 10 });

    /// <summary>One new contact at a new company: what "remember this person" costs.</summary>
    public Task CreateContact(int i) => Call("create_contacts", new Dictionary<string, object?>
    {
        ["items"] = new[] { Contact($"{i}") },
    });

    /// <summary>A batch of <paramref name="size"/> new contacts, each at its own new company.</summary>
    public Task CreateContacts(int batch, int size) => Call("create_contacts", new Dictionary<string, object?> { ["items"] = ContactItems(_run, batch, size) });

    /// <summary>A batch of <paramref name="size"/> new deals, each with a new company and a stage by name.</summary>
    public Task CreateDeals(int batch, int size) => Call("create_deals", new Dictionary<string, object?> { ["items"] = DealItems(_run, batch, size) });

    /// <summary>create_contacts' items of the bulk section (also run in process by profile-bulk).</summary>
    public static Dictionary<string, object?>[] ContactItems(string run, int batch, int size) =>
        Enumerable.Range(0, size).Select(k => Contact(run, $"{batch}.{k}")).ToArray();

    /// <summary>A batch of <paramref name="size"/> new contacts at companies the database has (found by their exact
    /// name: no near-name lookup), so the figure is the write's own cost.</summary>
    public Task CreateContactsAtExisting(int batch, int size) =>
        Call("create_contacts", new Dictionary<string, object?> { ["items"] = ContactItemsAtExisting(_run, batch, size, Row) });

    /// <summary>create_contacts' items at populated companies (also run in process by profile-bulk); <paramref name="row"/>
    /// picks the populated row whose company item k of the batch names.</summary>
    public static Dictionary<string, object?>[] ContactItemsAtExisting(string run, int batch, int size, Func<int, int> row) =>
        Enumerable.Range(0, size).Select(k => new Dictionary<string, object?>
        {
            ["name"] = $"{Words.Name($"{run} person {batch}.{k}")} {batch}.{k}",
            ["email"] = $"dana.{run}.{batch}.{k}@bulk.example",
            ["company_name"] = BenchData.CompanyName(row(batch * size + k)),
        }).ToArray();

    /// <summary>create_deals' items of the bulk section (also run in process by profile-bulk).</summary>
    public static Dictionary<string, object?>[] DealItems(string run, int batch, int size) =>
        Enumerable.Range(0, size).Select(k => new Dictionary<string, object?>
        {
            ["name"] = $"Bulk {run} deal {batch}.{k}",
            // Not create_contacts' "Company {batch}.{k}": two made-up words before one long shared suffix are, now and
            // then, close by Jaro-Winkler (0.91 for "Fisava Lovive" / "Vipesa Lovika Company 1004.53"), and the call fails.
            ["company_name"] = $"{Words.Name($"{run} deal company {batch}.{k}")} Company {batch}.{k}.2",
            ["amount"] = 1000 + k,
            ["stage_name"] = "Proposal",
        }).ToArray();

    private Dictionary<string, object?> Contact(string key) => Contact(_run, key);

    private static Dictionary<string, object?> Contact(string run, string key) => new()
    {
        ["name"] = $"{Words.Name($"{run} person {key}")} {key}",
        ["email"] = $"cara.{run}.{key}@bulk.example",
        ["company_name"] = $"{Words.Name($"{run} company {key}")} Company {key}",
    };

    private async Task Call(string tool, Dictionary<string, object?> arguments)
    {
        var result = await client.CallToolAsync(tool, arguments);
        if (result.IsError == true)
            throw new InvalidOperationException($"{tool} failed: {(result.Content.FirstOrDefault() as TextContentBlock)?.Text}");
    }
}

/// <summary>Made-up names far apart from each other, so a batch of new records is a batch of distinct new records to the
/// resolver (numbered names like "Company 0.10" and "Company 1.0" are near-names, and rightly make it ask).</summary>
public static class Words
{
    private const string Consonants = "bcdfghjklmnprstvz";
    private const string Vowels = "aeiou";

    public static string Name(string seed)
    {
        var hash = 2166136261u; // FNV-1a: the same seed gives the same name in every process
        foreach (var c in seed) hash = (hash ^ c) * 16777619u;
        var random = new Random((int)hash);
        string Word()
        {
            var letters = new char[6];
            for (var i = 0; i < letters.Length; i++)
                letters[i] = i % 2 == 0 ? Consonants[random.Next(Consonants.Length)] : Vowels[random.Next(Vowels.Length)];
            letters[0] = char.ToUpperInvariant(letters[0]);
            return new string(letters);
        }
        return $"{Word()} {Word()}";
    }
}
