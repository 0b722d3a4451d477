using System.IO.Pipelines;
using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Tests.Infrastructure;

/// <summary>A real MCP client talking to a real server over in-memory pipes, on a fresh database file.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly Task _serverRun;
    private readonly CancellationTokenSource _stop;

    public McpClient Client { get; }
    public CrmDb Db { get; }
    public TestDatabase Database { get; }

    private TestServer(ServiceProvider services, Task serverRun, CancellationTokenSource stop, McpClient client, TestDatabase database)
    {
        _stop = stop;
        _services = services;
        _serverRun = serverRun;
        Client = client;
        Database = database;
        Db = services.GetRequiredService<CrmDb>();
    }

    public static async Task<TestServer> StartAsync(
        Func<CrmSettings, ServeOptions>? configure = null, TestDatabase? database = null, McpClientOptions? clientOptions = null)
    {
        var ct = TestContext.Current.CancellationToken;
        database ??= await TestDatabase.CreateAsync();
        var settings = new CrmSettings { DatabasePath = database.Path };
        // Tests see every tool; the default catalog has tests of its own (ToolCatalogTests).
        var options = configure?.Invoke(settings) ?? new ServeOptions { Settings = settings, Toolsets = [ToolCatalog.AllToolsets] };

        var clientToServer = new Pipe();
        var serverToClient = new Pipe();
        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Warning);
            // CRM_MCP_TEST_LOG=1 shows the server's own log (e.g. an internal_error's exception) on stderr.
            if (Environment.GetEnvironmentVariable("CRM_MCP_TEST_LOG") == "1")
                b.AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace);
        });
        services.AddCrmMcpServer(options).WithStreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream());
        var provider = services.BuildServiceProvider();

        var server = provider.GetRequiredService<McpServer>();
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = server.RunAsync(stop.Token);
        var client = await McpClient.CreateAsync(
            new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream()),
            clientOptions ?? new McpClientOptions { ClientInfo = new Implementation { Name = "crm-tests", Version = "1.0" } },
            cancellationToken: ct);
        return new TestServer(provider, run, stop, client, database);
    }

    public async Task<CallToolResult> CallAsync(string tool, object? arguments = null)
    {
        var args = arguments is null
            ? new Dictionary<string, object?>()
            : JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(arguments, TestJson.Options))!;
        var result = await Client.CallToolAsync(tool, args, cancellationToken: TestContext.Current.CancellationToken);
        if (result.IsError is not true && result.StructuredContent is { } structured) await AssertMatchesOutputSchemaAsync(tool, structured);
        return result;
    }

    private Dictionary<string, JsonElement>? _outputSchemas;

    /// <summary>Every successful call's structuredContent must validate against the tool's listed outputSchema, as
    /// validating clients (Inspector, Codex) check it; so every test that calls a tool also tests its schema.</summary>
    private async Task AssertMatchesOutputSchemaAsync(string tool, JsonElement structured)
    {
        _outputSchemas ??= (await Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken))
            .Where(t => t.ProtocolTool.OutputSchema is not null)
            .ToDictionary(t => t.Name, t => t.ProtocolTool.OutputSchema!.Value);
        if (!_outputSchemas.TryGetValue(tool, out var schema)) return;
        var errors = SchemaValidator.Validate(schema, structured);
        Assert.True(errors.Count == 0, $"{tool}: structuredContent does not match its outputSchema: {string.Join("; ", errors.Take(5))}");
    }

    /// <summary>Calls a tool that must succeed; returns its structured content after checking the text carries the same JSON.</summary>
    public async Task<JsonElement> CallOkAsync(string tool, object? arguments = null)
    {
        var result = await CallAsync(tool, arguments);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.True(result.IsError is not true, $"{tool} failed: {text}");
        Assert.NotNull(result.StructuredContent);
        var structured = result.StructuredContent!.Value;
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(text).RootElement), JsonSerializer.Serialize(structured));
        Assert.True(structured.GetProperty("success").GetBoolean());
        return structured;
    }

    /// <summary>Calls a tool that must fail with a tool error; returns the error object (code, field, message, expected).</summary>
    public async Task<JsonElement> CallErrorAsync(string tool, object? arguments = null)
    {
        var result = await CallAsync(tool, arguments);
        Assert.True(result.IsError, $"{tool} was expected to fail");
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        var body = JsonDocument.Parse(text).RootElement;
        Assert.False(body.GetProperty("success").GetBoolean());
        return body.GetProperty("error");
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _stop.CancelAsync();
        try { await _serverRun; } catch (OperationCanceledException) { }
        await _services.DisposeAsync();
        await Database.DisposeAsync();
    }
}
