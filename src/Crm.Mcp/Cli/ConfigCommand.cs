using System.CommandLine;
using Crm.Mcp.Clients;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;

namespace Crm.Mcp.Cli;

/// <summary>`crm-mcp config CLIENT`: the snippet on stdout (so it can be redirected into a file), where it goes on stderr.</summary>
public static class ConfigCommand
{
    public static Command Create()
    {
        var client = new Argument<string>("client")
        {
            Description = $"The MCP client: {string.Join(", ", ClientConfigs.Ids)}",
        };
        client.AcceptOnlyFromAmong([.. ClientConfigs.Ids]);
        var transport = new Option<string>("--transport")
        {
            Description = "stdio (the client starts crm-mcp; default) or http (the client connects to a running `crm-mcp serve --transport http`)",
            DefaultValueFactory = _ => "stdio",
        };
        transport.AcceptOnlyFromAmong("stdio", "http");
        var url = new Option<string?>("--url") { Description = $"Server URL for --transport http (default {ClientConfigs.DefaultUrl})", HelpName = "URL" };
        var key = new Option<string?>("--key") { Description = "API key for --transport http (from `crm-mcp keys create`); sent as Authorization: Bearer", HelpName = "KEY" };
        var name = new Option<string>("--name") { Description = "Server name in the client's list", DefaultValueFactory = _ => ClientConfigs.DefaultName };
        var readOnly = new Option<bool>("--read-only") { Description = "Start the server with --read-only (stdio)" };
        var toolsets = new Option<string?>("--toolsets") { Description = "Start the server with --toolsets LIST (stdio), e.g. default,bulk or all", HelpName = "LIST" };
        var tools = new Option<string?>("--tools") { Description = "Start the server with --tools LIST (stdio): exactly these tools", HelpName = "LIST" };
        var write = new Option<bool>("--write") { Description = "Add the entry to the client's file (kept: every other server and setting; the old file is saved as FILE.bak)" };
        var file = new Option<string?>("--file") { Description = "With --write: the file to change (default: the client's user-wide file, or the project's for claude-code and vscode)", HelpName = "PATH" };

        var command = new Command("config", "Print the configuration snippet that connects an MCP client to crm-mcp, and where it goes")
        {
            client, transport, url, key, name, CrmCli.Db, readOnly, toolsets, tools, write, file,
        };
        command.SetAction(parse =>
        {
            var kind = ClientConfigs.Find(parse.GetRequiredValue(client));
            var overHttp = parse.GetValue(transport) == "http" || parse.GetValue(url) is not null;
            var serverName = parse.GetRequiredValue(name);
            ServerEntry entry;
            if (overHttp)
            {
                entry = new ServerEntry(serverName, null, new HttpEndpoint(parse.GetValue(url) ?? ClientConfigs.DefaultUrl, parse.GetValue(key)));
            }
            else
            {
                if (parse.GetValue(key) is not null)
                    return CrmCli.Fail(parse, "--key is for --transport http; over stdio the client starts the server itself and needs no key.");
                var args = new List<string>();
                if (parse.GetValue(readOnly)) args.Add("--read-only");
                var (setNames, toolNames) = (CrmCli.List([parse.GetValue(toolsets) ?? ""]), CrmCli.List([parse.GetValue(tools) ?? ""]));
                if (ToolCatalog.Unknown(setNames, toolNames) is { } unknown) return CrmCli.Fail(parse, unknown);
                if (setNames.Count > 0) args.AddRange(["--toolsets", string.Join(',', setNames)]);
                if (toolNames.Count > 0) args.AddRange(["--tools", string.Join(',', toolNames)]);
                var db = parse.GetValue(CrmCli.Db) ?? Environment.GetEnvironmentVariable(DatabasePath.EnvironmentVariable);
                entry = new ServerEntry(serverName, ServerLaunch.Current(db is null ? null : DatabasePath.Resolve(db), args), null);
            }

            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(write))
            {
                var path = Path.GetFullPath(parse.GetValue(file) ?? ClientConfigs.DefaultFile(kind,
                    Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), Directory.GetCurrentDirectory()));
                var existing = File.Exists(path) ? File.ReadAllText(path) : null;
                string merged;
                try
                {
                    merged = ClientConfigs.Merge(kind, existing, entry);
                }
                catch (Exception e) when (e is System.Text.Json.JsonException or Common.CrmError)
                {
                    return CrmCli.Fail(parse, $"{path} is not valid JSON ({e.Message}); it was left as it is. Fix it, or print the entry without --write.");
                }
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                if (existing is not null) File.Copy(path, path + ".bak", overwrite: true);
                File.WriteAllText(path, merged);
                output.WriteLine($"Wrote \"{serverName}\" to {path}{(existing is null ? "" : $" (the previous file is {path}.bak)")}.");
                if (kind.Id == "claude-desktop") output.WriteLine("Restart Claude Desktop to load it.");
                return 0;
            }
            output.Write(ClientConfigs.Render(kind, entry));
            error.WriteLine($"# {kind.DisplayName}: {kind.WhereItLives}.");
            error.WriteLine($"# If the file already lists servers, add the \"{serverName}\" entry next to them.");
            if (ClientConfigs.CommandLine(kind, entry) is { } oneLine) error.WriteLine($"# Or run: {oneLine}");
            return 0;
        });
        return command;
    }
}
