using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Crm.Mcp.Tests.Hosting;

/// <summary>The built executable as a client starts it: a child process speaking MCP on stdin/stdout.</summary>
public sealed class StdioEndToEndTests
{
    [Fact]
    public async Task Built_server_answers_initialize_list_and_call_with_nothing_but_protocol_on_stdout()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("crm-mcp-e2e").FullName;
        var dbPath = Path.Combine(folder, "nested", "crm.db");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "crm-mcp.dll"), "serve", "--db", dbPath },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            async Task<JsonNode> Request(int id, string method, object parameters)
            {
                var line = JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method, @params = parameters });
                await process.StandardInput.WriteLineAsync(line.AsMemory(), ct);
                await process.StandardInput.FlushAsync(ct);
                while (true)
                {
                    var reply = await process.StandardOutput.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), ct)
                                ?? throw new Xunit.Sdk.XunitException("stdout closed early");
                    var message = JsonNode.Parse(reply)!; // a log line on stdout would throw here
                    Assert.Equal("2.0", (string?)message["jsonrpc"]);
                    if ((int?)message["id"] == id) return message;
                }
            }

            var init = await Request(1, "initialize", new { protocolVersion = "2025-06-18", capabilities = new { }, clientInfo = new { name = "e2e", version = "1" } });
            Assert.Equal("crm-mcp", (string?)init["result"]!["serverInfo"]!["name"]);
            await process.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""".AsMemory(), ct);

            var list = await Request(2, "tools/list", new { });
            Assert.Contains(list["result"]!["tools"]!.AsArray(), t => (string?)t!["name"] == "create_deal_draft");

            var call = await Request(3, "tools/call", new { name = "create_deal_draft", arguments = new { company_name = "Acme, Inc.", amount = 100000 } });
            Assert.NotEqual(true, (bool?)call["result"]!["isError"]);
            Assert.Equal("DEAL-001", (string?)call["result"]!["structuredContent"]!["data"]!["deal"]!["identifier"]);
            // A keyed write on SQLite hashes no lock ids (only PostgreSQL takes them): OpenSSL stays out of the process,
            // ≈ 3.5 MB of its resident memory (BENCHMARKS.md, "Idle RSS (issue 16, sixth session)").
            if (OperatingSystem.IsLinux())
                Assert.DoesNotContain(File.ReadLines($"/proc/{process.Id}/maps"), m => m.Contains("libcrypto") || m.Contains("libssl"));

            process.StandardInput.Close();
            await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
            Assert.Equal(0, process.ExitCode);
            Assert.Null(await process.StandardOutput.ReadLineAsync(ct));
            Assert.Contains($"info: Crm.Mcp[0] crm-mcp {Crm.Mcp.Hosting.CrmServer.Version} on stdio; database {dbPath}", await stderr);
            // The SDK's per-request lines stay out of the client's log at the default level (SdkLogFilter).
            Assert.DoesNotContain("ModelContextProtocol", await stderr);
            Assert.True(File.Exists(dbPath));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            try { Directory.Delete(folder, true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task A_lone_surrogate_in_any_string_argument_is_an_error_naming_the_field()
    {
        // Raw JSON: no client library writes a lone surrogate (System.Text.Json refuses to), but a model's JSON can.
        var replies = (await PipeAsync("""
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}
            {"jsonrpc":"2.0","method":"notifications/initialized"}
            {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search_all","arguments":{"query":"acme \ud800"}}}
            {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"create_deal_draft","arguments":{"company_name":"Acme","people":[{"name":"Jane"},{"name":"\udc00Bob"}]}}}
            {"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_deals","arguments":{"filters":[{"field":"name","op":"equals","value":"\ud83d"}]}}}
            {"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"search_all","arguments":{"query":"a pair is fine \ud83d\ude00"}}}
            {"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"get_deals","arguments":{}}}
            """)).ToDictionary(m => (int)m["id"]!);
        foreach (var (id, field) in new[] { (2, "query"), (3, "people[1].name"), (4, "filters[0].value") })
        {
            Assert.Null(replies[id]["error"]); // not JSON-RPC -32603
            Assert.True((bool?)replies[id]["result"]!["isError"]);
            var error = JsonNode.Parse((string)replies[id]["result"]!["content"]![0]!["text"]!)!["error"]!;
            Assert.Equal(("invalid_argument", field), ((string?)error["code"], (string?)error["field"]));
            Assert.Contains("lone UTF-16 surrogate", (string?)error["message"]);
        }
        Assert.NotEqual(true, (bool?)replies[5]["result"]!["isError"]);
        Assert.Equal(0, replies[6]["result"]!["structuredContent"]!["data"]!["items"]!.AsArray().Count); // nothing was written
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_a_home_that_does_not_exist_yet_the_default_database_goes_under_it_not_the_current_folder(bool relativeXdg)
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("crm-mcp-home").FullName;
        var home = Path.Combine(folder, "home", "new-user");
        var current = Path.Combine(folder, "cwd");
        Directory.CreateDirectory(current);
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "crm-mcp.dll"), "migrate" },
            WorkingDirectory = current,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["HOME"] = home;
        start.Environment.Remove("CRM_MCP_DB");
        // XDG: a relative XDG_DATA_HOME is invalid and ignored (it would be relative to the current folder).
        if (relativeXdg) start.Environment["XDG_DATA_HOME"] = "data";
        else start.Environment.Remove("XDG_DATA_HOME");
        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
            var expected = Path.Combine(home, ".local", "share", "crm-mcp", "crm.db");
            Assert.True(process.ExitCode == 0, await stderr);
            Assert.Contains(expected, await stderr);
            Assert.True(File.Exists(expected));
            Assert.Empty(Directory.EnumerateFileSystemEntries(current));
        }
        finally
        {
            try { Directory.Delete(folder, true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Requests_written_before_stdin_closes_are_all_answered()
    {
        // Regression: `printf '...' | crm-mcp` used to exit at end-of-input without answering the call.
        var replies = await PipeAsync("""
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}
            {"jsonrpc":"2.0","method":"notifications/initialized"}
            {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"create_deal_draft","arguments":{"company_name":"Acme"}}}
            """);
        Assert.Equal([1, 2], replies.Select(m => (int?)m["id"]).Order());
    }

    /// <summary>Writes <paramref name="input"/> to a fresh server's stdin, closes it and returns every reply.</summary>
    private static async Task<List<JsonNode>> PipeAsync(string input)
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("crm-mcp-e2e").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "crm-mcp.dll"), "--db", Path.Combine(folder, "crm.db"), "--log-level", "Warning" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        _ = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.StandardInput.WriteAsync((input + "\n").AsMemory(), ct);
            process.StandardInput.Close();
            var output = await process.StandardOutput.ReadToEndAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            try { Directory.Delete(folder, true); } catch (IOException) { }
        }
    }
}
