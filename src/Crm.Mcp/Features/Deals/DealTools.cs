using System.ComponentModel;
using Crm.Mcp.Bulk;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Deals;

[McpServerToolType]
public sealed class DealTools(CrmDb db, Resolver resolver, CrmSettings settings, FieldRegistry? fieldRegistry = null)
{
    private readonly DealWriter writer = new(resolver, settings);

    [McpServerTool(Name = "create_deal_draft", Title = "Create deal draft", ReadOnly = false, Destructive = false,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Resolves, Creates]
    [Description("""
        Create a draft deal; its company, stage and people are found by name or created (`resolution` says which). An
        ambiguous name returns candidates.
        Example: {"company_name": "Acme, Inc.", "amount": 100000, "stage_name": "Proposal", "people": [{"name": "Jane Founder", "email": "jane@acme.com"}]}
        """)]
    public async Task<DealDraftResponse> CreateDealDraft(
        [Description("Found (ignoring case and legal suffixes) or created.")] string? company_name = null,
        [Description("Company UUID.")] string? company_id = null,
        [Description("Major units, e.g. 2500.50.")] double? amount = null,
        [Description("In the default pipeline; created if missing. Default: the first stage.")] string? stage_name = null,
        [Description("Stage UUID.")] string? stage_id = null,
        [Description("Owner's user UUID.")] string? owner_id = null,
        [Description("UUIDs of existing people.")] string[]? person_ids = null,
        [Description("Found by email, then name, or created.")] PersonInput[]? people = null,
        [Description("ISO date, e.g. \"2026-12-31\".")] string? expected_close_date = null,
        [Description("ISO date.")] string? renewal_date = null,
        [Description("One {seq} token: \"DEAL-{seq}\" (default) or e.g. \"ACME-{yyyy}-{seq:4}\".")] string? identifier_template = null,
        [Description("Associated user UUID.")] string? user_id = null,
        [Description("Default: \"<company> deal\".")] string? name = null,
        [Description("ISO 4217, e.g. \"EUR\". Default: the server's.")] string? currency = null,
        CancellationToken cancellationToken = default)
    {
        // Everything that needs no database is checked first, so bad input fails fast and identically every time.
        var prepared = writer.Prepare(new DealInput
        {
            Name = name, CompanyName = company_name, CompanyId = company_id, Amount = amount, Currency = currency,
            StageName = stage_name, StageId = stage_id, OwnerId = owner_id, UserId = user_id, PersonIds = person_ids,
            People = people, ExpectedCloseDate = expected_close_date, RenewalDate = renewal_date,
            IdentifierTemplate = identifier_template,
        }, "", defaultDraft: true);

        // Keyed: the resolver locks the names it may create (WriteKeys), so drafts naming other companies run in parallel.
        return await db.WriteAsync(new WriteKeys(), async (connection, transaction) =>
        {
            var created = await writer.CreateAsync(connection, transaction, prepared);
            var links = created.Attached.DistinctBy(p => p.Id)
                .Select(p => new PeopleDealLink(created.Deal.Id, p.Id, new PersonRef(p.Name, p.Id, p.Email))).ToList();
            return new DealDraftResponse(new DealDraftData(created.Deal, links, new DealResolution(created.Company, created.Stage, created.People)), true);
        }, cancellationToken);
    }

    [Toolset("bulk")]
    [ItemsLike("create_deal_draft")]
    [McpServerTool(Name = "create_deals", Title = "Create deals", ReadOnly = false, Destructive = false,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Resolves, Creates]
    [Description("""
        Create 1 to 100 deals; items also take is_draft (default false).
        Example: {"items": [{"name": "Acme renewal", "company_name": "Acme, Inc.", "amount": 50000, "stage_name": "Proposal"}]}
        """)]
    public Task<BulkResponse<DealWritten>> CreateDeals(
        [Description("Deals to create.")] DealInput[] items,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.RunAsync(db, items, atomic, progress, async (connection, transaction, item, path) =>
        {
            var created = await writer.CreateAsync(connection, transaction, writer.Prepare(item ?? new DealInput(), path + ".", defaultDraft: false));
            return DealWritten.From(new DealWrite(created.Deal, created.Company, created.Stage, [.. created.People, .. created.Attached]));
        }, cancellationToken, keysOf: (keys, _) => keys,
        setBased: new SetBased<DealInput, DealWritten>((all, field) => DealBatch.Eligible(writer, all, field),
            (connection, transaction, run) => DealBatch.WriteAsync(connection, transaction, resolver, writer, run)));

    [McpServerTool(Name = "update_deal", Title = "Update deal", ReadOnly = false, Destructive = false, Idempotent = false,
        OpenWorld = false, UseStructuredContent = true)]
    [Resolves]
    [Description("""
        Change a deal: move its stage, set its company (found or created), add people, publish a draft. Omitted
        arguments stay; `clear` empties fields.
        Example: {"deal": "DEAL-001", "stage_name": "Negotiation", "amount": 120000, "is_draft": false}
        """)]
    public async Task<DealWriteResponse> UpdateDeal(
        [Description("Identifier, UUID or exact name, e.g. \"DEAL-001\".")] string deal,
        [Description("New name.")] string? name = null,
        [Description("Major units.")] double? amount = null,
        [Description("ISO 4217, e.g. \"EUR\"; alone it keeps the major amount.")] string? currency = null,
        [Description("Found or created.")] string? company_name = null,
        [Description("Company UUID.")] string? company_id = null,
        [Description("In the deal's pipeline, e.g. \"Negotiation\".")] string? stage_name = null,
        [Description("Stage UUID.")] string? stage_id = null,
        [Description("Owner's user UUID.")] string? owner_id = null,
        [Description("Associated user UUID.")] string? user_id = null,
        [Description("ISO date, e.g. \"2026-12-31\".")] string? expected_close_date = null,
        [Description("ISO date.")] string? renewal_date = null,
        [Description("false publishes a draft.")] bool? is_draft = null,
        [Description("To add: found by email, then name, or created.")] PersonInput[]? people = null,
        [Description("UUIDs of existing people to add.")] string[]? person_ids = null,
        [Description("Fields to empty: amount, company, owner_id, user_id, expected_close_date, renewal_date, people.")] string[]? clear = null,
        CancellationToken cancellationToken = default)
    {
        var input = new DealUpdateInput
        {
            Deal = deal, Name = name, Amount = amount, Currency = currency, CompanyName = company_name, CompanyId = company_id,
            StageName = stage_name, StageId = stage_id, OwnerId = owner_id, UserId = user_id, ExpectedCloseDate = expected_close_date,
            RenewalDate = renewal_date, IsDraft = is_draft, People = people, PersonIds = person_ids, Clear = clear,
        };
        return new DealWriteResponse(await db.WriteAsync((connection, transaction) => writer.UpdateAsync(connection, transaction, input, ""), cancellationToken), true);
    }

    [Toolset("bulk")]
    [ItemsLike("update_deal")]
    [McpServerTool(Name = "update_deals", Title = "Update deals", ReadOnly = false, Destructive = false, Idempotent = false,
        OpenWorld = false, UseStructuredContent = true)]
    [Resolves]
    [Description("""
        Change 1 to 100 deals.
        Example: {"items": [{"deal": "DEAL-001", "stage_name": "Closed Won"}, {"deal": "DEAL-002", "is_draft": false}]}
        """)]
    public Task<BulkResponse<DealWritten>> UpdateDeals(
        [Description("Changes, one per deal.")] DealUpdateInput[] items,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.UpdateAsync(db, items, atomic, progress,
            async (connection, transaction, item, prefix) => DealWritten.From(await writer.UpdateAsync(connection, transaction, item, prefix)),
            cancellationToken);

    [Toolset("destructive")]
    [McpServerTool(Name = "delete_deals", Title = "Delete deals", ReadOnly = false, Destructive = true, Idempotent = false,
        OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("Permanently delete 1 to 100 deals by identifier, UUID or exact name: irreversible. Their people and company stay. Example: {\"deals\": [\"DEAL-001\", \"DEAL-007\"]}")]
    public Task<BulkResponse<BulkRecord>> DeleteDeals(
        [Description("Deal identifiers, UUIDs or exact names, e.g. [\"DEAL-001\"].")] string[] deals,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.DeleteAsync(db, "deals", deals, "[\"DEAL-001\"]", atomic, progress, async (connection, transaction, reference, path) =>
        {
            var key = Validate.Text(path, reference, 200, "\"DEAL-001\"") ?? throw CrmError.Invalid(path, "is required.", "a deal identifier such as \"DEAL-001\"");
            var id = await Lookup.DealIdAsync(connection, transaction, key, path);
            var stored = await DealSql.LoadAsync(connection, transaction, id);
            await DealSql.DeleteAsync(connection, transaction, id);
            return new BulkRecord(id, $"{stored.Identifier} {stored.Name}");
        }, cancellationToken);

    [McpServerTool(Name = "get_deal", Title = "Get deal", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("Get one deal with its company, stage, owner and people. Example: {\"deal\": \"DEAL-001\"}")]
    public async Task<DealResponse> GetDeal(
        [Description("UUID, identifier or exact name, e.g. \"DEAL-001\".")] string deal,
        CancellationToken cancellationToken = default)
    {
        var key = Validate.RequiredText("deal", deal, 200, Lookup.DealForm);
        var view = await db.ReadAsync(async (connection, transaction) =>
            await DealSql.FindAsync(connection, transaction, await Lookup.DealIdAsync(connection, transaction, key, "deal")), cancellationToken);
        return new DealResponse(view!, true);
    }

    [McpServerTool(Name = "get_deals", Title = "List deals", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("List deals, newest first unless sorted. Example: {\"stage\": \"Proposal\", \"sort\": [{\"field\": \"amount\", \"direction\": \"desc\"}]}")]
    public Task<ListReply> GetDeals(
        [Description("Stage name or UUID, e.g. \"Proposal\".")] string? stage = null,
        [Description("Company name or UUID.")] string? company = null,
        [Description("true: drafts only; false: published only.")] bool? is_draft = null,
        [Description(ListDocs.Filters)] Filter[]? filters = null,
        [Description(ListDocs.Search)] string? search = null,
        [Description(ListDocs.Sort)] SortInput[]? sort = null,
        [Description(ListDocs.Limit)] int? limit = null,
        [Description(ListDocs.Cursor)] string? cursor = null,
        [Description(ListDocs.Fields)] string[]? fields = null,
        [Description(ListDocs.View)] string? view = null,
        CancellationToken cancellationToken = default) =>
        ListTool.RunAsync(db, fieldRegistry, DealItems.Kind, new ListRequest(filters, search, sort, limit, cursor), fields, view,
            async (connection, transaction) =>
            {
                var shortcuts = new List<Filter>();
                if (stage is not null) shortcuts.Add(Filter.Rule("stage_id", FilterOps.EqualsOp, await Lookup.StageIdAsync(connection, transaction, stage, "stage")));
                if (company is not null) shortcuts.Add(Filter.Rule("company_id", FilterOps.EqualsOp, await Lookup.CompanyIdAsync(connection, transaction, company, "company")));
                if (is_draft is { } draft) shortcuts.Add(Filter.Rule("is_draft", FilterOps.EqualsOp, draft));
                return shortcuts;
            }, cancellationToken);
}
