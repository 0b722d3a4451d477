using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Features.Board;
using Crm.Mcp.Hosting;
using Crm.Mcp.Hosting.Http;
using Crm.Mcp.Security;
using Crm.Mcp.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using ModelContextProtocol.Client;

namespace Crm.Mcp.Tests.Features.Board;

/// <summary>The board in a real browser: the /board page on a real Kestrel port, and the MCP App inside a stub host.</summary>
public sealed class BoardBrowserTests
{
    private static readonly string[] Stages = ["Qualified", "Discovery", "Proposal", "Negotiation", "Closed Won", "Closed Lost"];

    private static async Task SeedAsync(Func<string, object, Task> call)
    {
        await call("create_deal_draft", new { name = "Acme license", company_name = "Acme, Inc.", amount = 100000, stage_name = "Proposal", expected_close_date = "2026-12-31" });
        await call("create_deal_draft", new { name = "Beta rollout", company_name = "Beta GmbH", amount = 900, currency = "EUR", stage_name = "Proposal" });
        await call("create_deal_draft", new { name = "Gamma pilot", company_name = "Gamma", amount = 5000, stage_name = "Discovery" });
    }

    private static ILocator Column(IPage page, string stage) => page.Locator("section.column", new() { Has = page.Locator($"h2 span:text-is('{stage}')") });

    private static ILocator Column(IFrameLocator frame, string stage) => frame.Locator("section.column", new() { Has = frame.Locator($"h2 span:text-is('{stage}')") });

    [Fact]
    public async Task The_board_page_shows_columns_cards_and_totals_and_moves_deals_by_keyboard_and_mouse()
    {
        var (playwright, browser) = await Browser.LaunchAsync();
        await using var _ = browser;
        using var __ = playwright;
        await using var server = await KestrelServer.StartAsync();
        var writeKey = await server.Keys.CreateAsync("board-writer", AccessScope.Write);
        var client = await server.ConnectAsync(writeKey.Key);
        await SeedAsync((tool, args) => HttpTestServer.CallOkAsync(client, tool, args));

        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1600, Height = 700 } });
        await page.GotoAsync($"{server.BaseUrl}/board#key={writeKey.Key}");
        await Assertions.Expect(page.Locator("section.column")).ToHaveCountAsync(Stages.Length);
        Assert.Equal(Stages, await page.Locator("section.column h2 span:first-child").AllInnerTextsAsync());
        await Assertions.Expect(page.Locator("#keyform")).ToBeHiddenAsync();
        var proposal = Column(page, "Proposal");
        await Assertions.Expect(proposal.Locator(".card")).ToHaveCountAsync(2);
        var acme = page.Locator(".card", new() { HasText = "Acme license" });
        await Assertions.Expect(acme).ToContainTextAsync("Acme, Inc.");
        await Assertions.Expect(acme).ToContainTextAsync("$100.00K");
        await Assertions.Expect(acme).ToContainTextAsync("2026-12-31");
        await Assertions.Expect(proposal.Locator(".totals")).ToContainTextAsync("€900.00 · 1 deal");
        await Assertions.Expect(proposal.Locator(".totals")).ToContainTextAsync("$100.00K");
        Assert.Equal(0, await page.Locator("html[data-theme]").CountAsync()); // the system theme unless a host says otherwise

        // Keyboard: focus the card and press → to move it one stage right.
        await acme.FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Moved Acme license to Negotiation.");
        await Assertions.Expect(Column(page, "Negotiation").Locator(".card", new() { HasText = "Acme license" })).ToHaveCountAsync(1);
        Assert.Equal("Negotiation", await StageOfAsync(client, "Acme license"));

        // Mouse: drag a card onto another column.
        await page.Locator(".card", new() { HasText = "Gamma pilot" }).DragToAsync(Column(page, "Closed Won"));
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Moved Gamma pilot to Closed Won.");
        Assert.Equal("Closed Won", await StageOfAsync(client, "Gamma pilot"));
        await Assertions.Expect(Column(page, "Closed Won").Locator(".totals")).ToContainTextAsync("$5.00K");

        await page.ScreenshotAsync(new() { Path = Browser.ArtifactPath("board.png"), FullPage = true });
    }

    [Fact]
    public async Task Without_a_key_the_page_asks_for_one_and_a_read_key_sees_but_cannot_move()
    {
        var (playwright, browser) = await Browser.LaunchAsync();
        await using var _ = browser;
        using var __ = playwright;
        await using var server = await KestrelServer.StartAsync();
        var writer = await server.ConnectAsync((await server.Keys.CreateAsync("writer", AccessScope.Write)).Key);
        await SeedAsync((tool, args) => HttpTestServer.CallOkAsync(writer, tool, args));
        var readKey = (await server.Keys.CreateAsync("viewer", AccessScope.Read)).Key;

        var page = await browser.NewPageAsync();
        await page.GotoAsync($"{server.BaseUrl}/board");
        await Assertions.Expect(page.Locator("#keyform")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("section.column")).ToHaveCountAsync(0);
        await page.FillAsync("#key", readKey);
        await page.ClickAsync("#keyform button");
        await Assertions.Expect(page.Locator("section.column")).ToHaveCountAsync(Stages.Length);

        await page.Locator(".card", new() { HasText = "Gamma pilot" }).FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Not moved");
        Assert.Equal("Discovery", await StageOfAsync(writer, "Gamma pilot"));
    }

    [Fact]
    public async Task The_mcp_app_renders_inside_a_host_and_moves_a_deal_through_the_host_bridge()
    {
        var (playwright, browser) = await Browser.LaunchAsync();
        await using var _ = browser;
        using var __ = playwright;
        await using var server = await TestServer.StartAsync();
        await SeedAsync((tool, args) => server.CallOkAsync(tool, args));
        var html = Assert.IsType<ModelContextProtocol.Protocol.TextResourceContents>(Assert.Single(
            (await server.Client.ReadResourceAsync(BoardTools.ResourceUri, cancellationToken: TestContext.Current.CancellationToken)).Contents)).Text;
        var calls = new List<string>();

        var page = await browser.NewPageAsync();
        // The host forwards the app's tools/call to the real server, as a client with MCP Apps would.
        // One string in, one string out. Playwright exposes it in every frame, so its name must not shadow the app's own.
        await page.ExposeFunctionAsync("hostCallTool", async (string request) =>
        {
            var call = JsonDocument.Parse(request).RootElement;
            var name = call.GetProperty("name").GetString()!;
            lock (calls) calls.Add(name);
            var args = JsonSerializer.Deserialize<Dictionary<string, object?>>(call.GetProperty("arguments").GetRawText())!;
            var result = await server.Client.CallToolAsync(name, args);
            return JsonSerializer.Serialize(result, ModelContextProtocol.McpJsonUtilities.DefaultOptions);
        });
        await page.SetContentAsync(StubHost);
        await page.EvaluateAsync("html => startApp(html)", html);
        var app = page.FrameLocator("iframe");
        await Assertions.Expect(app.Locator("section.column")).ToHaveCountAsync(Stages.Length);
        await Assertions.Expect(app.Locator("html[data-theme=dark]")).ToHaveCountAsync(1);
        Assert.Equal(1, await page.EvaluateAsync<int>("() => window.initialized"));
        await Assertions.Expect(Column(app, "Proposal").Locator(".totals")).ToContainTextAsync("$100.00K");

        await app.Locator(".card", new() { HasText = "Beta rollout" }).FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(app.Locator("#status")).ToHaveTextAsync("Moved Beta rollout to Negotiation.");
        Assert.Contains("update_deal", calls);
        var deal = await server.CallOkAsync("get_deal", new { deal = "DEAL-002" });
        Assert.Equal("Negotiation", deal.GetProperty("data").GetProperty("stage").GetProperty("name").GetString());
        await page.ScreenshotAsync(new() { Path = Browser.ArtifactPath("board-mcp-app.png") });
    }

    private static async Task<string?> StageOfAsync(McpClient client, string dealName)
    {
        var deals = await HttpTestServer.CallOkAsync(client, "get_deals", new { search = dealName });
        var id = deals.GetProperty("data").GetProperty("items")[0].GetProperty("identifier").GetString();
        var deal = await HttpTestServer.CallOkAsync(client, "get_deal", new { deal = id });
        return deal.GetProperty("data").GetProperty("stage").GetProperty("name").GetString();
    }

    /// <summary>A minimal MCP Apps host: answers ui/initialize (dark theme), sends the tool result, forwards tools/call.</summary>
    private const string StubHost = """
        <!doctype html><html><body style="margin:0">
        <iframe id="app" style="width:1500px;height:600px;border:0" sandbox="allow-scripts"></iframe>
        <script>
        window.initialized = 0;
        const frame = document.getElementById("app");
        const send = (message) => frame.contentWindow.postMessage(message, "*");
        window.addEventListener("message", async (event) => {
          const m = event.data;
          if (event.source !== frame.contentWindow || !m || m.jsonrpc !== "2.0") return;
          if (m.method === "ui/initialize") {
            send({ jsonrpc: "2.0", id: m.id, result: { protocolVersion: "2026-01-26", hostInfo: { name: "stub-host", version: "1" }, hostCapabilities: {}, hostContext: { theme: "dark" } } });
          } else if (m.method === "ui/notifications/initialized") {
            window.initialized++;
            const result = JSON.parse(await window.hostCallTool(JSON.stringify({ name: "show_pipeline_board", arguments: {} })));
            send({ jsonrpc: "2.0", method: "ui/notifications/tool-result", params: result });
          } else if (m.method === "tools/call") {
            const result = JSON.parse(await window.hostCallTool(JSON.stringify({ name: m.params.name, arguments: m.params.arguments || {} })));
            send({ jsonrpc: "2.0", id: m.id, result });
          } else if (m.id !== undefined) {
            send({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "not supported" } });
          }
        });
        window.startApp = (html) => { frame.srcdoc = html; };
        </script></body></html>
        """;
}

/// <summary>The real HTTP application on a real loopback port (a browser cannot reach TestHost's in-memory server).</summary>
public sealed class KestrelServer : IAsyncDisposable
{
    private readonly List<McpClient> _clients = [];

    public required WebApplication App { get; init; }
    public required TestDatabase Database { get; init; }
    public required string BaseUrl { get; init; }
    public ApiKeyStore Keys => App.Services.GetRequiredService<ApiKeyStore>();

    public static async Task<KestrelServer> StartAsync()
    {
        var database = await TestDatabase.CreateAsync();
        var serve = new ServeOptions { Settings = new CrmSettings { DatabasePath = database.Path } };
        var app = HttpHost.Build(serve, new HttpServeOptions { Urls = ["http://127.0.0.1:0"] }, LogLevel.Warning);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KestrelServer { App = app, Database = database, BaseUrl = address.TrimEnd('/') };
    }

    public async Task<McpClient> ConnectAsync(string key)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"{BaseUrl}/mcp"),
            AdditionalHeaders = new Dictionary<string, string> { ["x-api-key"] = key },
        });
        var client = await McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken);
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) await client.DisposeAsync();
        await App.StopAsync();
        await App.DisposeAsync();
        await Database.DisposeAsync();
    }
}
