using Crm.Mcp.Common;

namespace Crm.Mcp.Data;

/// <summary>Where the database lives when nobody says: --db, else CRM_MCP_DB, else the user's data folder. A
/// PostgreSQL location (see <see cref="DatabaseLocation"/>) is kept as given.</summary>
public static class DatabasePath
{
    public const string EnvironmentVariable = "CRM_MCP_DB";

    public static string Resolve(string? fromOption)
    {
        var chosen = !string.IsNullOrWhiteSpace(fromOption) ? fromOption
            : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnv ? fromEnv
            : DefaultPath();
        return DatabaseLocation.IsPostgres(chosen) ? chosen : Path.GetFullPath(ExpandHome(chosen));
    }

    /// <summary>$XDG_DATA_HOME/crm-mcp/crm.db (an absolute XDG_DATA_HOME only, as the XDG spec says), else
    /// ~/.local/share/crm-mcp/crm.db; LocalApplicationData on Windows and macOS. The folders need not exist yet (the
    /// first run creates them, HOME included); a home that cannot be determined at all is an error, never a path
    /// under the current directory.</summary>
    public static string DefaultPath()
    {
        string root;
        if (OperatingSystem.IsWindows() || OperatingSystem.IsMacOS())
            root = Folder(Environment.SpecialFolder.LocalApplicationData);
        else
            root = Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg && Path.IsPathFullyQualified(xdg)
                ? xdg
                : Path.Combine(Home(), ".local", "share");
        return Path.Combine(root, "crm-mcp", "crm.db");
    }

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Home(), path.TrimStart('~').TrimStart('/'))
            : path;

    private static string Home() => Folder(Environment.SpecialFolder.UserProfile);

    /// <summary>The folder even when it does not exist yet: without DoNotVerify .NET answers "" for a missing folder,
    /// and "" + ".local/share" used to put the database under the current directory.</summary>
    private static string Folder(Environment.SpecialFolder folder)
    {
        var path = Environment.GetFolderPath(folder, Environment.SpecialFolderOption.DoNotVerify);
        return Path.IsPathFullyQualified(path)
            ? path
            : throw CrmError.Invalid("--db", $"no default database location: the {(folder == Environment.SpecialFolder.UserProfile ? "home folder (HOME)" : folder.ToString())} is not set.",
                $"a database path: pass --db PATH or set {EnvironmentVariable} (or set HOME)");
    }
}
