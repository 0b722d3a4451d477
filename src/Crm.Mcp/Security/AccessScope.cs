using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Security;

/// <summary>What an API key may do, decided by tool annotations alone so a new tool needs no access rule.</summary>
public enum AccessScope
{
    /// <summary>Tools annotated readOnlyHint = true.</summary>
    Read,
    /// <summary>Read plus writes annotated destructiveHint = false.</summary>
    Write,
    /// <summary>Every tool.</summary>
    Admin,
}

public static class AccessScopes
{
    public static IReadOnlyList<string> Names { get; } = ["read", "write", "admin"];

    public static AccessScope Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        "read" => AccessScope.Read,
        "write" => AccessScope.Write,
        "admin" => AccessScope.Admin,
        _ => throw Common.CrmError.Invalid("scope", $"'{value}' is not a scope.", "read, write or admin"),
    };

    public static string Name(this AccessScope scope) => scope.ToString().ToLowerInvariant();

    /// <summary>The least scope that may call a tool. A missing annotation counts as the riskier answer.</summary>
    public static AccessScope Required(Tool tool) =>
        tool.Annotations?.ReadOnlyHint == true ? AccessScope.Read
        : tool.Annotations?.DestructiveHint == false ? AccessScope.Write
        : AccessScope.Admin;

    public static bool Allows(this AccessScope scope, Tool tool) => scope >= Required(tool);
}
