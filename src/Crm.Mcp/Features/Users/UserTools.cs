using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Users;

[McpServerToolType]
public sealed class UserTools(CrmDb db)
{
    [McpServerTool(Name = "get_current_user", Title = "Get current user", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Get the user this server acts as (the local default user): the owner_id/assignee_id to use for \"me\". Example: {}")]
    public async Task<UserResponse> GetCurrentUser(CancellationToken cancellationToken = default)
    {
        var user = await db.ReadAsync(UserSql.CurrentAsync, cancellationToken);
        // The migrator creates the default user on every start, so its absence is a broken database, not bad input.
        return new UserResponse(user ?? throw new InvalidOperationException("The database has no default user."), true);
    }

    [McpServerTool(Name = "get_users", Title = "List users", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("List users (deal owners, task assignees), the default user first; search matches name or email. Example: {\"search\": \"jane\", \"limit\": 25}")]
    public async Task<UserPageResponse> GetUsers(
        [Description("Text the name or email contains, case-insensitive, e.g. \"jane\".")] string? search = null,
        [Description("Page size, 1 to 100. Default 25.")] int? limit = null,
        [Description("next_cursor from the previous page.")] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        var take = Validate.Limit(limit);
        var text = Validate.Text("search", search, 200, "\"jane\"");
        var after = PageCursor.Decode(cursor, 2);
        var page = await db.ReadAsync((connection, transaction) =>
            UserSql.ListAsync(connection, transaction, new UserSql.ListFilter(text, take, after?[0], after?[1])), cancellationToken);
        var last = page.Items.LastOrDefault();
        var next = page.HasMore && last is not null ? PageCursor.Encode(last.CreatedAt, last.Id) : null;
        return new UserPageResponse(new UserPage(page.Items, page.Total, next, page.HasMore), true);
    }
}
