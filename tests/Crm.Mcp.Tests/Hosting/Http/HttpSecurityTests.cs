using System.Net;
using Crm.Mcp.Hosting;
using Crm.Mcp.Hosting.Http;
using Crm.Mcp.Security;
using Crm.Mcp.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Client;

namespace Crm.Mcp.Tests.Hosting.Http;

/// <summary>Every refusal the HTTP server makes, with its status and a JSON body that says what to do.</summary>
public sealed class HttpSecurityTests
{
    private const string ToolsList = """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""";
    private const string Ping = """{"jsonrpc":"2.0","id":3,"method":"ping"}""";

    [Fact]
    public async Task Missing_wrong_and_revoked_keys_get_401_with_a_json_reason()
    {
        await using var server = await HttpTestServer.StartAsync();
        var key = await server.CreateKeyAsync("laptop", AccessScope.Read);

        using var missing = await Raw.PostAsync(server.Http, Raw.Initialize);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Contains("Bearer", missing.Headers.WwwAuthenticate.ToString());
        Assert.Contains("x-api-key", await Raw.AssertErrorAsync(missing, "unauthorized"));

        using var wrong = await Raw.PostAsync(server.Http, Raw.Initialize, key: key[..^2] + "xx");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("not valid", await Raw.AssertErrorAsync(wrong, "unauthorized"));
        using var garbage = await Raw.PostAsync(server.Http, Raw.Initialize, key: "not-even-a-key");
        Assert.Equal(HttpStatusCode.Unauthorized, garbage.StatusCode);

        using var bearer = await Raw.PostAsync(server.Http, Raw.Initialize, tweak: r => r.Headers.Add("Authorization", $"Bearer {key}"));
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        using var header = await Raw.PostAsync(server.Http, Raw.Initialize, key: key);
        Assert.Equal(HttpStatusCode.OK, header.StatusCode);

        Assert.Equal(1, await server.Keys.RevokeAsync("laptop", TestContext.Current.CancellationToken));
        using var revoked = await Raw.PostAsync(server.Http, Raw.Initialize, key: key);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        await Raw.AssertErrorAsync(revoked, "unauthorized");
    }

    [Fact]
    public async Task Healthz_answers_without_a_key_and_legacy_sse_needs_one()
    {
        await using var server = await HttpTestServer.StartAsync();
        using var health = await server.Http.GetAsync("http://localhost/healthz", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("\"ok\"", await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        using var sse = await Raw.SendAsync(server.Http, HttpMethod.Get, null, accept: "text/event-stream", endpoint: "http://localhost/sse");
        Assert.Equal(HttpStatusCode.Unauthorized, sse.StatusCode);
        using var message = await Raw.PostAsync(server.Http, ToolsList, endpoint: "http://localhost/message?sessionId=abc");
        Assert.Equal(HttpStatusCode.Unauthorized, message.StatusCode);
    }

    [Fact]
    public async Task Endpoints_beside_mcp_see_the_key_in_the_user_and_answer_in_their_own_shape()
    {
        await using var server = await HttpTestServer.StartAsync(map: app =>
        {
            app.MapGet("/probe", (HttpContext context) => $"{context.User.Identity?.Name}|{ToolAccess.ScopeOf(context.User)?.Name()}");
            app.MapGet("/probe/missing", () => Results.NotFound());
        });
        var key = await server.CreateKeyAsync("reporting", AccessScope.Read);

        using var anonymous = await Raw.SendAsync(server.Http, HttpMethod.Get, null, endpoint: "http://localhost/probe");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        await Raw.AssertErrorAsync(anonymous, "unauthorized");
        using var known = await Raw.SendAsync(server.Http, HttpMethod.Get, null, key: key, endpoint: "http://localhost/probe");
        Assert.Equal("reporting|read", await known.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        using var missing = await Raw.SendAsync(server.Http, HttpMethod.Get, null, key: key, endpoint: "http://localhost/probe/missing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("", await missing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)); // not reworded as JSON-RPC
    }

    [Fact]
    public async Task Each_scope_lists_and_calls_exactly_the_tools_its_annotations_allow()
    {
        await using var server = await HttpTestServer.StartAsync();
        var admin = await server.ConnectAsync(await server.CreateKeyAsync("admin", AccessScope.Admin));
        var write = await server.ConnectAsync(await server.CreateKeyAsync("writer", AccessScope.Write));
        var read = await server.ConnectAsync(await server.CreateKeyAsync("reader", AccessScope.Read));

        var all = await admin.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains(all, t => t.Name == "purge_everything"); // a destructive tool: admin only
        foreach (var (client, scope) in new[] { (read, AccessScope.Read), (write, AccessScope.Write), (admin, AccessScope.Admin) })
        {
            var expected = all.Where(t => scope.Allows(t.ProtocolTool)).Select(t => t.Name).Order().ToList();
            Assert.Equal(expected, await HttpTestServer.ToolNamesAsync(client));
            foreach (var tool in all.Where(t => !scope.Allows(t.ProtocolTool)))
            {
                var before = await server.Database.FingerprintAsync();
                var error = await HttpTestServer.CallErrorAsync(client, tool.Name, tool.Name == "create_deal_draft" ? new { company_name = "Acme" } : null);
                Assert.Equal("forbidden", error.GetProperty("code").GetString());
                Assert.Contains($"needs an API key with scope {AccessScopes.Required(tool.ProtocolTool).Name()}", error.GetProperty("message").GetString());
                Assert.Equal(before, await server.Database.FingerprintAsync());
            }
        }
        Assert.Contains("get_deal", await HttpTestServer.ToolNamesAsync(read));
        Assert.DoesNotContain("create_deal_draft", await HttpTestServer.ToolNamesAsync(read));
        Assert.Contains("create_deal_draft", await HttpTestServer.ToolNamesAsync(write));
        Assert.DoesNotContain("purge_everything", await HttpTestServer.ToolNamesAsync(write));
        await HttpTestServer.CallOkAsync(write, "create_deal_draft", new { company_name = "Acme" });
    }

    [Fact]
    public async Task The_actor_is_the_key_name_with_auth_and_the_client_name_without()
    {
        await using (var server = await HttpTestServer.StartAsync())
        {
            var client = await server.ConnectAsync(await server.CreateKeyAsync("cursor-laptop", AccessScope.Read));
            Assert.Equal("cursor-laptop", await WhoAmIAsync(client));
        }
        await using (var open = await HttpTestServer.StartAsync(o => o with { RequireAuth = false }))
        {
            // Without a key the journal names the MCP client, as over stdio.
            Assert.Equal("crm-http-tests", await WhoAmIAsync(await open.ConnectAsync(key: null)));
        }

        static async Task<string?> WhoAmIAsync(McpClient client)
        {
            var result = await HttpTestServer.CallAsync(client, "whoami");
            return Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text;
        }
    }

    [Theory]
    [InlineData("evil.example", null, "host_not_allowed")]
    [InlineData("localhost", "http://evil.example", "origin_not_allowed")]
    [InlineData("localhost", "null", "origin_not_allowed")]
    public async Task Foreign_host_or_origin_is_refused_with_403(string host, string? origin, string reason)
    {
        await using var server = await HttpTestServer.StartAsync(o => o with { RequireAuth = false });
        using var response = await Raw.PostAsync(server.Http, Raw.Initialize, tweak: r =>
        {
            r.Headers.Host = host;
            if (origin is not null) r.Headers.Add("Origin", origin);
        });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await Raw.AssertErrorAsync(response, reason);
    }

    [Fact]
    public async Task Local_origins_and_allowed_hosts_pass()
    {
        await using var server = await HttpTestServer.StartAsync(o => o with { RequireAuth = false, AllowedHosts = ["crm.internal"] });
        using var local = await Raw.PostAsync(server.Http, Raw.Initialize, tweak: r => r.Headers.Add("Origin", "http://localhost:6274"));
        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        using var named = await Raw.PostAsync(server.Http, Raw.Initialize, tweak: r => r.Headers.Host = "crm.internal:5077");
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
    }

    [Fact]
    public async Task Protocol_errors_get_406_415_400_and_404()
    {
        await using var server = await HttpTestServer.StartAsync(o => o with { RequireAuth = false });

        using var jsonOnly = await Raw.PostAsync(server.Http, Raw.Initialize, accept: "application/json");
        Assert.Equal(HttpStatusCode.NotAcceptable, jsonOnly.StatusCode);
        await Raw.AssertErrorAsync(jsonOnly, "not_acceptable");

        using var malformed = await Raw.PostAsync(server.Http, "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": ");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        await Raw.AssertErrorAsync(malformed, "invalid_message");

        using var noSession = await Raw.PostAsync(server.Http, ToolsList);
        Assert.Equal(HttpStatusCode.BadRequest, noSession.StatusCode);
        await Raw.AssertErrorAsync(noSession, "session_required");

        using var unknownSession = await Raw.PostAsync(server.Http, ToolsList, sessionId: "no-such-session");
        Assert.Equal(HttpStatusCode.NotFound, unknownSession.StatusCode);
        await Raw.AssertErrorAsync(unknownSession, "session_not_found");

        using var badVersion = await Raw.PostAsync(server.Http, Raw.Initialize, tweak: r => r.Headers.Add("MCP-Protocol-Version", "1999-01-01"));
        Assert.Equal(HttpStatusCode.BadRequest, badVersion.StatusCode);
        Assert.Contains("2025-11-25", await Raw.AssertErrorAsync(badVersion, "unsupported_protocol_version"));

        using var text = await Raw.PostAsync(server.Http, Raw.Initialize, tweak: r => r.Content!.Headers.ContentType = new("text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        await Raw.AssertErrorAsync(text, "unsupported_media_type");

        using var getWithoutSession = await Raw.SendAsync(server.Http, HttpMethod.Get, null, accept: "text/event-stream");
        Assert.Equal(HttpStatusCode.BadRequest, getWithoutSession.StatusCode);
        using var sseUnknown = await Raw.PostAsync(server.Http, ToolsList, endpoint: "http://localhost/message?sessionId=nope");
        Assert.Equal(HttpStatusCode.BadRequest, sseUnknown.StatusCode); // the SDK's legacy SSE answers 400, not 404
        await Raw.AssertErrorAsync(sseUnknown, "session_not_found");
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413_and_is_not_processed()
    {
        await using var server = await HttpTestServer.StartAsync(o => o with { RequireAuth = false, MaxRequestBytes = 4096 });
        var sessionId = await Raw.InitializeAsync(server.Http);
        var before = await server.Database.FingerprintAsync();
        var arguments = System.Text.Json.JsonSerializer.Serialize(new { company_name = new string('A', 5000) });
        var huge = $"{{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{{\"name\":\"create_deal_draft\",\"arguments\":{arguments}}}}}";

        using var response = await Raw.PostAsync(server.Http, huge, sessionId);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("4096", await Raw.AssertErrorAsync(response, "body_too_large"));
        Assert.Equal(before, await server.Database.FingerprintAsync());
    }

    [Fact]
    public async Task Requests_over_the_rate_limit_get_429_with_retry_after_per_key()
    {
        await using var server = await HttpTestServer.StartAsync(o => o with { RateLimit = 3, RateLimitWindow = TimeSpan.FromHours(1) });
        var busy = await server.CreateKeyAsync("busy", AccessScope.Read);
        var calm = await server.CreateKeyAsync("calm", AccessScope.Read);

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await Raw.PostAsync(server.Http, Raw.Initialize, key: busy);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
        using var limited = await Raw.PostAsync(server.Http, Raw.Initialize, key: busy);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Contains("--rate-limit", await Raw.AssertErrorAsync(limited, "rate_limited"));

        using var other = await Raw.PostAsync(server.Http, Raw.Initialize, key: calm);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Beyond_the_maximum_a_new_session_ends_the_longest_idle_one()
    {
        await using var server = await HttpTestServer.StartAsync(o => o with { RequireAuth = false, MaxSessions = 1 });
        var first = await Raw.InitializeAsync(server.Http);
        var second = await Raw.InitializeAsync(server.Http);

        using var ended = await Raw.PostAsync(server.Http, Ping, first);
        Assert.Equal(HttpStatusCode.NotFound, ended.StatusCode);
        await Raw.AssertErrorAsync(ended, "session_not_found");
        using var alive = await Raw.PostAsync(server.Http, Ping, second);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task A_call_over_the_timeout_is_stopped_and_answered_with_a_timeout_error()
    {
        await using var server = await HttpTestServer.StartAsync(o => o with { RequireAuth = false, CallTimeout = TimeSpan.FromMilliseconds(200) });
        var client = await server.ConnectAsync(key: null);

        var error = await HttpTestServer.CallErrorAsync(client, "wait_forever");
        Assert.Equal("timeout", error.GetProperty("code").GetString());
        Assert.Contains("--call-timeout", error.GetProperty("expected").GetString());
        await HttpTestServer.CallOkAsync(client, "create_deal_draft", new { company_name = "Still serving" });
    }

    [Fact]
    public async Task A_server_fault_is_a_json_500_without_details()
    {
        await using var server = await HttpTestServer.StartAsync();
        await using (var connection = await server.Database.Db.OpenAsync(TestContext.Current.CancellationToken))
        await using (var drop = connection.CreateCommand())
        {
            drop.CommandText = "DROP TABLE api_keys"; // the key check now fails inside the server
            await drop.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        using var response = await Raw.PostAsync(server.Http, Raw.Initialize, key: "crm_000000000000_x");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var message = await Raw.AssertErrorAsync(response, "internal_error");
        Assert.DoesNotContain("api_keys", message);
        Assert.DoesNotContain("Sqlite", message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5077", true)]
    [InlineData("http://localhost:5077", true)]
    [InlineData("http://[::1]:5077", true)]
    [InlineData("http://0.0.0.0:5077", false)]
    [InlineData("http://*:5077", false)]
    [InlineData("http://+:5077", false)]
    [InlineData("http://192.168.1.10:5077", false)]
    [InlineData("http://crm.example.com:5077", false)]
    public void No_auth_is_refused_unless_every_address_is_loopback(string url, bool allowed)
    {
        var options = new HttpServeOptions { Urls = ["http://127.0.0.1:5077", url], RequireAuth = false };
        Assert.Equal(allowed, options.Problem() is null);
        if (!allowed) Assert.Contains("--no-auth is refused", options.Problem());
        Assert.Null((options with { RequireAuth = true }).Problem());
    }

    [Fact]
    public void Defaults_are_loopback_with_auth_on()
    {
        var options = new HttpServeOptions();
        Assert.True(options.RequireAuth);
        Assert.All(options.Urls, url => Assert.True(HttpServeOptions.IsLoopback(url)));
        Assert.Contains("--urls", new HttpServeOptions { Urls = ["ftp://x"] }.Problem());
    }
}
