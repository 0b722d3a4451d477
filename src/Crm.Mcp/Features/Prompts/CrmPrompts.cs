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
        var now = Clock.Time.GetUtcNow();
        var today = now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var since = now.AddDays(-90).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var pipelineArg = pipeline is null ? "" : $", \"pipeline\": \"{pipelines[0].Name}\"";
        return
        [
            Resource("crm://pipeline", CrmJson.Serialize(pipelines)),
            Text($$"""
                Review this sales pipeline as a sales manager would (today is {{today}}){{(focus is null ? "" : $", focusing on: {focus}")}}.
                The attached JSON has every stage with its win probability, deal count and amounts per currency (drafts included).

                1. Stage health: call `report_deals` with {"group_by": ["stage"], "metrics": ["count", "sum", "weighted", "avg"],
                   "is_draft": false{{pipelineArg}}}: where is the value concentrated, which stages look thin or swollen?
                2. Overdue: call `get_deals` with filters [{"field": "stage_kind", "op": "equals", "value": "open"},
                   {"field": "expected_close_date", "op": "lt", "value": "{{today}}"}], sorted by amount descending.
                3. Stalled: open deals not updated for 14 days or more (filter updated_at lt the date 14 days ago).
                4. No next step: for the largest open deals, call `get_timeline` with {"entity": "deal", "record": "<identifier>"};
                   a deal without an open task or a recent activity has no next step.
                5. Forecast: call `report_deals` with {"group_by": ["expected_close_month"], "metrics": ["sum", "weighted"],
                   "filters": [{"field": "stage_kind", "op": "equals", "value": "open"}]{{pipelineArg}}}, and for the track record
                   {"metrics": ["win_rate", "days_to_close"], "filters": [{"field": "closed_at", "op": "gte", "value": "{{since}}"}]}.
                   Never add different currencies.

                Answer with a short summary, then a table of the deals needing attention (identifier, name, company, stage,
                amount, why) and a recommended action for each. Offer to create the follow-up tasks with `create_tasks`.
                """),
        ];
    }

    [McpServerPrompt(Name = "forecast", Title = "Sales forecast")]
    [Description("Forecast a quarter or month: revenue won so far, the weighted open pipeline expected to close in it, per currency, and the deals that decide it.")]
    public async Task<IEnumerable<PromptMessage>> Forecast(
        [Description("The period: a quarter \"2026-Q1\" or a month \"2026-03\"; default: the current quarter.")] string? period = null,
        [Description("Pipeline name; default: every pipeline.")] string? pipeline = null,
        CancellationToken cancellationToken = default)
    {
        var (label, from, to) = await Checked(() => Task.FromResult(Period(period)));
        var pipelineName = pipeline is null ? null : await Checked(() => db.ReadAsync(async (connection, transaction) =>
            (await PipelineSql.ResolvePipelineAsync(connection, transaction, pipeline)).Name, cancellationToken));
        var pipelineArg = pipelineName is null ? "" : $", \"pipeline\": \"{pipelineName}\"";
        var today = Clock.Time.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var yearBefore = DateOnly.ParseExact(from, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture).AddYears(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        return
        [
            Text($$"""
                Forecast {{label}} ({{from}} to {{to}}; today is {{today}}){{(pipelineName is null ? "" : $" for the {pipelineName} pipeline")}}. Use reports, not deal pages:

                1. Won so far: `report_deals` with {"metrics": ["count", "sum"], "filters": [{"field": "stage_kind", "op": "equals", "value": "won"},
                   {"field": "closed_at", "op": "between", "value": ["{{from}}", "{{to}}"]}]{{pipelineArg}}}.
                2. Open pipeline closing in the period: `report_deals` with {"group_by": ["stage"], "metrics": ["count", "sum", "weighted"],
                   "is_draft": false, "filters": [{"field": "stage_kind", "op": "equals", "value": "open"},
                   {"field": "expected_close_date", "op": "between", "value": ["{{from}}", "{{to}}"]}]{{pipelineArg}}}.
                3. Slipped: the same report with expected_close_date lt "{{today}}" instead: open deals whose date has passed.
                4. Track record: `report_deals` with {"metrics": ["win_rate", "days_to_close"], "filters": [{"field": "closed_at", "op": "between",
                   "value": ["{{yearBefore}}", "{{from}}"]}]{{pipelineArg}}}, to judge whether the stage probabilities are realistic.
                5. The deals that decide it: `get_deals` with the filters of step 2, sorted by amount descending, limit 10.

                Answer per currency (never add currencies): commit (won so far), forecast (won + weighted open), best case (won +
                all open), the win rate behind it, and a table of the deciding deals (identifier, name, stage, amount, expected
                close, risk). Say which probabilities look off; `update_stage` with probability changes them.
                """),
        ];
    }

    /// <summary>A forecast period: "2026-Q1", "2026-03", or null for the current quarter; its label and first and last day.</summary>
    private static (string Label, string From, string To) Period(string? period)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        DateOnly start;
        int months;
        var text = period?.Trim().ToUpperInvariant();
        if (string.IsNullOrEmpty(text))
        {
            var today = DateOnly.FromDateTime(Clock.Time.GetUtcNow().UtcDateTime);
            (start, months) = (new DateOnly(today.Year, (today.Month - 1) / 3 * 3 + 1, 1), 3);
        }
        else if (text.Length == 7 && text[4] == '-' && text[5] == 'Q' && int.TryParse(text[..4], culture, out var year) && text[6] is >= '1' and <= '4')
            (start, months) = (new DateOnly(year, (text[6] - '1') * 3 + 1, 1), 3);
        else if (DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", culture, System.Globalization.DateTimeStyles.None, out var month))
            (start, months) = (month, 1);
        else
            throw CrmError.Invalid("period", $"'{Validate.Shorten(period!)}' is not a quarter or month.", "a quarter such as \"2026-Q1\" or a month such as \"2026-03\"");
        var label = months == 3 ? $"{start.Year}-Q{(start.Month + 2) / 3}" : start.ToString("yyyy-MM", culture);
        return (label, start.ToString("yyyy-MM-dd", culture), start.AddMonths(months).AddDays(-1).ToString("yyyy-MM-dd", culture));
    }

    [McpServerPrompt(Name = "log_meeting", Title = "Log a meeting")]
    [Description("Turn meeting notes or a call transcript into a meeting record with a Markdown summary, a note on the deal, and follow-up tasks, linked to the right company, deal and contacts.")]
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
                2. Record the meeting: `log_activity` with type "meeting", occurred_at = the meeting date, subject
                   "Meeting: <topic>", body = a Markdown summary (## Attendees, ## Discussed, ## Decisions, ## Open questions),
                   and its contacts, deals and companies (names or emails work).
                   Then call `append_note` with {"entity": "deal", "record": "<identifier>", "text": "<date>: <two-line summary>"}
                   (the company when there is no deal) so the record's own notes carry the history.
                3. Follow-ups: every commitment becomes its own `create_tasks` item (type call, email, follow_up or todo;
                   status "open"; a due date when one was said), linked the same way. Say who owns it in the title when
                   it is not us.
                4. If a deal moved (new amount, stage or close date), or a new deal came up, say so and ask before
                   changing it; for a new deal use `create_deal_draft`.
                5. Reply with what you logged: the meeting, the follow-ups with due dates, and anything left unclear.

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
