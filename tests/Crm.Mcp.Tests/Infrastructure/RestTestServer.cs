using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Hosting;
using Crm.Mcp.Hosting.Http;
using Crm.Mcp.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Tests.Infrastructure;

/// <summary>The real HTTP application on Kestrel, on a free loopback port and a fresh database: REST through
/// HttpClient, MCP through the SDK's HTTP client, against the same server.</summary>
public sealed class RestTestServer : IAsyncDisposable
{
    private readonly List<McpClient> _clients = [];

    public WebApplication App { get; }
    public HttpClient Http { get; }
    public TestDatabase Database { get; }
    public Uri BaseAddress { get; }

    private RestTestServer(WebApplication app, TestDatabase database, Uri baseAddress)
    {
        App = app;
        Database = database;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress };
    }

    public static async Task<RestTestServer> StartAsync(Func<HttpServeOptions, HttpServeOptions>? configure = null, Func<ServeOptions, ServeOptions>? serve = null)
    {
        var database = await TestDatabase.CreateAsync();
        var options = (configure ?? (o => o))(new HttpServeOptions { Urls = ["http://127.0.0.1:0"] });
        var serveOptions = (serve ?? (s => s))(new ServeOptions { Settings = new CrmSettings { DatabasePath = database.Path }, Toolsets = [ToolCatalog.AllToolsets] });
        var app = HttpHost.Build(serveOptions, options, LogLevel.Warning);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new RestTestServer(app, database, new Uri(app.Urls.First()));
    }

    public async Task<string> CreateKeyAsync(string name, AccessScope scope, string? user = null) =>
        (await App.Services.GetRequiredService<ApiKeyStore>().CreateAsync(name, scope, TestContext.Current.CancellationToken, user)).Key;

    /// <summary>Sends a request; body is serialized as JSON unless it is already a string.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(
        string method, string path, object? body = null, string? key = null, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body, TestJson.Options), Encoding.UTF8, "application/json");
        if (key is not null) request.Headers.Add("x-api-key", key);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);
        var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, json, response);
    }

    public async Task<JsonElement> OkAsync(string method, string path, object? body = null, string? key = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var (status, json, _) = await SendAsync(method, path, body, key);
        Assert.True(status == expected, $"{method} {path}: {(int)status} {json}");
        return json;
    }

    /// <summary>A failed request's problem details, after checking the status and the media type.</summary>
    public async Task<JsonElement> ProblemAsync(string method, string path, HttpStatusCode expected, object? body = null, string? key = null)
    {
        var (status, json, response) = await SendAsync(method, path, body, key);
        Assert.True(status == expected, $"{method} {path}: expected {(int)expected}, got {(int)status} {json}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, json.GetProperty("status").GetInt32());
        return json;
    }

    public async Task<McpClient> ConnectMcpAsync(string? key)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(BaseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = key is null ? null : new Dictionary<string, string> { ["x-api-key"] = key },
        });
        var client = await McpClient.CreateAsync(transport,
            new McpClientOptions { ClientInfo = new Implementation { Name = "crm-rest-tests", Version = "1.0" } },
            cancellationToken: TestContext.Current.CancellationToken);
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            try { await client.DisposeAsync(); } catch (Exception e) when (e is HttpRequestException or OperationCanceledException or ObjectDisposedException) { }
        }
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        await Database.DisposeAsync();
    }
}
