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

    public static string DefaultPath()
    {
        string root;
        if (OperatingSystem.IsWindows() || OperatingSystem.IsMacOS())
            root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        else
            root = Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(root, "crm-mcp", "crm.db");
    }

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~').TrimStart('/'))
            : path;
}
