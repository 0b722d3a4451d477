namespace Crm.Mcp.Common;

/// <summary>Text helpers for SQL parameters.</summary>
public static class SqlText
{
    /// <summary>A "contains" LIKE pattern (use with ESCAPE '\') with the text's own wildcards escaped, lower-cased
    /// for a match against lower(column); null when there is nothing to search for.</summary>
    public static string? ContainsPattern(string? search) =>
        string.IsNullOrWhiteSpace(search)
            ? null
            : "%" + search.Trim().ToLowerInvariant().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
}
