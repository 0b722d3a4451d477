using System.ComponentModel;
using System.Data.Common;
using Crm.Mcp.Bulk;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Users;
using Crm.Mcp.Hosting;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Activities;

/// <summary>Logged calls, meetings and emails: what happened, with whom and about what. A task is work to do; an
/// activity is history, so "log today's call with Jane" no longer has to become a done task or a note.</summary>
[McpServerToolType]
public sealed class ActivityTools(CrmDb db, FieldRegistry fieldRegistry)
{
    private static readonly string TypeForm = $"one of: {string.Join(", ", ActivitySql.Types)}";
    private static readonly string DirectionForm = $"one of: {string.Join(", ", ActivitySql.Directions)}";
    private static readonly string[] Clearable = ["body", "duration_minutes", "direction", "outcome"];
    private const int MaxLinks = 50;
    private const string ParticipantsDoc = "Contacts who took part: email, full name or UUID.";
    private const string UsersDoc = "Users who took part: \"me\", email, name or UUID.";
    private const string DealsDoc = "Deals it was about: identifier, name or UUID.";
    private const string CompaniesDoc = "Companies it was about: name or UUID.";

    [McpServerTool(Name = "log_activity", Title = "Log activity", ReadOnly = false, Destructive = false, Idempotent = false,
        OpenWorld = false, UseStructuredContent = true)]
    [Creates]
    [Description("""
        Record a call, meeting or email that happened, with the contacts and users who took part and the deals and
        companies it was about (found by name or email, never created); it shows on get_timeline. Work still to do: create_tasks.
        Example: {"type": "call", "subject": "Pricing call with Jane", "contacts": ["jane@acme.com"], "deals": ["DEAL-001"], "outcome": "connected"}
        """)]
    public async Task<ActivityResponse> LogActivity(
        [Description("call, meeting, email or other.")] string type,
        [Description("One line, e.g. \"Pricing call with Jane\".")] string subject,
        [Description("Markdown notes.")] string? body = null,
        [Description("ISO 8601, e.g. \"2026-12-01T15:00:00Z\". Default: now.")] string? occurred_at = null,
        [Description("Length in minutes.")] int? duration_minutes = null,
        [Description("inbound or outbound.")] string? direction = null,
        [Description("E.g. \"left voicemail\".")] string? outcome = null,
        [Description(ParticipantsDoc)] string[]? contacts = null,
        [Description(UsersDoc)] string[]? users = null,
        [Description(DealsDoc)] string[]? deals = null,
        [Description(CompaniesDoc)] string[]? companies = null,
        CancellationToken cancellationToken = default)
    {
        var activityType = OneOf("type", type, ActivitySql.Types, TypeForm) ?? throw CrmError.Invalid("type", "is required.", TypeForm);
        var activitySubject = Validate.Text("subject", subject, 300, "\"Pricing call with Jane\"")
                              ?? throw CrmError.Invalid("subject", "is required.", "one line such as \"Pricing call with Jane\"");
        var activityBody = Validate.Text("body", body, 100_000);
        var occurred = Validate.Date("occurred_at", occurred_at);
        var duration = Duration(duration_minutes);
        var activityDirection = OneOf("direction", direction, ActivitySql.Directions, DirectionForm);
        var activityOutcome = Validate.Text("outcome", outcome, 100, "\"connected\"");
        var lists = ReadLists(contacts, users, deals, companies);
        return await db.WriteAsync(async (connection, transaction) =>
        {
            var me = await UserSql.CurrentIdAsync(connection, transaction);
            var links = await ResolveAsync(connection, transaction, lists, me);
            var id = Ids.New();
            var now = Clock.NowIso();
            await ActivitySql.InsertAsync(connection, transaction, new ActivitySql.Row(id, activityType, activitySubject, activityBody,
                occurred ?? now, duration, activityDirection, activityOutcome, me, now));
            foreach (var (kind, ids) in links) await ActivitySql.SetLinksAsync(connection, transaction, id, kind, ids, now);
            return new ActivityResponse((await ActivitySql.FindManyAsync(connection, transaction, [id])).Single(), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "get_activities", Title = "List activities", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("""
        List logged calls, meetings and emails, newest first.
        Example: {"deal": "DEAL-001", "type": "call", "filters": [{"field": "occurred_at", "op": "gte", "value": "2026-11-01"}]}
        """)]
    public Task<ListReply> GetActivities(
        [Description("call, meeting, email or other.")] string? type = null,
        [Description(ListShortcuts.DealDoc)] string? deal = null,
        [Description(ListShortcuts.CompanyDoc)] string? company = null,
        [Description(ListShortcuts.ContactDoc)] string? contact = null,
        [Description(ListDocs.Filters)] Filter[]? filters = null,
        [Description(ListDocs.Search)] string? search = null,
        [Description(ListDocs.Sort)] SortInput[]? sort = null,
        [Description(ListDocs.Limit)] int? limit = null,
        [Description(ListDocs.Cursor)] string? cursor = null,
        [Description(ListDocs.Fields)] string[]? fields = null,
        [Description(ListDocs.View)] string? view = null,
        CancellationToken cancellationToken = default)
    {
        var onlyType = OneOf("type", type, ActivitySql.Types, TypeForm);
        return ListTool.RunAsync(db, fieldRegistry, ActivityItems.Kind, new ListRequest(filters, search, sort, limit, cursor), fields, view,
            async (connection, transaction) =>
            {
                var shortcuts = await ListShortcuts.LinkedAsync(connection, transaction, deal, company, contact);
                if (onlyType is not null) shortcuts.Add(Filter.Rule("type", FilterOps.EqualsOp, onlyType));
                return shortcuts;
            }, cancellationToken);
    }

    [McpServerTool(Name = "update_activity", Title = "Update activity", ReadOnly = false, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Correct a logged activity: a list given (contacts, users, deals, companies) replaces that list, an omitted one
        stays; `clear` empties fields.
        Example: {"activity": "0f8e2c1a-...", "outcome": "left voicemail", "contacts": ["jane@acme.com", "bob@acme.com"]}
        """)]
    public async Task<ActivityResponse> UpdateActivity(
        [Description("Activity UUID.")] string activity,
        [Description("call, meeting, email or other.")] string? type = null,
        [Description("One line.")] string? subject = null,
        [Description("Markdown.")] string? body = null,
        [Description("ISO 8601.")] string? occurred_at = null,
        [Description("Length in minutes.")] int? duration_minutes = null,
        [Description("inbound or outbound.")] string? direction = null,
        [Description("E.g. \"connected\".")] string? outcome = null,
        [Description(ParticipantsDoc)] string[]? contacts = null,
        [Description(UsersDoc)] string[]? users = null,
        [Description(DealsDoc)] string[]? deals = null,
        [Description(CompaniesDoc)] string[]? companies = null,
        [Description("Any of body, duration_minutes, direction, outcome.")] string[]? clear = null,
        CancellationToken cancellationToken = default)
    {
        var id = Validate.Uuid("activity", activity) ?? throw CrmError.Invalid("activity", "is required.", Validate.UuidForm);
        var cleared = ClearFields.Read(clear, Clearable);
        foreach (var (field, value) in new (string, object?)[] { ("body", body), ("duration_minutes", duration_minutes), ("direction", direction), ("outcome", outcome) })
            ClearFields.NotBoth(cleared, field, value);
        var newType = OneOf("type", type, ActivitySql.Types, TypeForm);
        var newSubject = Validate.Text("subject", subject, 300, "\"Pricing call with Jane\"");
        var newBody = Validate.Text("body", body, 100_000);
        var occurred = Validate.Date("occurred_at", occurred_at);
        var duration = Duration(duration_minutes);
        var newDirection = OneOf("direction", direction, ActivitySql.Directions, DirectionForm);
        var newOutcome = Validate.Text("outcome", outcome, 100, "\"connected\"");
        var lists = ReadLists(contacts, users, deals, companies);
        if (newType is null && newSubject is null && newBody is null && occurred is null && duration is null && newDirection is null &&
            newOutcome is null && cleared.Count == 0 && lists.Count == 0)
            throw CrmError.Invalid("activity", "update_activity needs something to change.",
                "at least one of type, subject, body, occurred_at, duration_minutes, direction, outcome, contacts, users, deals, companies or clear");

        return await db.WriteAsync(async (connection, transaction) =>
        {
            await FindAsync(connection, transaction, id);
            var links = await ResolveAsync(connection, transaction, lists, await UserSql.CurrentIdAsync(connection, transaction));
            var now = Clock.NowIso();
            await ActivitySql.UpdateAsync(connection, transaction, new ActivitySql.Change(id, newType, newSubject, newBody, occurred, duration,
                newDirection, newOutcome, cleared.Contains("body"), cleared.Contains("duration_minutes"), cleared.Contains("direction"),
                cleared.Contains("outcome"), now));
            foreach (var (kind, ids) in links) await ActivitySql.SetLinksAsync(connection, transaction, id, kind, ids, now);
            return new ActivityResponse((await ActivitySql.FindManyAsync(connection, transaction, [id])).Single(), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "delete_activities", Title = "Delete activities", ReadOnly = false, Destructive = true, Idempotent = false,
        OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Permanently delete 1 to 100 logged activities by UUID with their links: irreversible (revert_change restores).
        Example: {"activities": ["0f8e2c1a-..."]}
        """)]
    public Task<BulkResponse<BulkRecord>> DeleteActivities(
        [Description("Activity UUIDs.")] string[] activities,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.DeleteByIdAsync(db, "activities", "activity", activities, "[\"0f8e2c1a-3b4d-4e5f-8a6b-7c8d9e0f1a2b\"]", atomic, progress,
            ActivitySql.DeleteAsync, cancellationToken);

    private static async Task FindAsync(DbConnection connection, DbTransaction transaction, string id)
    {
        if ((await ActivitySql.FindManyAsync(connection, transaction, [id])).Count == 0)
            throw new CrmError(ErrorCodes.NotFound, "activity", $"activity: no activity has id '{id}'.", "an activity UUID from get_activities or log_activity");
    }

    /// <summary>The link lists given, by kind (omitted ones absent, so an update leaves them alone).</summary>
    private static Dictionary<string, (string Field, string[] References)> ReadLists(string[]? contacts, string[]? users, string[]? deals, string[]? companies)
    {
        var lists = new Dictionary<string, (string, string[])>();
        foreach (var (kind, field, references) in new[] { ("contact", "contacts", contacts), ("user", "users", users), ("deal", "deals", deals), ("company", "companies", companies) })
        {
            if (references is null) continue;
            if (references.Length > MaxLinks)
                throw CrmError.Invalid(field, $"has {references.Length} entries; the limit is {MaxLinks}.", $"at most {MaxLinks}");
            lists[kind] = (field, references);
        }
        return lists;
    }

    private static async Task<Dictionary<string, List<string>>> ResolveAsync(DbConnection connection, DbTransaction transaction,
        Dictionary<string, (string Field, string[] References)> lists, string me)
    {
        var resolved = new Dictionary<string, List<string>>();
        foreach (var (kind, (field, references)) in lists)
        {
            var ids = new List<string>();
            for (var i = 0; i < references.Length; i++)
            {
                var path = $"{field}[{i}]";
                ids.Add((kind switch
                {
                    "contact" => await EntityLookup.ContactAsync(connection, transaction, references[i], path),
                    "user" => await EntityLookup.UserAsync(connection, transaction, references[i], path, me),
                    "deal" => await EntityLookup.DealAsync(connection, transaction, references[i], path),
                    _ => await EntityLookup.CompanyAsync(connection, transaction, references[i], path),
                }).Id);
            }
            resolved[kind] = ids.Distinct().ToList();
        }
        return resolved;
    }

    private static long? Duration(int? minutes) => minutes switch
    {
        null => null,
        >= 0 and <= 100_000 => minutes,
        _ => throw CrmError.Invalid("duration_minutes", $"{minutes} is out of range.", "whole minutes from 0 to 100000, e.g. 30"),
    };

    private static string? OneOf(string field, string? value, string[] allowed, string form)
    {
        if (value is null) return null;
        var normalized = value.Trim().ToLowerInvariant();
        return allowed.Contains(normalized) ? normalized : throw CrmError.Invalid(field, $"'{Validate.Shorten(value)}' is not allowed.", form);
    }
}
