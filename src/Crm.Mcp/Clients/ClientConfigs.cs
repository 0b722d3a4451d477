using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Crm.Mcp.Clients;

/// <summary>How a client reaches the server: a process it starts (stdio) or a URL (HTTP).</summary>
public sealed record ServerEntry(string Name, StdioLaunch? Stdio, HttpEndpoint? Http);

public sealed record StdioLaunch(string Command, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Env);

public sealed record HttpEndpoint(string Url, string? Key);

/// <summary>One MCP client: where it reads servers from (given the home and project folders), the program that
/// tells it is installed, and how its entry is written.</summary>
public sealed record ClientKind(string Id, string DisplayName, bool Toml, string WhereItLives, string? Program,
    Func<string, string, IReadOnlyList<string>> ConfigFiles);

/// <summary>
/// The exact configuration snippet each client expects (shapes probed against the real clients, see
/// docs/clients.md), used by `crm-mcp config`, by `crm-mcp doctor` to find entries, and by the CI client checks,
/// which feed these very snippets to the real programs.
/// </summary>
public static class ClientConfigs
{
    public const string DefaultName = "crm";
    public const string DefaultUrl = "http://127.0.0.1:5077/mcp";

    /// <summary>Gemini CLI gives up on a server after 5 s unless told otherwise; a .NET cold start can need more.</summary>
    private const int GeminiTimeoutMs = 30_000;
    private const int CodexStartupTimeoutSec = 30;

    public static IReadOnlyList<ClientKind> All { get; } =
    [
        new("claude-desktop", "Claude Desktop", false,
            "claude_desktop_config.json: macOS ~/Library/Application Support/Claude/, Windows %APPDATA%\\Claude\\ (Settings > Developer > Edit Config opens it); restart Claude Desktop after editing",
            null,
            (home, _) => [
                Path.Combine(home, "Library", "Application Support", "Claude", "claude_desktop_config.json"),
                Path.Combine(Environment.GetEnvironmentVariable("APPDATA") ?? Path.Combine(home, "AppData", "Roaming"), "Claude", "claude_desktop_config.json"),
                Path.Combine(home, ".config", "Claude", "claude_desktop_config.json"),
            ]),
        new("claude-code", "Claude Code", false,
            ".mcp.json in the project folder (shared with the project), or user-wide with `claude mcp add --scope user` (~/.claude.json); check with `claude mcp list`",
            "claude", (home, project) => [Path.Combine(project, ".mcp.json"), Path.Combine(home, ".claude.json")]),
        new("cursor", "Cursor", false,
            "~/.cursor/mcp.json (every project) or <project>/.cursor/mcp.json",
            "cursor", (home, project) => [Path.Combine(home, ".cursor", "mcp.json"), Path.Combine(project, ".cursor", "mcp.json")]),
        new("codex", "Codex CLI", true,
            "~/.codex/config.toml ($CODEX_HOME/config.toml when set); check with `codex mcp list`",
            "codex", (home, _) => [Path.Combine(Environment.GetEnvironmentVariable("CODEX_HOME") is { Length: > 0 } codexHome ? codexHome : Path.Combine(home, ".codex"), "config.toml")]),
        new("gemini", "Gemini CLI", false,
            "~/.gemini/settings.json (user) or <project>/.gemini/settings.json; the folder must be trusted; check with `gemini mcp list`",
            "gemini", (home, project) => [Path.Combine(home, ".gemini", "settings.json"), Path.Combine(project, ".gemini", "settings.json")]),
        new("vscode", "VS Code", false,
            "<workspace>/.vscode/mcp.json, or the user profile's mcp.json (command palette: MCP: Open User Configuration)",
            "code", (_, project) => [Path.Combine(project, ".vscode", "mcp.json")]),
    ];

    public static IReadOnlyList<string> Ids => All.Select(c => c.Id).ToList();

    public static ClientKind Find(string id) => All.FirstOrDefault(c => c.Id.Equals(id, StringComparison.OrdinalIgnoreCase))
        ?? throw Common.CrmError.Invalid("client", $"'{id}' is not a client this command knows.", $"one of: {string.Join(", ", Ids)}");

    /// <summary>The snippet to put in the client's file, exactly as that client reads it.</summary>
    public static string Render(ClientKind client, ServerEntry entry) => client.Id switch
    {
        "codex" => Toml(entry),
        "vscode" => Json(new JsonObject { ["servers"] = new JsonObject { [entry.Name] = TypedEntry(entry) } }),
        "claude-code" => Json(new JsonObject { ["mcpServers"] = new JsonObject { [entry.Name] = TypedEntry(entry) } }),
        "gemini" => Json(new JsonObject { ["mcpServers"] = new JsonObject { [entry.Name] = GeminiEntry(entry) } }),
        "claude-desktop" => Json(new JsonObject { ["mcpServers"] = new JsonObject { [entry.Name] = DesktopEntry(entry) } }),
        _ => Json(new JsonObject { ["mcpServers"] = new JsonObject { [entry.Name] = PlainEntry(entry) } }),
    };

    /// <summary>
    /// The client's file with this entry added, or replacing the entry of the same name; every other server and setting
    /// is kept. JSON may carry comments and trailing commas (VS Code's files do); they are not kept.
    /// </summary>
    public static string Merge(ClientKind client, string? existing, ServerEntry entry)
    {
        var snippet = Render(client, entry);
        if (string.IsNullOrWhiteSpace(existing)) return snippet;
        if (client.Toml)
        {
            // Drop the old [mcp_servers.NAME] table (up to the next table header), then append the new one.
            var header = $"[mcp_servers.{TomlKey(entry.Name)}]";
            var lines = existing.ReplaceLineEndings("\n").Split('\n').ToList();
            var start = lines.FindIndex(l => l.Trim() == header);
            if (start >= 0)
            {
                var end = lines.FindIndex(start + 1, l => l.TrimStart().StartsWith('['));
                lines.RemoveRange(start, (end < 0 ? lines.Count : end) - start);
            }
            var kept = string.Join('\n', lines).TrimEnd('\n');
            return (kept.Length == 0 ? "" : kept + "\n\n") + snippet;
        }
        var root = JsonNode.Parse(existing, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                   ?? throw Common.CrmError.Invalid("file", "does not hold a JSON object.", "a JSON object such as {\"mcpServers\": {}}");
        var rendered = (JsonObject)JsonNode.Parse(snippet)!;
        var (key, servers) = rendered.Single();
        if (root[key] is not JsonObject target) root[key] = target = new JsonObject();
        target[entry.Name] = servers![entry.Name]!.DeepClone();
        return Json(root);
    }

    /// <summary>The file `config --write` changes: the first place the client reads (the user-wide one where there is one).</summary>
    public static string DefaultFile(ClientKind client, string home, string project) => client.Id switch
    {
        "claude-desktop" => client.ConfigFiles(home, project)[OperatingSystem.IsMacOS() ? 0 : OperatingSystem.IsWindows() ? 1 : 2],
        _ => client.ConfigFiles(home, project)[0],
    };

    /// <summary>The one-line alternative some clients offer, e.g. `claude mcp add ...`; null when there is none.</summary>
    public static string? CommandLine(ClientKind client, ServerEntry entry)
    {
        if (client.Id == "claude-code")
        {
            if (entry.Http is { } http)
                return $"claude mcp add --transport http {entry.Name} {Quote(http.Url)}" + (http.Key is null ? "" : $" --header {Quote("Authorization: Bearer " + http.Key)}");
            var stdio = entry.Stdio!;
            var env = string.Concat(stdio.Env.Select(e => $" --env {Quote($"{e.Key}={e.Value}")}"));
            return $"claude mcp add --transport stdio{env} {entry.Name} -- {string.Join(' ', new[] { stdio.Command }.Concat(stdio.Args).Select(Quote))}";
        }
        if (client.Id == "gemini" && entry.Stdio is { } launch)
            return $"gemini mcp add --scope user --timeout {GeminiTimeoutMs}{string.Concat(launch.Env.Select(e => $" -e {Quote($"{e.Key}={e.Value}")}"))} {entry.Name} {string.Join(' ', new[] { launch.Command }.Concat(launch.Args).Select(Quote))}";
        if (client.Id == "codex" && entry.Stdio is { } codexLaunch)
            return $"codex mcp add{string.Concat(codexLaunch.Env.Select(e => $" --env {Quote($"{e.Key}={e.Value}")}"))} {entry.Name} -- {string.Join(' ', new[] { codexLaunch.Command }.Concat(codexLaunch.Args).Select(Quote))}";
        return null;
    }

    private static JsonObject PlainEntry(ServerEntry entry) => entry.Http is { } http
        ? new JsonObject { ["url"] = http.Url, ["headers"] = Headers(http) }.WithoutNulls()
        : StdioObject(entry.Stdio!, typed: false);

    private static JsonObject TypedEntry(ServerEntry entry) => entry.Http is { } http
        ? new JsonObject { ["type"] = "http", ["url"] = http.Url, ["headers"] = Headers(http) }.WithoutNulls()
        : StdioObject(entry.Stdio!, typed: true);

    private static JsonObject GeminiEntry(ServerEntry entry)
    {
        var node = TypedEntry(entry);
        if (entry.Stdio is not null) node.Remove("type");
        node["timeout"] = GeminiTimeoutMs;
        return node;
    }

    /// <summary>Claude Desktop's file takes only local processes: a URL goes through the mcp-remote bridge. The key
    /// travels as x-api-key because a header value with a space is mangled on some platforms.</summary>
    private static JsonObject DesktopEntry(ServerEntry entry)
    {
        if (entry.Http is not { } http) return StdioObject(entry.Stdio!, typed: false);
        var args = new JsonArray("-y", "mcp-remote", http.Url);
        if (http.Key is not null) { args.Add((JsonNode)"--header"); args.Add((JsonNode)$"x-api-key:{http.Key}"); }
        return new JsonObject { ["command"] = "npx", ["args"] = args };
    }

    private static JsonObject StdioObject(StdioLaunch launch, bool typed)
    {
        var node = new JsonObject();
        if (typed) node["type"] = "stdio";
        node["command"] = launch.Command;
        node["args"] = new JsonArray(launch.Args.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray());
        if (launch.Env.Count > 0)
            node["env"] = new JsonObject(launch.Env.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)JsonValue.Create(e.Value))));
        return node;
    }

    private static JsonObject? Headers(HttpEndpoint http) =>
        http.Key is null ? null : new JsonObject { ["Authorization"] = $"Bearer {http.Key}" };

    private static JsonObject WithoutNulls(this JsonObject node)
    {
        foreach (var key in node.Where(p => p.Value is null).Select(p => p.Key).ToList()) node.Remove(key);
        return node;
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Json(JsonNode node) => node.ToJsonString(Indented) + "\n";

    private static string Toml(ServerEntry entry)
    {
        var text = new StringBuilder();
        text.Append($"[mcp_servers.{TomlKey(entry.Name)}]\n");
        if (entry.Http is { } http)
        {
            text.Append($"url = {TomlString(http.Url)}\n");
            if (http.Key is not null) text.Append($"http_headers = {{ Authorization = {TomlString("Bearer " + http.Key)} }}\n");
        }
        else
        {
            var launch = entry.Stdio!;
            text.Append($"command = {TomlString(launch.Command)}\n");
            text.Append($"args = [{string.Join(", ", launch.Args.Select(TomlString))}]\n");
            if (launch.Env.Count > 0)
                text.Append($"env = {{ {string.Join(", ", launch.Env.Select(e => $"{TomlKey(e.Key)} = {TomlString(e.Value)}"))} }}\n");
        }
        text.Append($"startup_timeout_sec = {CodexStartupTimeoutSec}\n");
        return text.ToString();
    }

    private static string TomlKey(string key) =>
        key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') ? key : TomlString(key);

    private static string TomlString(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        return text.Append('"').ToString();
    }

    /// <summary>Quotes a shell word only when it needs it.</summary>
    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@%+,".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";
}
