using System.Data.Common;
using Crm.Mcp.Common;
using Crm.Mcp.Resolution;

namespace Crm.Mcp.Features.Deals;

/// <summary>
/// Creates and changes deals for create_deal_draft, create_deals, update_deal and update_deals alike. Field names in
/// errors carry the caller's prefix ("" or "items[3].") so a bulk error points at the exact item.
/// </summary>
public sealed class DealWriter(Resolver resolver, CrmSettings settings)
{
    public static readonly string[] Clearable = ["amount", "company", "owner_id", "user_id", "expected_close_date", "renewal_date", "people"];

    /// <summary>A create request checked without the database, so bad input fails the same way every time.</summary>
    public sealed record PreparedDeal(
        DealInput Input, string Prefix, Currency Currency, long? AmountMinor, string? CloseDate, string? RenewalDate,
        string? Name, IReadOnlyList<string> PersonIds, DateTimeOffset Now, IdentifierTemplate.Parsed Template, bool IsDraft);

    public sealed record Created(DealView Deal, ResolvedRecord? Company, ResolvedRecord Stage, IReadOnlyList<ResolvedRecord> People, IReadOnlyList<ResolvedRecord> Attached);

    public PreparedDeal Prepare(DealInput input, string prefix, bool defaultDraft)
    {
        string F(string name) => prefix + name;
        var currency = input.Currency is null ? settings.DefaultCurrency : Currency.Parse(F("currency"), input.Currency);
        long? amountMinor = input.Amount is { } major ? Money.ToMinor(F("amount"), major, currency) : null;
        var closeDate = Validate.Date(F("expected_close_date"), input.ExpectedCloseDate);
        var renewal = Validate.Date(F("renewal_date"), input.RenewalDate);
        var name = Validate.Text(F("name"), input.Name, 200, "\"Acme platform license\"");
        var personIds = Validate.Uuids(F("person_ids"), input.PersonIds);
        if (input.CompanyName is not null && input.CompanyName.Trim().Length == 0)
            throw CrmError.Invalid(F("company_name"), "must not be empty.", "a company name such as \"Acme, Inc.\", or leave it out");
        var now = Clock.Time.GetUtcNow();
        var template = Prefixed(prefix, () => IdentifierTemplate.Parse(input.IdentifierTemplate, now));
        return new PreparedDeal(input, prefix, currency, amountMinor, closeDate, renewal, name, personIds, now, template, input.IsDraft ?? defaultDraft);
    }

    public async Task<Created> CreateAsync(DbConnection connection, DbTransaction transaction, PreparedDeal deal)
    {
        string F(string name) => deal.Prefix + name;
        var input = deal.Input;
        var ownerId = await resolver.RequireUserAsync(connection, transaction, input.OwnerId, F("owner_id"));
        var userId = await resolver.RequireUserAsync(connection, transaction, input.UserId, F("user_id"));
        var company = await resolver.ResolveCompanyAsync(connection, transaction, input.CompanyId, input.CompanyName, F("company_id"), F("company_name"),
            domain: SharedDomain(input.People));
        var (stage, pipelineId) = await resolver.ResolveStageAsync(connection, transaction, input.StageId, input.StageName, null, F("stage_id"), F("stage_name"));

        var people = await ResolvePeopleAsync(connection, transaction, input.People, F("people"), company?.Id);
        var attached = new List<ResolvedRecord>();
        for (var i = 0; i < deal.PersonIds.Count; i++)
            attached.Add(await resolver.RequirePersonAsync(connection, transaction, deal.PersonIds[i], F($"person_ids[{i}]")));

        var identifier = await NextIdentifierAsync(connection, transaction, deal.Template, deal.Prefix);
        var id = Ids.New();
        var nowIso = Clock.Format(deal.Now);
        await DealSql.InsertAsync(connection, transaction, new DealSql.NewDeal(
            id, identifier, deal.Name ?? (company is null ? identifier : $"{company.Name} deal"), deal.AmountMinor,
            deal.Currency.Code, company?.Id, pipelineId, stage.Id, ownerId, userId, deal.CloseDate, deal.RenewalDate, "api", nowIso, deal.IsDraft));
        await DealSql.LinkPeopleAsync(connection, transaction, id, people.Concat(attached).Select(p => p.Id), nowIso);
        return new Created(await DealSql.FindCreatedAsync(connection, transaction, id), company, stage, people, attached);
    }

    public async Task<DealWrite> UpdateAsync(DbConnection connection, DbTransaction transaction, DealUpdateInput input, string prefix)
    {
        string F(string name) => prefix + name;
        var reference = Validate.Text(F("deal"), input.Deal, 200, "\"DEAL-001\"")
                        ?? throw CrmError.Invalid(F("deal"), "is required.", "a deal identifier, UUID or exact name, e.g. \"DEAL-001\"");
        var cleared = ClearFields.Read(input.Clear, Clearable, F("clear"));
        ClearFields.NotBoth(cleared, "amount", input.Amount, prefix);
        ClearFields.NotBoth(cleared, "company", input.CompanyName ?? input.CompanyId, prefix);
        ClearFields.NotBoth(cleared, "owner_id", input.OwnerId, prefix);
        ClearFields.NotBoth(cleared, "user_id", input.UserId, prefix);
        ClearFields.NotBoth(cleared, "expected_close_date", input.ExpectedCloseDate, prefix);
        ClearFields.NotBoth(cleared, "renewal_date", input.RenewalDate, prefix);
        var name = Validate.Text(F("name"), input.Name, 200, "\"Acme platform license\"");
        var newCurrency = input.Currency is null ? null : Currency.Parse(F("currency"), input.Currency);
        var closeDate = Validate.Date(F("expected_close_date"), input.ExpectedCloseDate);
        var renewal = Validate.Date(F("renewal_date"), input.RenewalDate);
        var personIds = Validate.Uuids(F("person_ids"), input.PersonIds);

        var id = await Lookup.DealIdAsync(connection, transaction, reference, F("deal"));
        var deal = await DealSql.LoadAsync(connection, transaction, id);
        var oldCurrency = Currency.FromStored(deal.Currency);
        var currency = newCurrency ?? oldCurrency;
        if (input.Amount is { } major)
            deal.AmountMinor = Money.ToMinor(F("amount"), major, currency);
        else if (deal.AmountMinor is { } minor && currency.Decimals != oldCurrency.Decimals)
            deal.AmountMinor = Money.ToMinor(F("currency"), (double)Money.ToMajor(minor, oldCurrency), currency);
        if (cleared.Contains("amount")) deal.AmountMinor = null;
        deal.Currency = currency.Code;

        ResolvedRecord? company = null;
        if (cleared.Contains("company")) deal.CompanyId = null;
        else if ((company = await resolver.ResolveCompanyAsync(connection, transaction, input.CompanyId, input.CompanyName, F("company_id"), F("company_name"),
                     domain: SharedDomain(input.People))) is not null
                 && company.Id != deal.CompanyId)
        {
            deal.CompanySortIndex = await DealSql.NextCompanySortIndexAsync(connection, transaction, company.Id);
            deal.CompanyId = company.Id;
        }

        ResolvedRecord? stage = null;
        if (input.StageId is not null)
            stage = (await resolver.ResolveStageAsync(connection, transaction, input.StageId, input.StageName, null, F("stage_id"), F("stage_name"))).Stage;
        else if (input.StageName is not null)
        {
            // A move never creates a stage: a misspelt name must not become a new column of the pipeline.
            var stageId = await Lookup.StageIdAsync(connection, transaction, Validate.Text(F("stage_name"), input.StageName, 100, "\"Proposal\"")!, F("stage_name"), deal.PipelineId);
            stage = new ResolvedRecord(false, stageId, (await DealSql.StageAsync(connection, transaction, stageId)).Name, MatchedBy.Name);
        }
        if (stage is not null && stage.Id != deal.StageId)
        {
            deal.PipelineId = (await DealSql.StageAsync(connection, transaction, stage.Id)).PipelineId;
            deal.OrderInStage = await DealSql.NextOrderInStageAsync(connection, transaction, stage.Id);
            deal.StageId = stage.Id;
        }

        var ownerId = await resolver.RequireUserAsync(connection, transaction, input.OwnerId, F("owner_id"));
        var userId = await resolver.RequireUserAsync(connection, transaction, input.UserId, F("user_id"));
        deal.OwnerId = cleared.Contains("owner_id") ? null : ownerId ?? deal.OwnerId;
        deal.UserId = cleared.Contains("user_id") ? null : userId ?? deal.UserId;
        deal.ExpectedCloseDate = cleared.Contains("expected_close_date") ? null : closeDate ?? deal.ExpectedCloseDate;
        deal.RenewalDate = cleared.Contains("renewal_date") ? null : renewal ?? deal.RenewalDate;
        deal.Name = name ?? deal.Name;
        deal.IsDraft = input.IsDraft ?? deal.IsDraft;
        var now = Clock.NowIso();
        deal.UpdatedAt = now;
        await DealSql.UpdateAsync(connection, transaction, deal);

        if (cleared.Contains("people")) await DealSql.UnlinkPeopleAsync(connection, transaction, id);
        var people = await ResolvePeopleAsync(connection, transaction, input.People, F("people"), deal.CompanyId);
        for (var i = 0; i < personIds.Count; i++)
            people.Add(await resolver.RequirePersonAsync(connection, transaction, personIds[i], F($"person_ids[{i}]")));
        await DealSql.LinkPeopleAsync(connection, transaction, id, people.Select(p => p.Id), now);
        return new DealWrite((await DealSql.FindAsync(connection, transaction, id))!, company, stage, people);
    }

    private async Task<List<ResolvedRecord>> ResolvePeopleAsync(
        DbConnection connection, DbTransaction transaction, PersonInput[]? people, string field, string? companyId)
    {
        var resolved = new List<ResolvedRecord>();
        for (var i = 0; i < (people?.Length ?? 0); i++)
            resolved.Add(await resolver.ResolvePersonAsync(connection, transaction, people![i] ?? new PersonInput(), $"{field}[{i}]", companyId));
        return resolved;
    }

    /// <summary>The next free identifier of a template; also used by `crm-mcp import`.</summary>
    internal static async Task<string> NextIdentifierAsync(DbConnection connection, DbTransaction transaction, IdentifierTemplate.Parsed template, string prefix = "")
    {
        // Two templates can render the same text ("D-{seq:1}" and "D-{seq:2}" both give D-10), so skip taken numbers.
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var candidate = template.Render(await DealSql.NextCounterAsync(connection, transaction, template.CounterName));
            if (!await DealSql.IdentifierExistsAsync(connection, transaction, candidate)) return candidate;
        }
        throw new CrmError(ErrorCodes.Conflict, prefix + "identifier_template", $"{prefix}identifier_template: every identifier tried is taken.", IdentifierTemplate.Form);
    }

    /// <summary>Re-labels a helper's error with the item prefix ("identifier_template" becomes "items[2].identifier_template").</summary>
    private static T Prefixed<T>(string prefix, Func<T> work)
    {
        try { return work(); }
        catch (CrmError error) when (prefix.Length > 0)
        {
            throw new CrmError(error.Code, prefix + error.Field, prefix + error.Message, error.Expected) { Candidates = error.Candidates };
        }
    }

    /// <summary>The employer domain all the people's work emails agree on, if any: evidence for which company is meant.</summary>
    private static string? SharedDomain(PersonInput[]? people)
    {
        var domains = (people ?? []).Select(p => Domains.FromEmail(p?.Email)).Where(d => d is not null).Distinct().ToList();
        return domains.Count == 1 ? domains[0] : null;
    }
}
