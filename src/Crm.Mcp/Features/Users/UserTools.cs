using System.ComponentModel;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Crm.Mcp.Lists;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Users;

[Toolset("context")]
[McpServerToolType]
public sealed class UserTools(CrmDb db, FieldRegistry fieldRegistry)
{
    [McpServerTool(Name = "get_current_user", Title = "Get current user", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("The user this server acts as: the owner_id/assignee_id for \"me\". Example: {}")]
    public async Task<UserResponse> GetCurrentUser(CancellationToken cancellationToken = default)
    {
        var user = await db.ReadAsync(UserSql.CurrentAsync, cancellationToken);
        // The migrator creates the default user on every start, so its absence is a broken database, not bad input.
        return new UserResponse(user ?? throw new InvalidOperationException("The database has no default user."), true);
    }

    [Toolset("users")]
    [McpServerTool(Name = "get_users", Title = "List users", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("List users (owners, assignees), the current user first. Example: {\"search\": \"jane\"}")]
    public Task<ListReply> GetUsers(
        [Description(ListDocs.Filters)] Filter[]? filters = null,
        [Description(ListDocs.Search)] string? search = null,
        [Description(ListDocs.Sort)] SortInput[]? sort = null,
        [Description(ListDocs.Limit)] int? limit = null,
        [Description(ListDocs.Cursor)] string? cursor = null,
        [Description(ListDocs.Fields)] string[]? fields = null,
        [Description(ListDocs.View)] string? view = null,
        CancellationToken cancellationToken = default) =>
        ListTool.RunAsync(db, fieldRegistry, UserItems.Kind, new ListRequest(filters, search, sort, limit, cursor), fields, view, null, cancellationToken);
}
