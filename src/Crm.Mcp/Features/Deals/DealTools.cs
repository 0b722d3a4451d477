using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Deals;

[McpServerToolType]
public sealed class DealTools(CrmDb db, Resolver resolver, CrmSettings settings, FieldRegistry? fieldRegistry = null)
{
    [McpServerTool(Name = "create_deal_draft", Title = "Create deal draft", ReadOnly = false, Destructive = false,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Resolves, Creates]
    [Description("""
        Create a draft deal from names or ids in one call. The company, stage and people are found or created in the
        same transaction; `resolution` says per record whether it was found (and how: id, email, name) or created.
        An ambiguous name returns candidates instead of guessing; any invalid field writes nothing.
        Example: {"company_name": "Acme, Inc.", "amount": 100000, "stage_name": "Proposal", "people": [{"name": "Jane Founder", "email": "jane@acme.com"}]}
        """)]
    public async Task<DealDraftResponse> CreateDealDraft(
        [Description("Company name to resolve or create, e.g. \"Acme, Inc.\" (matches \"ACME inc\", \"acme\").")] string? company_name = null,
        [Description("Existing company UUID, e.g. \"c1d2e3f4-a5b6-4890-8def-123456789abc\".")] string? company_id = null,
        [Description("Amount in major currency units, e.g. 100000 for $100,000 or 2500.50.")] double? amount = null,
        [Description("Stage name to resolve in the default pipeline, e.g. \"Proposal\"; created after the last open stage if missing. Default: the first stage.")] string? stage_name = null,
        [Description("Stage UUID.")] string? stage_id = null,
        [Description("Owner user UUID (see get_users).")] string? owner_id = null,
        [Description("UUIDs of existing people to attach, e.g. [\"p1q2r3s4-...\"].")] string[]? person_ids = null,
        [Description("People to resolve (email first, then name) or create, e.g. [{\"name\": \"Jane Founder\", \"email\": \"jane@acme.com\"}].")] PersonInput[]? people = null,
        [Description("Expected close date, ISO 8601, e.g. \"2026-12-31\".")] string? expected_close_date = null,
        [Description("Renewal date, ISO 8601, e.g. \"2027-12-31\".")] string? renewal_date = null,
        [Description("Identifier template with one {seq} token, e.g. \"DEAL-{seq}\" (default, gives DEAL-001) or \"ACME-{yyyy}-{seq:4}\".")] string? identifier_template = null,
        [Description("UUID of the user the deal is associated with.")] string? user_id = null,
        [Description("Deal name, e.g. \"Acme platform license\". Default: \"<company> deal\", else the identifier.")] string? name = null,
        [Description("ISO 4217 currency of amount, e.g. \"USD\", \"EUR\", \"JPY\". Default: the server's (USD unless set).")] string? currency = null,
        CancellationToken cancellationToken = default)
    {
        // Everything that needs no database is checked first, so bad input fails fast and identically every time.
        var dealCurrency = currency is null ? settings.DefaultCurrency : Currency.Parse("currency", currency);
        long? amountMinor = amount is { } major ? Money.ToMinor("amount", major, dealCurrency) : null;
        var closeDate = Validate.Date("expected_close_date", expected_close_date);
        var renewal = Validate.Date("renewal_date", renewal_date);
        var dealName = Validate.Text("name", name, 200, "\"Acme platform license\"");
        var personIds = Validate.Uuids("person_ids", person_ids);
        if (company_name is not null && company_name.Trim().Length == 0)
            throw CrmError.Invalid("company_name", "must not be empty.", "a company name such as \"Acme, Inc.\", or leave it out");
        var now = Clock.Time.GetUtcNow();
        var template = IdentifierTemplate.Parse(identifier_template, now);

        return await db.WriteAsync(async (connection, transaction) =>
        {
            var ownerId = await resolver.RequireUserAsync(connection, transaction, owner_id, "owner_id");
            var userId = await resolver.RequireUserAsync(connection, transaction, user_id, "user_id");
            var company = await resolver.ResolveCompanyAsync(connection, transaction, company_id, company_name, domain: SharedDomain(people));
            var (stage, pipelineId) = await resolver.ResolveStageAsync(connection, transaction, stage_id, stage_name);

            var resolvedPeople = new List<ResolvedRecord>();
            for (var i = 0; i < (people?.Length ?? 0); i++)
                resolvedPeople.Add(await resolver.ResolvePersonAsync(connection, transaction, people![i] ?? new PersonInput(), $"people[{i}]", company?.Id));
            var attached = new List<ResolvedRecord>();
            for (var i = 0; i < personIds.Count; i++)
                attached.Add(await resolver.RequirePersonAsync(connection, transaction, personIds[i], $"person_ids[{i}]"));

            var identifier = await NextIdentifierAsync(connection, transaction, template);
            var id = Guid.NewGuid().ToString();
            var nowIso = Clock.Format(now);
            await DealSql.InsertAsync(connection, transaction, new DealSql.NewDeal(
                id, identifier, dealName ?? (company is null ? identifier : $"{company.Name} deal"), amountMinor,
                dealCurrency.Code, company?.Id, pipelineId, stage.Id, ownerId, userId, closeDate, renewal, "api", nowIso));
            foreach (var person in resolvedPeople.Concat(attached))
                await DealSql.LinkPersonAsync(connection, transaction, id, person.Id, nowIso);

            var deal = (await DealSql.FindAsync(connection, transaction, id))!;
            var links = attached.DistinctBy(p => p.Id)
                .Select(p => new PeopleDealLink(id, p.Id, new PersonRef(p.Name, p.Id, p.Email))).ToList();
            return new DealDraftResponse(new DealDraftData(deal, links, new DealResolution(company, stage, resolvedPeople)), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "get_deal", Title = "Get deal", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("Get one deal by UUID or identifier, with its company, stage, owner and people. Example: {\"deal\": \"DEAL-001\"}")]
    public async Task<DealResponse> GetDeal(
        [Description("The deal's UUID or identifier, e.g. \"DEAL-001\".")] string deal,
        CancellationToken cancellationToken = default)
    {
        var key = Validate.Text("deal", deal, 100, "\"DEAL-001\"")
                  ?? throw CrmError.Invalid("deal", "is required.", "a deal UUID or identifier such as \"DEAL-001\"");
        var view = await db.ReadAsync((connection, transaction) => DealSql.FindAsync(connection, transaction, key), cancellationToken);
        return view is null
            ? throw new CrmError(ErrorCodes.NotFound, "deal", $"deal: no deal has id or identifier '{key}'.", "a UUID or identifier from get_deals, e.g. \"DEAL-001\"")
            : new DealResponse(view, true);
    }

    [McpServerTool(Name = "get_deals", Title = "List deals", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("List deals (newest first unless sorted) with filters, search, sort and cursor paging; total and has_more say how many match. Example: {\"stage\": \"Proposal\", \"filters\": [{\"field\": \"amount\", \"op\": \"gte\", \"value\": 10000}], \"sort\": [{\"field\": \"amount\", \"direction\": \"desc\"}]}")]
    public async Task<DealPageResponse> GetDeals(
        [Description("Stage name or UUID in the default pipeline, e.g. \"Proposal\".")] string? stage = null,
        [Description("Company name or UUID, e.g. \"Acme, Inc.\".")] string? company = null,
        [Description("true for drafts only, false for published deals only.")] bool? is_draft = null,
        [Description(ListDocs.Filters)] Filter[]? filters = null,
        [Description(ListDocs.Search)] string? search = null,
        [Description(ListDocs.Sort)] SortInput[]? sort = null,
        [Description(ListDocs.Limit)] int? limit = null,
        [Description(ListDocs.Cursor)] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        var page = await db.ReadAsync(async (connection, transaction) =>
        {
            var shortcuts = new List<Filter>();
            if (stage is not null) shortcuts.Add(Filter.Rule("stage_id", FilterOps.EqualsOp, await Lookup.StageIdAsync(connection, transaction, stage, "stage")));
            if (company is not null) shortcuts.Add(Filter.Rule("company_id", FilterOps.EqualsOp, await Lookup.CompanyIdAsync(connection, transaction, company, "company")));
            if (is_draft is { } draft) shortcuts.Add(Filter.Rule("is_draft", FilterOps.EqualsOp, draft));
            var schema = await (fieldRegistry ?? new FieldRegistry()).LoadAsync(DealFields.Entity, connection, transaction);
            return await ListEngine.RunAsync(connection, transaction, schema, new ListRequest(filters, search, sort, limit, cursor),
                ids => DealSql.FindManyAsync(connection, transaction, ids), d => d.Id, shortcuts);
        }, cancellationToken);
        return new DealPageResponse(page, true);
    }

    /// <summary>The employer domain all the people's work emails agree on, if any: evidence for which company is meant.</summary>
    private static string? SharedDomain(PersonInput[]? people)
    {
        var domains = (people ?? []).Select(p => Domains.FromEmail(p?.Email)).Where(d => d is not null).Distinct().ToList();
        return domains.Count == 1 ? domains[0] : null;
    }

    private static async Task<string> NextIdentifierAsync(
        Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, IdentifierTemplate.Parsed template)
    {
        // Two templates can render the same text ("D-{seq:1}" and "D-{seq:2}" both give D-10), so skip taken numbers.
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var candidate = template.Render(await DealSql.NextCounterAsync(connection, transaction, template.CounterName));
            if (!await DealSql.IdentifierExistsAsync(connection, transaction, candidate)) return candidate;
        }
        throw new CrmError(ErrorCodes.Conflict, "identifier_template", "identifier_template: every identifier tried is taken.", IdentifierTemplate.Form);
    }
}
