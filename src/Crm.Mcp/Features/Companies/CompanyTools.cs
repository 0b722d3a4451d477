using System.ComponentModel;
using System.Data.Common;
using System.Text.RegularExpressions;
using Crm.Mcp.Bulk;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Companies;

[McpServerToolType]
public sealed partial class CompanyTools(CrmDb db, Resolver resolver, FieldRegistry fieldRegistry)
{
    private static readonly string[] Clearable = ["domain", "website", "phone", "industry", "logo", "owner_id"];

    [McpServerTool(Name = "create_companies", Title = "Create companies", ReadOnly = false, Destructive = false,
        Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Creates]
    [Description("""
        Create 1 to 100 companies; a name already taken (ignoring case and legal suffixes) is an error naming that company.
        Example: {"items": [{"name": "Acme, Inc.", "website": "https://acme.com", "industry": "Software"}]}
        """)]
    public Task<BulkResponse<UpsertedRecord>> CreateCompanies(
        [Description("Companies to create.")] CompanyInput[] items,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        [Description("true: an item whose domain is one company's updates it.")] bool? upsert = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.RunAsync(db, items, atomic, progress, async (connection, transaction, item, path) =>
        {
            item ??= new CompanyInput();
            var name = Validate.Text($"{path}.name", item.Name, 200, "\"Acme, Inc.\"");
            var website = Website($"{path}.website", item.Website);
            var domain = Domain($"{path}.domain", item.Domain) ?? Domain($"{path}.website", website);
            if (upsert == true && domain is not null && await CompanySql.FindByDomainAsync(connection, transaction, domain) is { Count: > 0 } owners)
            {
                if (owners.Count > 1)
                    throw new CrmError(ErrorCodes.NeedsDisambiguation, $"{path}.domain",
                        $"{path}.domain: {domain} belongs to {owners.Count} companies; upsert needs one.", "create_companies without upsert, or update_companies naming the company")
                    {
                        Candidates = [.. owners.Select(o => new Candidate(o.Id, o.Name, null, 1.0, "same domain", o.Domain))],
                    };
                var updated = await ApplyAsync(connection, transaction, owners[0].Id, new CompanyUpdateInput
                {
                    Name = name, Website = item.Website, Phone = item.Phone, Industry = item.Industry, Logo = item.Logo, OwnerId = item.OwnerId,
                }, path + ".");
                return new UpsertedRecord(updated.Id, updated.Name, true);
            }
            if (name is null) throw CrmError.Invalid($"{path}.name", "is required.", "a company name such as \"Acme, Inc.\"");
            var now = Clock.NowIso();
            var row = new CompanySql.CompanyRow
            {
                Id = Ids.New(), Name = name, NameKey = Key($"{path}.name", name),
                Domain = domain, Website = website, Logo = Website($"{path}.logo", item.Logo),
                Phone = Validate.Text($"{path}.phone", item.Phone, 50, "\"+1 415 555 0100\""),
                Industry = Validate.Text($"{path}.industry", item.Industry, 100, "\"Software\""),
                Notes = Validate.Text($"{path}.notes", item.Notes, 20000),
                OwnerId = await resolver.RequireUserAsync(connection, transaction, item.OwnerId, $"{path}.owner_id"),
                CreatedAt = now, UpdatedAt = now,
            };
            if (!await CompanySql.InsertAsync(connection, transaction, row))
                throw await TakenAsync(connection, transaction, row.NameKey, null, $"{path}.name", name);
            return new UpsertedRecord(row.Id, row.Name);
        }, cancellationToken,
        // Keyed without keys: the unique name index settles a race (the loser's insert waits for the winner's commit, then
        // reports the name as taken). An upsert may rename the company it finds: not keyed, it writes alone.
        keysOf: upsert == true ? null : (keys, _) => keys);

    [McpServerTool(Name = "get_companies", Title = "List companies", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("List companies, by name unless sorted. Example: {\"filters\": [{\"field\": \"industry\", \"op\": \"equals\", \"value\": \"Software\"}]}")]
    public Task<ListReply> GetCompanies(
        [Description(ListDocs.Filters)] Filter[]? filters = null,
        [Description(ListDocs.Search)] string? search = null,
        [Description(ListDocs.Sort)] SortInput[]? sort = null,
        [Description(ListDocs.Limit)] int? limit = null,
        [Description(ListDocs.Cursor)] string? cursor = null,
        [Description(ListDocs.Fields)] string[]? fields = null,
        [Description(ListDocs.View)] string? view = null,
        CancellationToken cancellationToken = default) =>
        ListTool.RunAsync(db, fieldRegistry, CompanyItems.Kind, new ListRequest(filters, search, sort, limit, cursor), fields, view, null, cancellationToken);

    [McpServerTool(Name = "get_company", Title = "Get company", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("Get one company by UUID or name, with up to 50 contacts and 50 deals. Example: {\"company\": \"Acme\"}")]
    public async Task<CompanyDetailResponse> GetCompany(
        [Description("Name or UUID, e.g. \"Acme, Inc.\" (matches \"acme\").")] string company,
        CancellationToken cancellationToken = default)
    {
        var key = Required("company", company);
        return await db.ReadAsync(async (connection, transaction) =>
        {
            var id = await Lookup.CompanyIdAsync(connection, transaction, key, "company");
            return new CompanyDetailResponse(await CompanySql.DetailAsync(connection, transaction, id), true);
        }, cancellationToken);
    }

    [McpServerTool(Name = "update_company", Title = "Update company", ReadOnly = false, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("Change a company's fields; omitted arguments stay, `clear` empties fields. Example: {\"company\": \"Acme\", \"industry\": \"Robotics\", \"clear\": [\"phone\"]}")]
    public async Task<CompanyResponse> UpdateCompany(
        [Description("Name or UUID.")] string company,
        [Description("New name.")] string? name = null,
        [Description("Domain or URL, kept as the host, e.g. \"acme.com\".")] string? domain = null,
        [Description("Website URL.")] string? website = null,
        [Description("Phone number.")] string? phone = null,
        [Description("E.g. \"Software\".")] string? industry = null,
        [Description("Logo URL.")] string? logo = null,
        [Description("Owner's user UUID.")] string? owner_id = null,
        [Description(ClearFields.Doc)] string[]? clear = null,
        CancellationToken cancellationToken = default)
    {
        var input = new CompanyUpdateInput
        {
            Company = company, Name = name, Domain = domain, Website = website, Phone = phone, Industry = industry, Logo = logo,
            OwnerId = owner_id, Clear = clear,
        };
        return new CompanyResponse(await db.WriteAsync((connection, transaction) => UpdateAsync(connection, transaction, input, ""), cancellationToken), true);
    }

    [Toolset("bulk")]
    [ItemsLike("update_company")]
    [McpServerTool(Name = "update_companies", Title = "Update companies", ReadOnly = false, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Change 1 to 100 companies.
        Example: {"items": [{"company": "Acme", "industry": "Robotics"}, {"company": "Globex", "clear": ["phone"]}]}
        """)]
    public Task<BulkResponse<BulkRecord>> UpdateCompanies(
        [Description("Changes, one per company.")] CompanyUpdateInput[] items,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.UpdateAsync(db, items, atomic, progress, async (connection, transaction, item, prefix) =>
        {
            var written = await UpdateAsync(connection, transaction, item, prefix);
            return new BulkRecord(written.Id, written.Name);
        }, cancellationToken);

    /// <summary>update_company and update_companies alike; field names in errors carry <paramref name="prefix"/>.</summary>
    private async Task<CompanyView> UpdateAsync(DbConnection connection, DbTransaction transaction, CompanyUpdateInput input, string prefix)
    {
        var key = Required(prefix + "company", input.Company);
        return await ApplyAsync(connection, transaction, await Lookup.CompanyIdAsync(connection, transaction, key, prefix + "company"), input, prefix);
    }

    /// <summary>Writes <paramref name="input"/>'s fields onto the company <paramref name="id"/>: omitted fields stay.</summary>
    private async Task<CompanyView> ApplyAsync(DbConnection connection, DbTransaction transaction, string id, CompanyUpdateInput input, string prefix)
    {
        string F(string name) => prefix + name;
        var cleared = ClearFields.Read(input.Clear, Clearable, F("clear"));
        foreach (var (field, value) in new (string, object?)[] { ("domain", input.Domain), ("website", input.Website), ("phone", input.Phone), ("industry", input.Industry), ("logo", input.Logo), ("owner_id", input.OwnerId) })
            ClearFields.NotBoth(cleared, field, value, prefix);
        var newName = Validate.Text(F("name"), input.Name, 200, "\"Acme Robotics\"");
        var newDomain = Domain(F("domain"), input.Domain);
        var newWebsite = Website(F("website"), input.Website);
        var newLogo = Website(F("logo"), input.Logo);
        var newPhone = Validate.Text(F("phone"), input.Phone, 50, "\"+1 415 555 0100\"");
        var newIndustry = Validate.Text(F("industry"), input.Industry, 100, "\"Software\"");

        var row = (await CompanySql.FindAsync(connection, transaction, id))!;
        if (newName is not null)
        {
            var nameKey = Key(F("name"), newName);
            if (await CompanySql.FindByKeyAsync(connection, transaction, nameKey, id) is not null)
                throw await TakenAsync(connection, transaction, nameKey, id, F("name"), newName);
            row.Name = newName;
            row.NameKey = nameKey;
        }
        var ownerId = await resolver.RequireUserAsync(connection, transaction, input.OwnerId, F("owner_id"));
        row.Domain = cleared.Contains("domain") ? null : newDomain ?? row.Domain;
        row.Website = cleared.Contains("website") ? null : newWebsite ?? row.Website;
        row.Logo = cleared.Contains("logo") ? null : newLogo ?? row.Logo;
        row.Phone = cleared.Contains("phone") ? null : newPhone ?? row.Phone;
        row.Industry = cleared.Contains("industry") ? null : newIndustry ?? row.Industry;
        row.OwnerId = cleared.Contains("owner_id") ? null : ownerId ?? row.OwnerId;
        row.UpdatedAt = Clock.NowIso();
        await CompanySql.UpdateAsync(connection, transaction, row);
        return await CompanySql.ViewAsync(connection, transaction, row.Id);
    }

    [Toolset("destructive")]
    [McpServerTool(Name = "delete_companies", Title = "Delete companies", ReadOnly = false, Destructive = true, Idempotent = false,
        OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("Permanently delete 1 to 100 companies by name or UUID: irreversible. Their deals and contacts stay, unlinked. Example: {\"companies\": [\"Acme, Inc.\"]}")]
    public Task<BulkResponse<BulkRecord>> DeleteCompanies(
        [Description("Company names or UUIDs.")] string[] companies,
        [Description(BulkWrite.AtomicDoc)] bool? atomic = null,
        IProgress<ProgressNotificationValue>? progress = null,
        CancellationToken cancellationToken = default) =>
        BulkWrite.DeleteAsync(db, "companies", companies, "[\"Acme, Inc.\"]", atomic, progress, async (connection, transaction, reference, path) =>
        {
            var id = await Lookup.CompanyIdAsync(connection, transaction, Required(path, reference), path);
            var row = (await CompanySql.FindAsync(connection, transaction, id))!;
            await CompanySql.DeleteAsync(connection, transaction, id);
            return new BulkRecord(id, row.Name);
        }, cancellationToken);

    private static string Required(string field, string? value) =>
        Validate.RequiredText(field, value, 200, "a company name or UUID, e.g. \"Acme, Inc.\"");

    private static string Key(string field, string name)
    {
        var key = NameKeys.Company(name);
        return key.Length > 0 ? key : throw CrmError.Invalid(field, $"'{name}' has no letters or digits.", "a company name such as \"Acme, Inc.\"");
    }

    private static async Task<CrmError> TakenAsync(DbConnection connection, DbTransaction transaction, string nameKey, string? exceptId, string field, string name)
    {
        var other = await CompanySql.FindByKeyAsync(connection, transaction, nameKey, exceptId);
        return new CrmError(ErrorCodes.Conflict, field,
            $"{field}: '{name}' is taken by the company '{other?.Name}' ({other?.Id}); names match ignoring case and legal suffixes.",
            "a different name, or update/use the existing company")
        {
            Candidates = other is null ? null : [new Candidate(other.Id, other.Name, null, 1.0, "same name")],
        };
    }

    [GeneratedRegex(@"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")]
    private static partial Regex DomainPattern();

    /// <summary>"https://www.Acme.com/about" and "acme.com" are both stored as "acme.com".</summary>
    internal static string? Domain(string field, string? value)
    {
        var text = Validate.Text(field, value, 300, "\"acme.com\"");
        if (text is null) return null;
        var host = text.Contains("://") && Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri.Host : text.Split('/', '?', '#')[0].Split(':')[0];
        host = host.ToLowerInvariant();
        if (host.StartsWith("www.", StringComparison.Ordinal)) host = host[4..];
        return DomainPattern().IsMatch(host) ? host : throw CrmError.Invalid(field, $"'{Validate.Shorten(text)}' is not a domain.", "a domain such as \"acme.com\" or a URL such as \"https://acme.com\"");
    }

    /// <summary>An http(s) URL; "acme.com" becomes "https://acme.com".</summary>
    internal static string? Website(string field, string? value)
    {
        var text = Validate.Text(field, value, 500, "\"https://acme.com\"");
        if (text is null) return null;
        var withScheme = text.Contains("://") ? text : "https://" + text;
        return Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Contains('.')
            ? uri.ToString().TrimEnd('/')
            : throw CrmError.Invalid(field, $"'{Validate.Shorten(text)}' is not a web address.", "a URL such as \"https://acme.com\"");
    }
}
