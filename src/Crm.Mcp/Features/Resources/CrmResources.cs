using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Companies;
using Crm.Mcp.Features.Contacts;
using Crm.Mcp.Features.Deals;
using Crm.Mcp.Features.Pipelines;
using Crm.Mcp.Resolution;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Resources;

/// <summary>
/// Records as MCP resources, for clients that attach context instead of calling tools: the same JSON the get_ tools
/// return. A record that does not exist is a protocol error (InvalidParams) naming the URI and the accepted form.
/// </summary>
[McpServerResourceType]
public sealed class CrmResources(CrmDb db)
{
    public const string Mime = "application/json";

    [McpServerResource(UriTemplate = "crm://deals/{id}", Name = "deal", Title = "Deal", MimeType = Mime)]
    [Description("A deal as get_deal returns it (company, stage, people, totals, custom fields), by UUID or identifier, e.g. crm://deals/DEAL-001.")]
    public async Task<ResourceContents> Deal(string id, CancellationToken cancellationToken)
    {
        var key = Uri.UnescapeDataString(id);
        var deal = await db.ReadAsync((connection, transaction) => DealSql.FindAsync(connection, transaction, key), cancellationToken);
        return Json($"crm://deals/{id}", deal ?? throw Missing($"crm://deals/{id}", "a deal UUID or identifier, e.g. crm://deals/DEAL-001"));
    }

    [McpServerResource(UriTemplate = "crm://companies/{id}", Name = "company", Title = "Company", MimeType = Mime)]
    [Description("A company as get_company returns it, with up to 50 contacts and deals, by UUID or name, e.g. crm://companies/Acme.")]
    public async Task<ResourceContents> Company(string id, CancellationToken cancellationToken)
    {
        var key = Uri.UnescapeDataString(id);
        var detail = await db.ReadAsync(async (connection, transaction) =>
        {
            string companyId;
            try { companyId = await Lookup.CompanyIdAsync(connection, transaction, key, "id"); }
            catch (CrmError) { return null; }
            return await CompanySql.DetailAsync(connection, transaction, companyId);
        }, cancellationToken);
        return Json($"crm://companies/{id}", detail ?? throw Missing($"crm://companies/{id}", "a company UUID or name, e.g. crm://companies/Acme"));
    }

    [McpServerResource(UriTemplate = "crm://contacts/{id}", Name = "contact", Title = "Contact", MimeType = Mime)]
    [Description("A contact as get_contact returns it, with companies and up to 50 deals, by UUID, email or full name, e.g. crm://contacts/jane@acme.com.")]
    public async Task<ResourceContents> Contact(string id, CancellationToken cancellationToken)
    {
        var key = Uri.UnescapeDataString(id);
        var detail = await db.ReadAsync(async (connection, transaction) =>
        {
            string contactId;
            try { contactId = await Lookup.PersonIdAsync(connection, transaction, key, "id"); }
            catch (CrmError) { return null; }
            return await ContactSql.DetailAsync(connection, transaction, contactId);
        }, cancellationToken);
        return Json($"crm://contacts/{id}", detail ?? throw Missing($"crm://contacts/{id}", "a contact UUID, email or full name, e.g. crm://contacts/jane@acme.com"));
    }

    [McpServerResource(UriTemplate = "crm://pipeline", Name = "pipeline", Title = "Pipeline", MimeType = Mime)]
    [Description("Every pipeline with its stages in order, deal counts and amounts per stage and currency (drafts included), as get_pipelines returns them.")]
    public async Task<ResourceContents> Pipeline(CancellationToken cancellationToken)
    {
        var pipelines = await db.ReadAsync((connection, transaction) => PipelineSql.ViewsAsync(connection, transaction, null, includeDrafts: true), cancellationToken);
        return Json("crm://pipeline", pipelines);
    }

    private static TextResourceContents Json<T>(string uri, T value) =>
        new() { Uri = uri, MimeType = Mime, Text = CrmJson.Serialize(value) };

    private static McpProtocolException Missing(string uri, string expected) =>
        new($"No record at {uri}; expected {expected}.", McpErrorCode.InvalidParams);
}
