#if CRM_POSTGRES
using Npgsql;
#endif

namespace Crm.Mcp.Data;

/// <summary>
/// What --db / CRM_MCP_DB name: a SQLite file (the default), or a PostgreSQL database given as a URL
/// (postgres://user:password@host:5432/crm?sslmode=require) or as an Npgsql connection string (Host=...;Database=...).
/// </summary>
public static class DatabaseLocation
{
    public static bool IsPostgres(string location) =>
        location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
        || location.TrimStart().StartsWith("Host=", StringComparison.OrdinalIgnoreCase)
        || location.Contains(";Host=", StringComparison.OrdinalIgnoreCase);

#if CRM_POSTGRES
    /// <summary>An Npgsql connection string for a URL (query parameters such as sslmode become keywords), or the
    /// connection string itself.</summary>
    public static string ToNpgsql(string location)
    {
        if (!location.Contains("://", StringComparison.Ordinal)) return new NpgsqlConnectionStringBuilder(location).ConnectionString;
        var uri = new Uri(location);
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host };
        if (uri.Port > 0) builder.Port = uri.Port;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2) builder.Password = Uri.UnescapeDataString(parts[1]);
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) builder.Database = database;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.Split('=', 2) is [var k, var v] ? (k, v) : (pair, "");
            builder[Uri.UnescapeDataString(key).Replace('_', ' ')] = Uri.UnescapeDataString(value);
        }
        return builder.ConnectionString;
    }

    /// <summary>The location without its password, for messages and logs.</summary>
    public static string Display(string location)
    {
        if (!IsPostgres(location)) return location;
        var builder = new NpgsqlConnectionStringBuilder(ToNpgsql(location)) { Password = null };
        return builder.ConnectionString;
    }
#else
    /// <summary>The location for messages and logs: never a PostgreSQL one's password, which this build cannot parse
    /// out (nor does it meet one: Program.cs hands those to the full build).</summary>
    public static string Display(string location) => IsPostgres(location) ? "a PostgreSQL database" : location;
#endif
}
