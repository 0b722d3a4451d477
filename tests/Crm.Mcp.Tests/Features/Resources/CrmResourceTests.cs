using System.Text.Json;
using Crm.Mcp.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Tests.Features.Resources;

public sealed class CrmResourceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> ReadJson(TestServer server, string uri)
    {
        var result = await server.Client.ReadResourceAsync(uri, cancellationToken: Ct);
        var text = Assert.IsType<TextResourceContents>(Assert.Single(result.Contents));
        Assert.Equal("application/json", text.MimeType);
        return JsonDocument.Parse(text.Text).RootElement;
    }

    [Fact]
    public async Task Templates_and_the_pipeline_resource_are_listed()
    {
        await using var server = await TestServer.StartAsync();
        var templates = await server.Client.ListResourceTemplatesAsync(cancellationToken: Ct);
        Assert.Equal(["crm://companies/{id}", "crm://contacts/{id}", "crm://deals/{id}"], templates.Select(t => t.UriTemplate).Order());
        Assert.All(templates, t => Assert.False(string.IsNullOrWhiteSpace(t.Description)));
        var resources = await server.Client.ListResourcesAsync(cancellationToken: Ct);
        Assert.Equal(["crm://pipeline", "ui://crm/pipeline-board"], resources.Select(r => r.Uri).Order());
    }

    [Fact]
    public async Task A_deal_reads_by_identifier_or_id_as_get_deal_returns_it()
    {
        await using var server = await TestServer.StartAsync();
        var created = (await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 5000 })).GetProperty("data").GetProperty("deal");
        var fromTool = (await server.CallOkAsync("get_deal", new { deal = "DEAL-001" })).GetProperty("data");

        Assert.Equal(fromTool.GetRawText(), (await ReadJson(server, "crm://deals/DEAL-001")).GetRawText());
        Assert.Equal(fromTool.GetRawText(), (await ReadJson(server, $"crm://deals/{created.GetProperty("id").GetString()}")).GetRawText());
    }

    [Fact]
    public async Task A_company_reads_by_name_with_its_deals_and_contacts()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme, Inc.", people = new[] { new { name = "Jane Founder", email = "jane@acme.com" } } });
        var company = await ReadJson(server, "crm://companies/acme");
        Assert.Equal("Acme, Inc.", company.GetProperty("company").GetProperty("name").GetString());
        Assert.Equal("DEAL-001", company.GetProperty("deals")[0].GetProperty("identifier").GetString());
        Assert.Equal("Jane Founder", company.GetProperty("contacts")[0].GetProperty("name").GetString());
        var byId = await ReadJson(server, $"crm://companies/{company.GetProperty("company").GetProperty("id").GetString()}");
        Assert.Equal(company.GetRawText(), byId.GetRawText());

        var contact = await ReadJson(server, "crm://contacts/JANE@acme.com");
        Assert.Equal((await server.CallOkAsync("get_contact", new { contact = "jane@acme.com" })).GetProperty("data").GetRawText(), contact.GetRawText());
    }

    [Fact]
    public async Task The_pipeline_has_stages_in_order_with_counts()
    {
        await using var server = await TestServer.StartAsync();
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme", amount = 1000, stage_name = "Proposal" });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex", amount = 2500, stage_name = "Proposal" });
        var pipeline = (await ReadJson(server, "crm://pipeline"))[0];
        Assert.Equal(["Qualified", "Discovery", "Proposal", "Negotiation", "Closed Won", "Closed Lost"],
            pipeline.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        var proposal = pipeline.GetProperty("stages")[2];
        Assert.Equal(2, proposal.GetProperty("deal_count").GetInt64());
        Assert.Equal("350000", proposal.GetProperty("totals")[0].GetProperty("amount").GetString());
    }

    [Theory]
    [InlineData("crm://deals/DEAL-404")]
    [InlineData("crm://companies/Nobody%20Inc")]
    [InlineData("crm://contacts/nobody@nowhere.example")]
    [InlineData("crm://widgets/1")]
    public async Task A_missing_record_is_a_protocol_error_naming_the_uri(string uri)
    {
        await using var server = await TestServer.StartAsync();
        var error = await Assert.ThrowsAsync<McpProtocolException>(() => server.Client.ReadResourceAsync(uri, cancellationToken: Ct).AsTask());
        Assert.Contains(uri.Split('/')[2], error.Message);
    }
}
