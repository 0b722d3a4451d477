using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Bench;

/// <summary>The calls measured end to end. Each checks its result so a failing call can't pass for a fast one.</summary>
public sealed class Workloads(McpClient client, IList<McpClientTool> tools)
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];

    public static async Task<Workloads> CreateAsync(McpClient client) => new(client, await client.ListToolsAsync());

    public bool Has(string tool) => tools.Any(t => t.Name == tool);

    private bool HasArgument(string tool, string argument) =>
        tools.Single(t => t.Name == tool).ProtocolTool.InputSchema.GetProperty("properties").TryGetProperty(argument, out _);

    public Task NoOp(int _) => client.PingAsync().AsTask();

    public Task CreateDealDraft(int i) => Call("create_deal_draft", new Dictionary<string, object?>
    {
        ["company_name"] = $"Bench {_run} Company {i}",
        ["amount"] = 1000 + i,
        ["stage_name"] = "Proposal",
        ["people"] = new[]
        {
            new Dictionary<string, object?> { ["name"] = $"Ann {_run} {i}", ["email"] = $"ann.{_run}.{i}@bench.example" },
            new Dictionary<string, object?> { ["name"] = $"Bob {_run} {i}", ["email"] = $"bob.{_run}.{i}@bench.example" },
        },
    });

    public const int BulkItems = 100;

    /// <summary>create_contacts with 100 new people, all at one new company (records/s = calls/s × 100).</summary>
    public Task CreateContacts(int i) => Call("create_contacts", new Dictionary<string, object?>
    {
        ["items"] = Enumerable.Range(0, BulkItems).Select(k => new Dictionary<string, object?>
        {
            ["name"] = $"Carol {_run} {i} {k}", ["email"] = $"carol.{_run}.{i}.{k}@bulk{i}.example", ["company_name"] = $"Bulk {_run} Co {i}",
        }).ToArray(),
    });

    /// <summary>create_deals with 100 deals of one new company in an existing stage (records/s = calls/s × 100).</summary>
    public Task CreateDeals(int i) => Call("create_deals", new Dictionary<string, object?>
    {
        ["items"] = Enumerable.Range(0, BulkItems).Select(k => new Dictionary<string, object?>
        {
            ["name"] = $"Bulk deal {_run} {i} {k}", ["company_name"] = $"Zeta Holdings {_run} {i}", ["amount"] = 1000 + k, ["stage_name"] = "Proposal",
        }).ToArray(),
    });

    /// <summary>Three conditions: a stage, a draft flag and an amount range (the filter language when it is there).</summary>
    public Task GetDealsFiltered(int _) => HasArgument("get_deals", "filters")
        ? Call("get_deals", new Dictionary<string, object?>
        {
            ["filters"] = new object[]
            {
                new Dictionary<string, object?> { ["field"] = "stage", ["op"] = "equals", ["value"] = "Proposal" },
                new Dictionary<string, object?> { ["field"] = "is_draft", ["op"] = "equals", ["value"] = false },
                new Dictionary<string, object?> { ["field"] = "amount", ["op"] = "gte", ["value"] = 1000 },
            },
            ["limit"] = 25,
        })
        : Call("get_deals", new Dictionary<string, object?> { ["stage"] = "Proposal", ["is_draft"] = false, ["limit"] = 25 });

    public Task GetDeal(int i) => Call("get_deal", new Dictionary<string, object?> { ["deal"] = $"BENCH-{Math.Max(i, 0) % 1000:0000000}" });

    public Task SearchAll(int i) => Call("search_all", new Dictionary<string, object?> { ["query"] = $"Company {Math.Max(i, 0) % 1000}", ["limit"] = 10 });

    private async Task Call(string tool, Dictionary<string, object?> arguments)
    {
        var result = await client.CallToolAsync(tool, arguments);
        if (result.IsError == true)
            throw new InvalidOperationException($"{tool} failed: {(result.Content.FirstOrDefault() as TextContentBlock)?.Text}");
    }
}
