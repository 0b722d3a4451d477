using Crm.Mcp.Data;

namespace Crm.Mcp.Clients;

/// <summary>The command that starts this very build of crm-mcp, for a client's config.</summary>
public static class ServerLaunch
{
    /// <summary>
    /// An installed tool or a single-file publish is its own executable; a framework-dependent build runs as
    /// `dotnet crm-mcp.dll`. Paths are absolute: clients started from a desktop (Claude Desktop on macOS) do not
    /// see the shell's PATH. The database is passed in env, so every client shares the file the user chose.
    /// </summary>
    public static StdioLaunch Current(string? databasePath, IReadOnlyList<string> extraArgs)
    {
        var self = Environment.ProcessPath ?? "crm-mcp";
        var viaDotnet = Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        var args = new List<string>();
        if (viaDotnet) args.Add(Path.Combine(AppContext.BaseDirectory, "crm-mcp.dll"));
        args.AddRange(extraArgs);
        var env = new Dictionary<string, string>();
        if (databasePath is not null) env[DatabasePath.EnvironmentVariable] = databasePath;
        return new StdioLaunch(self, args, env);
    }
}
