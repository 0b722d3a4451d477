using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Crm.Mcp.Lists;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Users;

[McpServerToolType]
public sealed class UserTools(CrmDb db, FieldRegistry fieldRegistry)
{
    [McpServerTool(Name = "get_current_user", Title = "Get current user", ReadOnly = true, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Get the calling user: the user the API key belongs to, else the local default user; the owner_id/assignee_id to use for \"me\". Example: {}")]
    public async Task<UserResponse> GetCurrentUser(CancellationToken cancellationToken = default)
    {
        var user = await db.ReadAsync(UserSql.CurrentAsync, cancellationToken);
        // The migrator creates the default user on every start, so its absence is a broken database, not bad input.
        return new UserResponse(user ?? throw new InvalidOperationException("The database has no default user."), true);
    }

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
            var id = Guid.NewGuid().ToString();
            if (!await UserSql.InsertAsync(connection, transaction, id, first, last, address, Clock.NowIso()))
                throw new CrmError(ErrorCodes.Conflict, "email", $"email: {address} is already a user's.", "another email, or get_users to find that user");
            return new UserResponse((await UserSql.FindManyAsync(connection, transaction, [id])).Single(), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "get_users", Title = "List users", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("List users (deal owners, task assignees), the current user first, with filters, search, sort and cursor paging. Example: {\"search\": \"jane\"}")]
    public async Task<UserPageResponse> GetUsers(
        [Description(ListDocs.Filters)] Filter[]? filters = null,
        [Description(ListDocs.Search)] string? search = null,
        [Description(ListDocs.Sort)] SortInput[]? sort = null,
        [Description(ListDocs.Limit)] int? limit = null,
        [Description(ListDocs.Cursor)] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        var page = await db.ReadAsync(async (connection, transaction) =>
        {
            var schema = await fieldRegistry.LoadAsync(UserFields.Entity, connection, transaction);
            return await ListEngine.RunAsync(connection, transaction, schema, new ListRequest(filters, search, sort, limit, cursor),
                ids => UserSql.FindManyAsync(connection, transaction, ids), u => u.Id);
        }, cancellationToken);
        return new UserPageResponse(page, true);
    }
}
