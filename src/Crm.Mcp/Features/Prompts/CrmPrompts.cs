using System.ComponentModel;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Features.Companies;
using Crm.Mcp.Features.Pipelines;
using Crm.Mcp.Resolution;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Prompts;

/// <summary>
/// Ready-made workflows a user picks from the client's prompt menu. Each names the exact tools to call (a test checks
/// every `tool_name` in backticks exists) and embeds the current data it starts from, so the model needs no
/// lookup round-trip to begin.
/// </summary>
[McpServerPromptType]
public sealed class CrmPrompts(CrmDb db)
{
    [McpServerPrompt(Name = "pipeline_review", Title = "Pipeline review")]
    [Description("Review the sales pipeline: stage health, stalled and overdue deals, deals without a next step, and a short forecast.")]
    public async Task<IEnumerable<PromptMessage>> PipelineReview(
        [Description("Pipeline name; default: every pipeline.")] string? pipeline = null,
        [Description("What to focus on, e.g. \"deals closing this quarter\" or \"Dana's deals\".")] string? focus = null,
        CancellationToken cancellationToken = default)
    {
        var pipelines = await Checked(() => db.ReadAsync(async (connection, transaction) =>
        {
            var only = pipeline is null ? null : (await PipelineSql.ResolvePipelineAsync(connection, transaction, pipeline)).Id;
            return await PipelineSql.ViewsAsync(connection, transaction, only, includeDrafts: true);
        }, cancellationToken));
        var today = Clock.Time.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        return
        [
            Resource("crm://pipeline", CrmJson.Serialize(pipelines)),
            Text($$"""
                Review this sales pipeline as a sales manager would (today is {{today}}){{(focus is null ? "" : $", focusing on: {focus}")}}.
                The attached JSON has every stage with its deal count and amounts per currency (drafts included).

                1. Stage health: where is the value concentrated, and which stages look thin or swollen?
                2. Overdue: call `get_deals` with filters [{"field": "stage_kind", "op": "equals", "value": "open"},
                   {"field": "expected_close_date", "op": "lt", "value": "{{today}}"}], sorted by amount descending.
                3. Stalled: open deals not updated for 14 days or more (filter updated_at lt the date 14 days ago).
                4. No next step: for the largest open deals, call `get_tasks` with {"deal": "<identifier>"}; a deal without an
                   open task has no next step.
                5. Forecast: sum open amounts per stage and weigh later stages higher; never add different currencies.

                Answer with a short summary, then a table of the deals needing attention (identifier, name, company, stage,
                amount, why) and a recommended action for each. Offer to create the follow-up tasks with `create_tasks`.
                """),
        ];
    }

    [McpServerPrompt(Name = "log_meeting", Title = "Log a meeting")]
    [Description("Turn meeting notes or a call transcript into a meeting record with a Markdown summary plus follow-up tasks, linked to the right company, deal and contacts.")]
    public IEnumerable<PromptMessage> LogMeeting(
        [Description("The conversation: notes, transcript or a summary, as pasted by the user.")] string conversation,
        [Description("Company the meeting was with, e.g. \"Acme, Inc.\"; found from the conversation when left out.")] string? company = null,
        [Description("Deal it was about, e.g. \"DEAL-042\"; optional.")] string? deal = null)
    {
        var about = string.Join(", ", new[] { company is null ? null : $"company: {company}", deal is null ? null : $"deal: {deal}" }.Where(x => x is not null));
        return
        [
            Text($$"""
                Log this meeting in the CRM{{(about.Length == 0 ? "" : $" ({about})")}}.

                1. Identify the records: call `search_all` with the company, deal and people named in the conversation (or
                   `get_company` / `get_deal` when you have a name or identifier). If a name fits several records, ask
                   which one; never guess.
                2. Record the meeting: one `create_tasks` item with type "meeting", status "done", due = the meeting date,
                   title "Meeting: <topic>", and notes = a Markdown summary (## Attendees, ## Discussed, ## Decisions,
                   ## Open questions), linked through its deals, companies and contacts fields (names or emails work).
                3. Follow-ups: every commitment becomes its own `create_tasks` item (type call, email, follow_up or todo;
                   status "open"; a due date when one was said), linked the same way. Say who owns it in the title when
                   it is not us.
                4. If a deal moved (new amount, stage or close date), or a new deal came up, say so and ask before
                   changing it; for a new deal use `create_deal_draft`.
                5. Reply with what you logged: the meeting task, the follow-ups with due dates, and anything left unclear.

                The conversation:
                <conversation>
                {{conversation}}
                </conversation>
                """),
        ];
    }

    [McpServerPrompt(Name = "prepare_for_call", Title = "Prepare for a call")]
    [Description("A one-page brief before a call with a company: who is who, open deals, open tasks, recent history, risks and questions to ask.")]
    public async Task<IEnumerable<PromptMessage>> PrepareForCall(
        [Description("The company, by name or UUID, e.g. \"Acme, Inc.\".")] string company,
        [Description("Who the call is with, e.g. \"jane@acme.com\"; optional.")] string? contact = null,
        CancellationToken cancellationToken = default)
    {
        var name = await Checked(() => Task.FromResult(Validate.Text("company", company, 200, "\"Acme, Inc.\"")
                   ?? throw CrmError.Invalid("company", "is required.", "a company name such as \"Acme, Inc.\"")));
        var detail = await db.ReadAsync(async (connection, transaction) =>
        {
            string id;
            try { id = await Lookup.CompanyIdAsync(connection, transaction, name, "company"); }
            catch (CrmError) { return null; }
            return await CompanySql.DetailAsync(connection, transaction, id);
        }, cancellationToken);
        var withWhom = contact is null ? "" : $" with {contact}";
        var instructions = $$"""
            Prepare me for a call with {{name}}{{withWhom}}.

            {{(detail is null
                ? $"No company is named exactly \"{name}\": call `search_all` with {{\"query\": \"{name}\", \"types\": [\"company\"]}} and, if one result clearly fits, continue with it via `get_company`; otherwise ask which company I mean."
                : "The attached JSON is the company as `get_company` returns it (details, up to 50 contacts and deals).")}}
            Then:
            1. Call `get_tasks` with {"company": "<name>", "status": ["any"]} for open follow-ups and recent meetings (their notes hold the history).
            2. For each open deal, call `get_deal` for its people, line items and custom fields.
            3. Call `search_all` with the company name for anything else that mentions it.

            Write a one-page brief: who they are (industry, size of relationship), the people and their roles, open deals
            (stage, amount, expected close date), what happened last and what we promised, risks, the goal of this call,
            and five sharp questions to ask. Keep it scannable.
            """;
        return detail is null
            ? [Text(instructions)]
            : [Resource($"crm://companies/{detail.Company.Id}", CrmJson.Serialize(detail)), Text(instructions)];
    }

    /// <summary>Bad prompt arguments reach the client as InvalidParams with the field and the accepted form.</summary>
    private static async Task<T> Checked<T>(Func<Task<T>> work)
    {
        try { return await work(); }
        catch (CrmError error) { throw new McpProtocolException($"{error.Message} Expected {error.Expected}.", McpErrorCode.InvalidParams); }
    }

    private static PromptMessage Text(string text) => new() { Role = Role.User, Content = new TextContentBlock { Text = text } };

    private static PromptMessage Resource(string uri, string json) => new()
    {
        Role = Role.User,
        Content = new EmbeddedResourceBlock { Resource = new TextResourceContents { Uri = uri, MimeType = "application/json", Text = json } },
    };
}
