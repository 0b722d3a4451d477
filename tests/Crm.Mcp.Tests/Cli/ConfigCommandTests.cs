using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Mcp.Clients;
using Crm.Mcp.Tests.Infrastructure;

namespace Crm.Mcp.Tests.Cli;

public sealed class ConfigCommandTests
{
    private static readonly ServerEntry ExampleStdio = new("crm",
        new StdioLaunch("dotnet", ["/ABSOLUTE/PATH/TO/Crm.Mcp/src/Crm.Mcp/bin/Release/net10.0/crm-mcp.dll"],
            new Dictionary<string, string> { ["CRM_MCP_DB"] = "/ABSOLUTE/PATH/TO/crm.db" }),
        null);

    [Fact]
    public void Mcp_json_example_is_exactly_the_claude_desktop_snippet()
    {
        var example = File.ReadAllText(Path.Combine(CliRunner.RepositoryRoot(), "mcp.json.example")).ReplaceLineEndings("\n");
        Assert.Equal(ClientConfigs.Render(ClientConfigs.Find("claude-desktop"), ExampleStdio), example);
    }

    [Theory]
    [InlineData("claude-desktop", "mcpServers", null)]
    [InlineData("cursor", "mcpServers", null)]
    [InlineData("claude-code", "mcpServers", "stdio")]
    [InlineData("gemini", "mcpServers", null)]
    [InlineData("vscode", "servers", "stdio")]
    public void Stdio_snippets_carry_command_args_and_env_in_each_clients_shape(string client, string root, string? type)
    {
        var json = JsonNode.Parse(ClientConfigs.Render(ClientConfigs.Find(client), ExampleStdio))!;
        var entry = json[root]!["crm"]!;
        Assert.Equal("dotnet", (string?)entry["command"]);
        Assert.Equal("/ABSOLUTE/PATH/TO/Crm.Mcp/src/Crm.Mcp/bin/Release/net10.0/crm-mcp.dll", (string?)entry["args"]![0]);
        Assert.Equal("/ABSOLUTE/PATH/TO/crm.db", (string?)entry["env"]!["CRM_MCP_DB"]);
        Assert.Equal(type, (string?)entry["type"]);
        // Gemini gives up after 5 s without an explicit timeout; a .NET cold start can take longer.
        Assert.Equal(client == "gemini" ? 30000 : null, (int?)entry["timeout"]);
    }

    [Fact]
    public void Codex_gets_toml_with_escaped_strings_and_a_startup_timeout()
    {
        var entry = ExampleStdio with { Stdio = ExampleStdio.Stdio! with { Args = ["C:\\Tools\\crm-mcp.dll", "--toolsets", "deals"] } };
        var toml = ClientConfigs.Render(ClientConfigs.Find("codex"), entry);
        Assert.Equal("""
            [mcp_servers.crm]
            command = "dotnet"
            args = ["C:\\Tools\\crm-mcp.dll", "--toolsets", "deals"]
            env = { CRM_MCP_DB = "/ABSOLUTE/PATH/TO/crm.db" }
            startup_timeout_sec = 30

            """.ReplaceLineEndings("\n"), toml);
    }

    [Theory]
    [InlineData("cursor", "mcpServers", null)]
    [InlineData("claude-code", "mcpServers", "http")]
    [InlineData("gemini", "mcpServers", "http")]
    [InlineData("vscode", "servers", "http")]
    public void Http_snippets_carry_the_url_and_the_key_as_a_bearer_header(string client, string root, string? type)
    {
        var entry = new ServerEntry("crm", null, new HttpEndpoint("https://crm.example.com/mcp", "crm_live_abc"));
        var json = JsonNode.Parse(ClientConfigs.Render(ClientConfigs.Find(client), entry))![root]!["crm"]!;
        Assert.Equal("https://crm.example.com/mcp", (string?)json["url"]);
        Assert.Equal("Bearer crm_live_abc", (string?)json["headers"]!["Authorization"]);
        Assert.Equal(type, (string?)json["type"]);
        Assert.Null(json["command"]);
    }

    [Fact]
    public void Claude_desktop_reaches_a_url_through_the_mcp_remote_bridge()
    {
        var entry = new ServerEntry("crm", null, new HttpEndpoint("https://crm.example.com/mcp", "k1"));
        var json = JsonNode.Parse(ClientConfigs.Render(ClientConfigs.Find("claude-desktop"), entry))!["mcpServers"]!["crm"]!;
        Assert.Equal("npx", (string?)json["command"]);
        Assert.Equal(["-y", "mcp-remote", "https://crm.example.com/mcp", "--header", "x-api-key:k1"],
            json["args"]!.AsArray().Select(a => (string)a!).ToArray());
    }

    [Fact]
    public void Codex_http_snippet_is_toml_with_http_headers()
    {
        var toml = ClientConfigs.Render(ClientConfigs.Find("codex"), new ServerEntry("crm", null, new HttpEndpoint("http://127.0.0.1:5077/mcp", "k\"1")));
        Assert.Contains("url = \"http://127.0.0.1:5077/mcp\"\n", toml);
        Assert.Contains("http_headers = { Authorization = \"Bearer k\\\"1\" }\n", toml);
        Assert.DoesNotContain("command", toml);
    }

    [Fact]
    public async Task Command_prints_the_snippet_on_stdout_and_where_it_goes_on_stderr()
    {
        var result = await CliRunner.RunAsync("config", "cursor", "--db", "/data/crm.db", "--read-only");
        Assert.Equal(0, result.ExitCode);
        var entry = JsonNode.Parse(result.Output)!["mcpServers"]!["crm"]!;
        Assert.Equal("/data/crm.db", (string?)entry["env"]!["CRM_MCP_DB"]);
        Assert.Contains("--read-only", entry["args"]!.AsArray().Select(a => (string?)a));
        Assert.Contains("~/.cursor/mcp.json", result.Error);
    }

    [Fact]
    public async Task Command_for_claude_code_also_gives_the_claude_mcp_add_line()
    {
        var result = await CliRunner.RunAsync("config", "claude-code", "--transport", "http", "--key", "abc");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(ClientConfigs.DefaultUrl, (string?)JsonNode.Parse(result.Output)!["mcpServers"]!["crm"]!["url"]);
        Assert.Contains("claude mcp add --transport http crm http://127.0.0.1:5077/mcp --header 'Authorization: Bearer abc'", result.Error);
    }

    [Fact]
    public async Task A_key_without_http_is_refused_with_the_reason()
    {
        var result = await CliRunner.RunAsync("config", "gemini", "--key", "abc");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Output);
        Assert.Contains("--key is for --transport http", result.Error);
    }

    [Fact]
    public async Task An_unknown_client_is_refused_listing_the_known_ones()
    {
        var result = await CliRunner.RunAsync("config", "notepad");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("claude-desktop", result.Error);
    }

    [Fact]
    public void Registry_server_json_names_this_package_and_version()
    {
        var server = JsonNode.Parse(File.ReadAllText(Path.Combine(CliRunner.RepositoryRoot(), "src", "Crm.Mcp", ".mcp", "server.json")))!;
        var package = server["packages"]![0]!;
        Assert.Equal("nuget", (string?)package["registryType"]);
        Assert.Equal("Crm.Mcp", (string?)package["identifier"]);
        Assert.Equal(Crm.Mcp.Hosting.CrmServer.Version, (string?)package["version"]);
        Assert.Equal(Crm.Mcp.Hosting.CrmServer.Version, (string?)server["version"]);
        Assert.Equal("stdio", (string?)package["transport"]!["type"]);
    }

    [Fact]
    public async Task Write_adds_the_entry_and_keeps_every_other_server_and_setting()
    {
        var folder = Directory.CreateTempSubdirectory("crm-config-write").FullName;
        var path = Path.Combine(folder, "settings.json");
        await File.WriteAllTextAsync(path, """
            // Gemini settings
            { "theme": "dark", "mcpServers": { "github": { "command": "gh-mcp" }, "crm": { "command": "/old/crm-mcp" } }, }
            """, TestContext.Current.CancellationToken);

        var result = await CliRunner.RunAsync("config", "gemini", "--write", "--file", path, "--db", "/data/crm.db");

        Assert.Equal(0, result.ExitCode);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken))!;
        Assert.Equal("dark", (string?)json["theme"]);
        Assert.Equal("gh-mcp", (string?)json["mcpServers"]!["github"]!["command"]);
        Assert.Equal("/data/crm.db", (string?)json["mcpServers"]!["crm"]!["env"]!["CRM_MCP_DB"]);
        Assert.Equal(30000, (int?)json["mcpServers"]!["crm"]!["timeout"]);
        Assert.Contains("/old/crm-mcp", await File.ReadAllTextAsync(path + ".bak", TestContext.Current.CancellationToken));
        Directory.Delete(folder, true);
    }

    [Fact]
    public void Toml_merge_replaces_the_servers_own_table_only()
    {
        const string existing = """
            model = "o3"

            [mcp_servers.crm]
            command = "/old/crm-mcp"
            args = ["--read-only"]

            [mcp_servers.github]
            command = "gh-mcp"
            """;
        var merged = ClientConfigs.Merge(ClientConfigs.Find("codex"), existing.ReplaceLineEndings("\n"), ExampleStdio);

        Assert.DoesNotContain("/old/crm-mcp", merged);
        Assert.Contains("model = \"o3\"", merged);
        Assert.Contains("[mcp_servers.github]\ncommand = \"gh-mcp\"", merged);
        Assert.EndsWith(ClientConfigs.Render(ClientConfigs.Find("codex"), ExampleStdio), merged);
        Assert.Single(merged.Split('\n'), l => l == "[mcp_servers.crm]");
    }

    [Fact]
    public async Task Write_leaves_an_invalid_file_alone()
    {
        var folder = Directory.CreateTempSubdirectory("crm-config-write").FullName;
        var path = Path.Combine(folder, "mcp.json");
        await File.WriteAllTextAsync(path, "{ not json", TestContext.Current.CancellationToken);

        var result = await CliRunner.RunAsync("config", "cursor", "--write", "--file", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("{ not json", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.Contains("is not valid JSON", result.Error);
        Directory.Delete(folder, true);
    }
}
