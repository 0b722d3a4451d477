using Crm.Mcp.Features.Completions;
using Crm.Mcp.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Tests.Features.Completions;

/// <summary>completion/complete through the real client: prompt arguments and resource templates complete from the data.</summary>
public sealed class CompletionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<Completion> PromptAsync(TestServer server, string prompt, string argument, string value) =>
        (await server.Client.CompleteAsync(new PromptReference { Name = prompt }, argument, value, cancellationToken: Ct)).Completion;

    private static async Task<Completion> TemplateAsync(TestServer server, string uri, string value) =>
        (await server.Client.CompleteAsync(new ResourceTemplateReference { Uri = uri }, "id", value, cancellationToken: Ct)).Completion;

    private static async Task SeedAsync(TestServer server)
    {
        await server.CallOkAsync("create_companies", new
        {
            items = new object[] { new { name = "Acme, Inc." }, new { name = "Acme Robotics" }, new { name = "Globex" }, new { name = "Initech" } },
        });
        await server.CallOkAsync("create_contacts", new
        {
            items = new object[]
            {
                new { name = "Jane Founder", email = "jane@acme.com", company_name = "Acme, Inc." },
                new { name = "Janet Doe", email = "janet@globex.com" },
                new { name = "Bob Builder", email = "bob@initech.com" },
            },
        });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Acme, Inc.", amount = 1000 });
        await server.CallOkAsync("create_deal_draft", new { company_name = "Globex", amount = 2000 });
    }

    [Fact]
    public async Task The_server_declares_completions()
    {
        await using var server = await TestServer.StartAsync();
        Assert.NotNull(server.Client.ServerCapabilities.Completions);
    }

    [Fact]
    public async Task A_company_argument_completes_by_prefix_ignoring_case_and_punctuation()
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server);
        Assert.Equal(["Acme Robotics", "Acme, Inc."], (await PromptAsync(server, "prepare_for_call", "company", "ACME")).Values.Order());
        Assert.Equal(["Globex"], (await PromptAsync(server, "log_meeting", "company", "glo")).Values);
        var all = await PromptAsync(server, "prepare_for_call", "company", "");
        Assert.Equal(4, all.Values.Count);
        Assert.False(all.HasMore);
    }

    [Fact]
    public async Task A_typo_completes_to_the_near_name()
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server);
        Assert.Contains("Initech", (await PromptAsync(server, "prepare_for_call", "company", "Intech")).Values);
        Assert.Contains("bob@initech.com", (await PromptAsync(server, "prepare_for_call", "contact", "Bob Biulder")).Values);
    }

    [Fact]
    public async Task A_contact_completes_to_emails_by_name_or_email_prefix()
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server);
        Assert.Equal(["jane@acme.com", "janet@globex.com"], (await PromptAsync(server, "prepare_for_call", "contact", "Jan")).Values.Order());
        Assert.Equal(["janet@globex.com"], (await PromptAsync(server, "prepare_for_call", "contact", "JANET@")).Values);
        Assert.Equal(["bob@initech.com"], (await TemplateAsync(server, "crm://contacts/{id}", "bob")).Values);
    }

    [Fact]
    public async Task A_deal_completes_to_identifiers_by_identifier_or_company()
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server);
        Assert.Equal(["DEAL-001", "DEAL-002"], (await PromptAsync(server, "log_meeting", "deal", "deal-00")).Values.Order());
        Assert.Equal(["DEAL-002"], (await TemplateAsync(server, "crm://deals/{id}", "Globex")).Values);
        Assert.Equal(["Acme Robotics", "Acme, Inc."], (await TemplateAsync(server, "crm://companies/{id}", "acme")).Values.Order());
    }

    [Fact]
    public async Task Pipelines_complete_and_at_most_ten_values_come_back()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(["Sales"], (await PromptAsync(server, "forecast", "pipeline", "s")).Values);
        Assert.Equal(["Sales"], (await PromptAsync(server, "pipeline_review", "pipeline", "")).Values);

        await server.CallOkAsync("create_companies", new { items = Enumerable.Range(1, 15).Select(i => new { name = $"Zeta {i:00}" }).ToArray() });
        var many = await PromptAsync(server, "prepare_for_call", "company", "zeta");
        Assert.Equal(CrmCompletions.MaxValues, many.Values.Count);
        Assert.True(many.HasMore);
        Assert.Equal("Zeta 01", many.Values[0]);
    }

    [Fact]
    public async Task Arguments_that_name_no_record_complete_to_nothing_and_an_unknown_prompt_is_refused_as_empty()
    {
        await using var server = await TestServer.StartAsync();
        await SeedAsync(server);
        Assert.Empty((await PromptAsync(server, "log_meeting", "conversation", "a")).Values);
        Assert.Empty((await PromptAsync(server, "no_such_prompt", "company", "a")).Values);
        Assert.Empty((await PromptAsync(server, "prepare_for_call", "company", new string('a', 500))).Values);
    }

    /// <summary>The table of completable arguments is the prompts' and templates' record arguments, all of them.</summary>
    [Fact]
    public async Task Every_prompt_argument_and_template_that_names_a_record_completes()
    {
        await using var server = await TestServer.StartAsync();
        var prompts = await server.Client.ListPromptsAsync(cancellationToken: Ct);
        var recordArguments = prompts.SelectMany(p => (p.ProtocolPrompt.Arguments ?? []).Select(a => (Prompt: p.Name, Argument: a.Name)))
            .Where(a => a.Argument is "company" or "contact" or "deal" or "pipeline" or "stage" or "owner")
            .Order().ToList();
        Assert.Equal(recordArguments, CrmCompletions.PromptArguments.Keys.Order());
        var templates = await server.Client.ListResourceTemplatesAsync(cancellationToken: Ct);
        Assert.Equal(templates.Where(t => t.UriTemplate.EndsWith("{id}", StringComparison.Ordinal)).Select(t => t.UriTemplate).Order(),
            CrmCompletions.ResourceTemplates.Keys.Order());
    }
}
