using System.ComponentModel;

namespace Crm.Mcp.Resolution;

/// <summary>How one named record in a write was settled: found (and how) or created.</summary>
public sealed record ResolvedRecord(
    [property: Description("True when this call created the record.")] bool Created,
    string Id,
    string Name,
    [property: Description("How it was found: id, email, domain, name, user_choice (picked by the user when asked) or default; created when new.")] string MatchedBy,
    string? Email = null);

public static class MatchedBy
{
    public const string Id = "id";
    public const string Email = "email";
    public const string Domain = "domain";
    public const string Name = "name";
    public const string UserChoice = "user_choice";
    public const string Default = "default";
    public const string Created = "created";
}

/// <summary>A person as a caller describes one: a name, an email, or both.</summary>
public sealed record PersonInput
{
    public string? Name { get; init; }

    [Description("Matched first, ignoring case.")]
    public string? Email { get; init; }

    [Description("Instead of name.")]
    public string? FirstName { get; init; }

    [Description("Instead of name.")]
    public string? LastName { get; init; }

    public string? Phone { get; init; }

    public string? Title { get; init; }
}
