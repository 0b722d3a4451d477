using System.ComponentModel;
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

public sealed record UserPageResponse(ListPage<UserView> Data, bool Success);
