using System.ComponentModel;
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Crm.Mcp.Lists;

namespace Crm.Mcp.Features.Users;

/// <summary>A user: someone deals and tasks can be assigned to.</summary>
public sealed record UserView
{
    public required string Id { get; init; }
    [Description("Display name: first and last name, e.g. \"Jane Founder\".")]
    public required string Name { get; init; }
    public required string FirstName { get; init; }
    public required string LastName { get; init; }
    public string? Email { get; init; }
    public string? AvatarUrl { get; init; }
    [Description("True for the calling user: the API key's user, else the default local user.")]
    public bool IsCurrent { get; init; }
    public required string CreatedAt { get; init; }
    public required string UpdatedAt { get; init; }
}

public sealed record UserResponse(UserView Data, bool Success);

/// <summary>get_users' items.</summary>
public static class UserItems
{
    public static ListKind<UserView> Kind { get; } = new(UserFields.Entity, "id", UserSql.FindManyAsync, u => u.Id, Compact);

    public static JsonObject Compact(UserView user) => ListTool.Item(("id", user.Id), ("name", user.Name), ("email", user.Email), ("is_current", user.IsCurrent));
}
