using System.Data.Common;
using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Hosting;
using Crm.Mcp.Features.Tasks;
using Crm.Mcp.Resolution;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Links;

/// <summary>
/// Links between records: deal–contact, deal–company (a deal has at most one company), contact–company, and a task
/// with a deal, company or contact. Both tools are idempotent: each target reports whether it changed anything.
/// </summary>
[McpServerToolType]
public sealed class LinkTools(CrmDb db)
{
    private const string PairsForm = "one of the pairs deal–contact, deal–company, contact–company, task–deal, task–company, task–contact (either order)";
    private static readonly string[] TypeOrder = ["task", "deal", "contact", "company"];

    [McpServerTool(Name = "link_entities", Title = "Link records", ReadOnly = false, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Link one record to 1 to 100 records of another type, found by id or name (never created), all or nothing; what is
        already linked is changed: false. A deal has one company.
        Example: {"from_type": "deal", "from": "DEAL-001", "to_type": "contact", "to": ["jane@acme.com", "Bob Buyer"]}
        """)]
    public Task<LinkResponse> LinkEntities(
        [Description("deal, company, contact or task.")] string from_type,
        [Description(EntityLookup.RecordDoc)] string from,
        [Description("deal, company, contact or task; a different type than from_type.")] string to_type,
        [Description("1 to 100 records of to_type, referred to like from, e.g. [\"jane@acme.com\"].")] string[] to,
        CancellationToken cancellationToken = default) =>
        ApplyAsync(link: true, from_type, from, to_type, to, cancellationToken);

    [McpServerTool(Name = "unlink_entities", Title = "Unlink records", ReadOnly = false, Destructive = false,
        Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [DryRun]
    [Description("""
        Remove links between one record and 1 to 100 records of another type, all or nothing; the records stay, and what
        is not linked is changed: false.
        Example: {"from_type": "contact", "from": "jane@acme.com", "to_type": "company", "to": ["Acme"]}
        """)]
    public Task<LinkResponse> UnlinkEntities(
        [Description("deal, company, contact or task.")] string from_type,
        [Description(EntityLookup.RecordDoc)] string from,
        [Description("deal, company, contact or task; a different type than from_type.")] string to_type,
        [Description("1 to 100 records of to_type, referred to like from, e.g. [\"Acme\"].")] string[] to,
        CancellationToken cancellationToken = default) =>
        ApplyAsync(link: false, from_type, from, to_type, to, cancellationToken);

    private async Task<LinkResponse> ApplyAsync(bool link, string fromType, string from, string toType, string[] to, CancellationToken cancellationToken)
    {
        var sourceType = EntityType("from_type", fromType);
        var targetType = EntityType("to_type", toType);
        if (sourceType == targetType)
            throw CrmError.Invalid("to_type", $"{sourceType}–{targetType} links are not supported.", PairsForm);
        if (to is null || to.Length is 0 or > 100)
            throw CrmError.Invalid("to", $"has {to?.Length ?? 0} items.", $"1 to 100 {targetType} references, e.g. [\"{Example(targetType)}\"]");
        var pair = string.Join('-', new[] { sourceType, targetType }.OrderBy(t => Array.IndexOf(TypeOrder, t)));

        return await db.WriteAsync(async (connection, transaction) =>
        {
            var source = await FindAsync(connection, transaction, sourceType, from, "from");
            var now = Clock.NowIso();
            var results = new List<LinkOutcome>();
            for (var i = 0; i < to.Length; i++)
            {
                var target = await FindAsync(connection, transaction, targetType, to[i], $"to[{i}]");
                var ordered = new[] { source, target }.OrderBy(e => Array.IndexOf(TypeOrder, e.Type)).ToArray();
                var changed = await ChangeAsync(connection, transaction, link, ordered[0], ordered[1], $"to[{i}]", now);
                results.Add(new LinkOutcome(target, changed));
            }
            return new LinkResponse(new LinkResult(pair, source, results, results.Count(r => r.Changed)), true);
        }, cancellationToken);
    }

    /// <summary>Adds or removes one link; <paramref name="a"/> comes first in task, deal, contact, company order.</summary>
    private static async Task<bool> ChangeAsync(DbConnection connection, DbTransaction transaction, bool link, EntityRef a, EntityRef b, string field, string now)
    {
        switch (a.Type, b.Type)
        {
            case ("task", _):
                return link ? await TaskSql.LinkAsync(connection, transaction, a.Id, b, now) : await TaskSql.UnlinkAsync(connection, transaction, a.Id, b);
            case ("deal", "contact"):
                var changed = link
                    ? await LinkSql.LinkDealContactAsync(connection, transaction, a.Id, b.Id, now)
                    : await LinkSql.UnlinkDealContactAsync(connection, transaction, a.Id, b.Id);
                if (changed) await LinkSql.TouchDealAsync(connection, transaction, a.Id, now);
                return changed;
            case ("deal", "company"):
                var current = await LinkSql.DealCompanyAsync(connection, transaction, a.Id);
                if (link)
                {
                    if (current.CompanyId == b.Id) return false;
                    if (current.CompanyId is not null)
                        throw new CrmError(ErrorCodes.Conflict, field,
                            $"{field}: deal '{a.Name}' already belongs to company '{current.CompanyName}'; a deal has one company.",
                            $"unlink_entities the deal from '{current.CompanyName}' first, then link '{b.Name}'");
                    await LinkSql.SetDealCompanyAsync(connection, transaction, a.Id, b.Id, now);
                    return true;
                }
                if (current.CompanyId != b.Id) return false;
                await LinkSql.SetDealCompanyAsync(connection, transaction, a.Id, null, now);
                return true;
            case ("contact", "company"):
                return link
                    ? await LinkSql.LinkContactCompanyAsync(connection, transaction, a.Id, b.Id, now)
                    : await LinkSql.UnlinkContactCompanyAsync(connection, transaction, a.Id, b.Id);
            default:
                throw CrmError.Invalid("to_type", $"{a.Type}–{b.Type} links are not supported.", PairsForm);
        }
    }

    private static Task<EntityRef> FindAsync(DbConnection connection, DbTransaction transaction, string type, string reference, string field) => type switch
    {
        "deal" => EntityLookup.DealAsync(connection, transaction, reference, field),
        "company" => EntityLookup.CompanyAsync(connection, transaction, reference, field),
        "contact" => EntityLookup.ContactAsync(connection, transaction, reference, field),
        _ => EntityLookup.TaskAsync(connection, transaction, reference, field),
    };

    private static string EntityType(string field, string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "deal" or "deals" => "deal",
        "company" or "companies" or "organization" or "organisation" => "company",
        "contact" or "contacts" or "person" or "people" => "contact",
        "task" or "tasks" => "task",
        _ => throw CrmError.Invalid(field, $"'{Validate.Shorten(value ?? "")}' is not a record type that can be linked.", "deal, company, contact or task"),
    };

    private static string Example(string type) => type switch
    {
        "deal" => "DEAL-001",
        "company" => "Acme, Inc.",
        "contact" => "jane@acme.com",
        _ => "0f8e2c1a-3b4d-4e5f-8a6b-7c8d9e0f1a2b",
    };
}
