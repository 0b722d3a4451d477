using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Features.Webhooks;
using Crm.Mcp.Tests.Infrastructure;
using Dapper;

namespace Crm.Mcp.Tests.Features.Webhooks;

/// <summary>The built executable: the CLI commands, and the delivery worker that `serve` runs.</summary>
public sealed class WebhookProcessTests
{
    /// <summary>The executable with CRM_MCP_ALLOW_PRIVATE_WEBHOOKS=1 (the receivers here listen on 127.0.0.1).</summary>
    private static ProcessStartInfo CrmMcp(params string[] args)
    {
        var start = CrmMcpWithoutPrivateWebhooks(args);
        start.Environment[Crm.Mcp.Common.CrmSettings.AllowPrivateWebhooksVariable] = "1";
        return start;
    }

    private static ProcessStartInfo CrmMcpWithoutPrivateWebhooks(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove(Crm.Mcp.Common.CrmSettings.AllowPrivateWebhooksVariable);
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "crm-mcp.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return start;
    }

    private static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => RunAsync(CrmMcp(args));

    private static async Task<(int Code, string Out, string Err)> RunAsync(ProcessStartInfo start)
    {
        var ct = TestContext.Current.CancellationToken;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Cli_creates_lists_updates_and_rejects_like_the_tools()
    {
        await using var database = await TestDatabase.CreateAsync();
        var created = await RunAsync("webhooks", "create", "--db", database.Path, "--url", "https://example.com/h", "--events", "deal.created,deal.updated");
        Assert.Equal(0, created.Code);
        var data = JsonNode.Parse(created.Out)!["data"]!;
        Assert.StartsWith("whsec_", (string?)data["secret"]);
        var id = (string)data["webhook"]!["id"]!;

        var paused = await RunAsync("webhooks", "update", id, "--db", database.Path, "--active", "false");
        Assert.Equal(0, paused.Code);
        var listed = await RunAsync("webhooks", "list", "--db", database.Path);
        Assert.DoesNotContain("whsec_", listed.Out);
        Assert.False((bool)JsonNode.Parse(listed.Out)!["data"]!["items"]![0]!["active"]!);

        var bad = await RunAsync("webhooks", "create", "--db", database.Path, "--url", "https://example.com/h", "--events", "deal.exploded");
        Assert.Equal(2, bad.Code);
        Assert.Contains("events[0]", bad.Err);
        Assert.Equal("", bad.Out);
        Assert.Equal(1, await database.CountAsync("webhooks"));
    }

    [Fact]
    public async Task Cli_refuses_a_private_webhook_target_unless_the_operator_allows_it()
    {
        await using var database = await TestDatabase.CreateAsync();
        var refused = await RunAsync(CrmMcpWithoutPrivateWebhooks("webhooks", "create", "--db", database.Path, "--url", "http://127.0.0.1:9/h", "--events", "*"));
        Assert.Equal(2, refused.Code);
        Assert.Contains("loopback", refused.Err);
        Assert.Contains("CRM_MCP_ALLOW_PRIVATE_WEBHOOKS=1", refused.Err);
        Assert.Equal(0, await database.CountAsync("webhooks"));
        Assert.Equal(0, (await RunAsync("webhooks", "create", "--db", database.Path, "--url", "http://127.0.0.1:9/h", "--events", "*")).Code);
        Assert.Equal(1, await database.CountAsync("webhooks"));
    }

    [Fact]
    public async Task Serve_delivers_in_the_background()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await TestReceiver.StartAsync();
        await using var database = await TestDatabase.CreateAsync();
        var created = await RunAsync("webhooks", "create", "--db", database.Path, "--url", receiver.Url, "--events", "*");
        var secret = (string)JsonNode.Parse(created.Out)!["data"]!["secret"]!;

        using var server = Process.Start(CrmMcp("serve", "--db", database.Path))!;
        var stderr = server.StandardError.ReadToEndAsync(ct);
        try
        {
            async Task SendAsync(object message)
            {
                await server.StandardInput.WriteLineAsync(JsonSerializer.Serialize(message).AsMemory(), ct);
                await server.StandardInput.FlushAsync(ct);
            }
            await SendAsync(new { jsonrpc = "2.0", id = 1, method = "initialize", @params = new { protocolVersion = "2025-06-18", capabilities = new { }, clientInfo = new { name = "webhook-e2e", version = "1" } } });
            // A client waits for the initialize result before anything else (the server learns its name from it).
            Assert.Contains("\"id\":1", await server.StandardOutput.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), ct));
            await SendAsync(new { jsonrpc = "2.0", method = "notifications/initialized" });
            await SendAsync(new { jsonrpc = "2.0", id = 2, method = "tools/call", @params = new { name = "create_deal_draft", arguments = new { company_name = "Acme" } } });

            var first = await receiver.NextAsync();
            var second = await receiver.NextAsync();
            Assert.Equal(["organization.created", "deal.created"], new[] { first, second }.Select(r => r.Headers[WebhookSignature.EventTypeHeader]).ToArray());
            Assert.True(WebhookSignature.Verify(secret, second.Headers[WebhookSignature.SignatureHeader],
                second.Headers[WebhookSignature.TimestampHeader], second.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));

            // The journal names the client from initialize and the tool.
            await using var connection = await database.Db.OpenAsync(ct);
            Assert.Equal(("webhook-e2e", "create_deal_draft"),
                await connection.QuerySingleAsync<(string, string)>("SELECT actor, tool FROM changes"));
        }
        finally
        {
            server.StandardInput.Close();
            if (!server.WaitForExit(30_000)) server.Kill(entireProcessTree: true);
        }
        Assert.Equal(0, server.ExitCode);
        Assert.DoesNotContain("fail", await stderr, StringComparison.OrdinalIgnoreCase);
    }
}
