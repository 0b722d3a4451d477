namespace Crm.Mcp.Common;

/// <summary>The `clear` argument of update tools: fields to set to null, since a null argument means "unchanged".</summary>
public static class ClearFields
{
    public const string Doc = "Fields to empty, e.g. [\"phone\"].";

    public static IReadOnlySet<string> Read(IReadOnlyList<string>? clear, IReadOnlyList<string> allowed, string field = "clear")
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (clear?.Count ?? 0); i++)
        {
            var name = clear![i]?.Trim().ToLowerInvariant() ?? "";
            if (!allowed.Contains(name))
                throw CrmError.Invalid($"{field}[{i}]", $"'{Validate.Shorten(clear[i] ?? "")}' cannot be cleared.", $"one of: {string.Join(", ", allowed)}");
            result.Add(name);
        }
        return result;
    }

    /// <summary>Throws when a field is both given a value and cleared: the caller's intent is unclear.</summary>
    public static void NotBoth(IReadOnlySet<string> cleared, string name, object? value, string prefix = "")
    {
        if (value is not null && cleared.Contains(name))
            throw CrmError.Invalid(prefix + name, "is both given a value and listed in clear.", $"either a value for {name} or \"{name}\" in clear");
    }
}
