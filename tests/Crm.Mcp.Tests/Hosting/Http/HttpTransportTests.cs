using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Crm.Mcp.Hosting.Http;
using Crm.Mcp.Security;
using Crm.Mcp.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;

namespace Crm.Mcp.Tests.Hosting.Http;

/// <summary>Both HTTP transports, sessions and their end, over the real HTTP pipeline.</summary>
public sealed class HttpTransportTests
{
    private static readonly object AcmeDraft = new { company_name = "Acme, Inc.", amount = 100000, people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } };

    [Theory]
    [InlineData(HttpTransportMode.StreamableHttp, "2025-11-25")]
    [InlineData(HttpTransportMode.StreamableHttp, "2025-06-18")]
    [InlineData(HttpTransportMode.StreamableHttp, null)] // the client's choice: 2026-07-28, served without a session
    [InlineData(HttpTransportMode.Sse, "2024-11-05")]
    public async Task Each_transport_completes_create_deal_draft_and_reads_it_back(HttpTransportMode mode, string? protocolVersion)
    {
        await using var server = await HttpTestServer.StartAsync();
        var client = await server.ConnectAsync(await server.CreateKeyAsync("laptop", AccessScope.Write), mode, protocolVersion);

        var created = await HttpTestServer.CallOkAsync(client, "create_deal_draft", AcmeDraft);
        var deal = created.GetProperty("data").GetProperty("deal");
        Assert.Equal("DEAL-001", deal.GetProperty("identifier").GetString());
        var read = await HttpTestServer.CallOkAsync(client, "get_deal", new { deal = deal.GetProperty("id").GetString() });
        Assert.Equal("Acme, Inc.", read.GetProperty("data").GetProperty("company").GetProperty("name").GetString());
        Assert.Equal(1, await server.Database.CountAsync("deals"));
    }

    [Fact]
    public async Task Stateless_mode_serves_each_post_alone_and_keeps_no_session()
    {
        await using var server = await HttpTestServer.StartAsync(o => o with { Stateless = true, RequireAuth = false });
        var client = await server.ConnectAsync(key: null);

        await HttpTestServer.CallOkAsync(client, "create_deal_draft", AcmeDraft);

        using var init = await Raw.PostAsync(server.Http, Raw.Initialize);
        Assert.Equal(HttpStatusCode.OK, init.StatusCode);
        Assert.False(init.Headers.Contains("Mcp-Session-Id"));
        using var list = await Raw.PostAsync(server.Http, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode); // no session asked for, none needed
        Assert.Contains("create_deal_draft", await list.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        using var get = await Raw.SendAsync(server.Http, HttpMethod.Get, null, accept: "text/event-stream");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        await Raw.AssertErrorAsync(get, "no_sessions");
        using var withSession = await Raw.PostAsync(server.Http, """{"jsonrpc":"2.0","id":3,"method":"tools/list"}""", sessionId: "abc");
        Assert.Equal(HttpStatusCode.BadRequest, withSession.StatusCode);
        Assert.Contains("--stateless", await Raw.AssertErrorAsync(withSession, "stateless"));
    }

    [Fact]
    public async Task A_session_is_opened_by_initialize_used_by_id_and_ended_by_delete()
    {
        await using var server = await HttpTestServer.StartAsync(o => o with { RequireAuth = false });
        var sessionId = await Raw.InitializeAsync(server.Http);

        using var list = await Raw.PostAsync(server.Http, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", sessionId);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains("create_deal_draft", await list.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        using var delete = await Raw.SendAsync(server.Http, HttpMethod.Delete, null, sessionId);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        using var after = await Raw.PostAsync(server.Http, """{"jsonrpc":"2.0","id":3,"method":"tools/list"}""", sessionId);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        await Raw.AssertErrorAsync(after, "session_not_found");
    }

    [Fact]
    public async Task An_idle_session_expires_after_the_timeout_and_a_busy_or_recent_one_does_not()
    {
        var clock = new ManualClock();
        await using var server = await HttpTestServer.StartAsync(o => o with { RequireAuth = false, Time = clock, SessionIdleTimeout = TimeSpan.FromMinutes(30) });
        var idle = await Raw.InitializeAsync(server.Http);
        var recent = await Raw.InitializeAsync(server.Http);

        clock.Advance(TimeSpan.FromMinutes(29));
        using (var touch = await Raw.PostAsync(server.Http, """{"jsonrpc":"2.0","id":2,"method":"ping"}""", recent))
            Assert.Equal(HttpStatusCode.OK, touch.StatusCode);
        clock.Advance(TimeSpan.FromMinutes(2)); // the SDK's idle sweep runs on this clock's timer

        using var expired = await Raw.EventuallyAsync(() => Raw.PostAsync(server.Http, """{"jsonrpc":"2.0","id":3,"method":"ping"}""", idle),
            r => r.StatusCode == HttpStatusCode.NotFound);
        await Raw.AssertErrorAsync(expired, "session_not_found");
        using var alive = await Raw.PostAsync(server.Http, """{"jsonrpc":"2.0","id":3,"method":"ping"}""", recent);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task A_session_belongs_to_the_key_that_opened_it()
    {
        await using var server = await HttpTestServer.StartAsync();
        var owner = await server.CreateKeyAsync("owner", AccessScope.Admin);
        var other = await server.CreateKeyAsync("other", AccessScope.Admin);
        var sessionId = await Raw.InitializeAsync(server.Http, owner);

        using var hijack = await Raw.PostAsync(server.Http, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", sessionId, other);
        Assert.Equal(HttpStatusCode.Forbidden, hijack.StatusCode);
        await Raw.AssertErrorAsync(hijack, "session_owner");
    }

    [Fact]
    public async Task A_broken_stream_is_resumed_with_last_event_id_and_replays_the_missed_reply()
    {
        await using var server = await HttpTestServer.StartAsync(o => o with { RequireAuth = false });
        var sessionId = await Raw.InitializeAsync(server.Http);
        using var call = await Raw.PostAsync(server.Http,
            """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"create_deal_draft","arguments":{"company_name":"Resumed Inc"}}}""", sessionId);
        var stream = await call.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var eventIds = stream.Split('\n').Where(l => l.StartsWith("id:", StringComparison.Ordinal)).Select(l => l[3..].Trim()).ToList();
        Assert.True(eventIds.Count >= 2, $"expected a priming event and the reply, each with an id: {stream}");
        // The priming event also says how soon to reconnect when the stream breaks (SEP-1699's retry field).
        Assert.Contains(stream.Split('\n'), l => l.Trim() == $"retry: {ResumableStreams.Retry.TotalMilliseconds}");

        // As if the connection broke right after the first event: ask for everything after it.
        using var resumed = await Raw.SendAsync(server.Http, HttpMethod.Get, null, sessionId, accept: "text/event-stream",
            tweak: r => r.Headers.Add("Last-Event-ID", eventIds[0]));
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        var replay = await resumed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("\"id\":7", replay);
        Assert.Contains("Resumed Inc", replay);
        Assert.Equal(1, await server.Database.CountAsync("deals")); // replayed, not re-run

        using var unknown = await Raw.SendAsync(server.Http, HttpMethod.Get, null, sessionId, accept: "text/event-stream",
            tweak: r => r.Headers.Add("Last-Event-ID", "no-such-event"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        await Raw.AssertErrorAsync(unknown, "resume_unavailable");
    }

    [Fact]
    public async Task A_legacy_sse_session_belongs_to_the_key_that_opened_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await HttpTestServer.StartAsync();
        var owner = await server.CreateKeyAsync("owner", AccessScope.Admin);
        var other = await server.CreateKeyAsync("other", AccessScope.Admin);
        using var stream = await Raw.SendAsync(server.Http, HttpMethod.Get, null, key: owner, accept: "text/event-stream", endpoint: "http://localhost/sse");
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        using var events = new StreamReader(await stream.Content.ReadAsStreamAsync(ct));
        string? endpoint = null;
        while (endpoint is null && await events.ReadLineAsync(ct) is { } line)
            if (line.StartsWith("data: ", StringComparison.Ordinal)) endpoint = line[6..];
        Assert.Contains("/message?sessionId=", endpoint);

        using var hijack = await Raw.PostAsync(server.Http, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", key: other, endpoint: $"http://localhost{endpoint}");
        Assert.Equal(HttpStatusCode.Forbidden, hijack.StatusCode);
        await Raw.AssertErrorAsync(hijack, "session_owner");
        using var own = await Raw.PostAsync(server.Http, Raw.Initialize, key: owner, endpoint: $"http://localhost{endpoint}");
        Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
    }

    [Fact]
    public async Task Real_kestrel_port_on_loopback_serves_an_authenticated_client()
    {
        var database = await TestDatabase.CreateAsync();
        var options = new HttpServeOptions { Urls = ["http://127.0.0.1:0"] };
        await using var app = HttpHost.Build(new Crm.Mcp.Hosting.ServeOptions { Settings = new Crm.Mcp.Common.CrmSettings { DatabasePath = database.Path } },
            options, Microsoft.Extensions.Logging.LogLevel.Warning);
        try
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            Assert.StartsWith("http://127.0.0.1:", address);
            var (_, key) = await app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("kestrel", AccessScope.Write, TestContext.Current.CancellationToken);

            using var http = new HttpClient();
            using (var health = await http.GetAsync($"{address}/healthz", TestContext.Current.CancellationToken))
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            using (var anonymous = await Raw.PostAsync(http, Raw.Initialize, endpoint: $"{address}/mcp"))
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

            await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri($"{address}/mcp"),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
            }, http, ownsHttpClient: false), cancellationToken: TestContext.Current.CancellationToken);
            var created = await HttpTestServer.CallOkAsync(client, "create_deal_draft", AcmeDraft);
            Assert.Equal("DEAL-001", created.GetProperty("data").GetProperty("deal").GetProperty("identifier").GetString());
        }
        finally
        {
            await app.StopAsync(TestContext.Current.CancellationToken);
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Stopping_the_server_lets_an_in_flight_call_finish()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await TestDatabase.CreateAsync();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hold = ModelContextProtocol.Server.McpServerTool.Create(async () =>
        {
            entered.SetResult();
            await release.Task;
            return "finished";
        }, new ModelContextProtocol.Server.McpServerToolCreateOptions { Name = "hold", ReadOnly = true, Destructive = false });
        await using var app = HttpHost.Build(new Crm.Mcp.Hosting.ServeOptions { Settings = new Crm.Mcp.Common.CrmSettings { DatabasePath = database.Path } },
            new HttpServeOptions { Urls = ["http://127.0.0.1:0"], RequireAuth = false }, Microsoft.Extensions.Logging.LogLevel.Warning,
            builder => builder.Services.AddSingleton(hold));
        try
        {
            await app.StartAsync(ct);
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            using var http = new HttpClient();
            await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri($"{address}/mcp"), TransportMode = HttpTransportMode.StreamableHttp,
            }, http, ownsHttpClient: false), new McpClientOptions { ProtocolVersion = "2025-11-25" }, cancellationToken: ct);

            var call = HttpTestServer.CallAsync(client, "hold");
            await entered.Task.WaitAsync(ct);
            var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            app.Lifetime.ApplicationStopping.Register(stopping.SetResult);
            var stop = app.StopAsync(ct);
            await stopping.Task.WaitAsync(ct);
            release.SetResult();

            var result = await call;
            Assert.NotEqual(true, result.IsError);
            Assert.Equal("finished", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text);
            await stop;
        }
        finally
        {
            release.TrySetResult();
            await database.DisposeAsync();
        }
    }
}

/// <summary>Hand-made HTTP requests, for the statuses an SDK client never provokes.</summary>
internal static class Raw
{
    public const string Initialize = """
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}
        """;

    public static Task<HttpResponseMessage> PostAsync(HttpClient http, string body, string? sessionId = null, string? key = null,
        string accept = "application/json, text/event-stream", string? endpoint = null, Action<HttpRequestMessage>? tweak = null) =>
        SendAsync(http, HttpMethod.Post, body, sessionId, key, accept, endpoint, tweak);

    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string? body, string? sessionId = null, string? key = null,
        string accept = "application/json, text/event-stream", string? endpoint = null, Action<HttpRequestMessage>? tweak = null)
    {
        var request = new HttpRequestMessage(method, endpoint ?? HttpTestServer.Endpoint);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        foreach (var type in accept.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(type));
        if (sessionId is not null) request.Headers.Add("Mcp-Session-Id", sessionId);
        if (key is not null) request.Headers.Add("x-api-key", key);
        tweak?.Invoke(request);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
    }

    /// <summary>Repeats a request until its answer satisfies <paramref name="done"/> (for work the server does in the background).</summary>
    public static async Task<HttpResponseMessage> EventuallyAsync(Func<Task<HttpResponseMessage>> send, Func<HttpResponseMessage, bool> done)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await send();
            if (done(response) || attempt == 500) return response;
            response.Dispose();
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Opens a session (initialize + initialized) and returns its id.</summary>
    public static async Task<string> InitializeAsync(HttpClient http, string? key = null)
    {
        using var init = await PostAsync(http, Initialize, key: key);
        Assert.Equal(HttpStatusCode.OK, init.StatusCode);
        await init.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var sessionId = init.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = await PostAsync(http, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", sessionId, key);
        Assert.Equal(HttpStatusCode.Accepted, initialized.StatusCode);
        return sessionId;
    }

    /// <summary>Checks an HTTP refusal: a JSON-RPC error whose data names the reason and repeats the status.</summary>
    public static async Task<string> AssertErrorAsync(HttpResponseMessage response, string reason)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        var error = body.GetProperty("error");
        Assert.Equal(reason, error.GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal((int)response.StatusCode, error.GetProperty("data").GetProperty("status").GetInt32());
        var message = error.GetProperty("message").GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message;
    }
}
