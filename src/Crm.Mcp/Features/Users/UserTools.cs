using System.ComponentModel;
using Crm.Mcp.Common;
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
    [Description("The calling user (the API key's user, else the local default): the owner_id/assignee_id for \"me\". Example: {}")]
    public async Task<UserResponse> GetCurrentUser(CancellationToken cancellationToken = default)
    {
        var user = await db.ReadAsync(UserSql.CurrentAsync, cancellationToken);
        // The migrator creates the default user on every start, so its absence is a broken database, not bad input.
        return new UserResponse(user ?? throw new InvalidOperationException("The database has no default user."), true);
    }

    [Toolset("users")]
    [McpServerTool(Name = "create_user", Title = "Create user", ReadOnly = false, Destructive = false,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Creates]
    [Description("Add a user (a deal owner, task assignee, API key holder); emails are unique. Example: {\"name\": \"Jane Founder\", \"email\": \"jane@acme.com\"}")]
    public async Task<UserResponse> CreateUser(
        [Description("Full name, e.g. \"Jane Founder\".")] string name,
        [Description("Email, unique among users, e.g. \"jane@acme.com\".")] string? email = null,
        CancellationToken cancellationToken = default)
    {
        var full = Validate.RequiredText("name", name, 200, "a name such as \"Jane Founder\"");
        var address = email is null ? null : Validate.Email("email", email);
        var split = full.LastIndexOf(' ');
        var (first, last) = split < 0 ? (full, "") : (full[..split].Trim(), full[(split + 1)..]);
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var id = Ids.New();
            if (!await UserSql.InsertAsync(connection, transaction, id, first, last, address, Clock.NowIso()))
                throw new CrmError(ErrorCodes.Conflict, "email", $"email: {address} is already a user's.", "another email, or get_users to find that user");
            return new UserResponse((await UserSql.FindManyAsync(connection, transaction, [id])).Single(), true);
        }, cancellationToken);
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
