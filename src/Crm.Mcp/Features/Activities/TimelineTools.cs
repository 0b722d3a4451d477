using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Crm.Mcp.Common;
using Crm.Mcp.Data;
using Crm.Mcp.Lists;
using Crm.Mcp.Resolution;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Features.Activities;

/// <summary>One record's history in one call: logged activities, notes, tasks, stage moves and field changes, newest
/// first, each one line (plus a shortened text for activities and notes), so a model can read a deal's story
/// without fetching every task, activity and journal entry itself.</summary>
[McpServerToolType]
public sealed class TimelineTools(CrmDb db)
{
    private const int MaxDetail = 300;
    private const string CursorForm = "the next_cursor of the previous page, unchanged";
    // Columns a reader does not need in a change line: bookkeeping, match keys, derived values, and notes (their own items).
    private static readonly HashSet<string> Hidden = ["updated_at", "created_at", "order_in_stage", "company_sort_index", "closed_at", "notes", "stage_id", "pipeline_id"];

    [McpServerTool(Name = "get_timeline", Title = "Get timeline", ReadOnly = true, Destructive = false, Idempotent = true,
        OpenWorld = false, UseStructuredContent = true)]
    [Description("""
        The history of one deal, company or contact, newest first: logged activities, notes, tasks, stage moves and
        field changes, one line each. Example: {"entity": "deal", "record": "DEAL-001"}
        """)]
    public async Task<TimelineResponse> GetTimeline(
        [Description("deal, company or contact.")] string entity,
        [Description(EntityLookup.RecordDoc)] string record,
        [Description("Items per page, 1 to 100. Default 20.")] int? limit = null,
        [Description(ListDocs.Cursor)] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        var key = entity?.Trim().ToLowerInvariant() ?? "";
        var source = TimelineSql.Sources.FirstOrDefault(s => s.Entity == key || s.Table == key || key == s.Entity + "s" || (s.Entity == "contact" && key is "person" or "people"))
                     ?? throw CrmError.Invalid("entity", $"'{Validate.Shorten(entity ?? "")}' has no timeline.", "one of: deal, company, contact");
        var reference = Validate.RequiredText("record", record, 254, "a deal identifier such as \"DEAL-001\", a company name or a contact email");
        var take = Validate.Limit(limit, fallback: 20, max: 100);
        var after = DecodeCursor(cursor);
        var before = after?.At ?? "9999";

        var page = await db.ReadAsync(async (connection, transaction) =>
        {
            var id = source.Entity switch
            {
                "deal" => await Lookup.DealIdAsync(connection, transaction, reference, "record"),
                "company" => await Lookup.CompanyIdAsync(connection, transaction, reference, "record"),
                _ => await Lookup.PersonIdAsync(connection, transaction, reference, "record"),
            };
            var name = (await TimelineSql.NamesAsync(connection, transaction, source.Table, source.NameColumn, [id]))[id];
            var items = new List<TimelineItem>();
            foreach (var a in await TimelineSql.ActivitiesAsync(connection, transaction, source, id, before))
                items.Add(new TimelineItem
                {
                    At = a.OccurredAt, Kind = "activity", Ref = a.Id, Title = $"{a.Type}: {a.Subject}",
                    Detail = Shorten(string.Join(" · ", new[] { a.Direction, a.DurationMinutes is { } m ? $"{m} min" : null, a.Outcome, a.Body }.Where(x => !string.IsNullOrWhiteSpace(x)))),
                });
            foreach (var t in await TimelineSql.TasksAsync(connection, transaction, source, id, before))
                items.Add(new TimelineItem
                {
                    At = t.At, Kind = "task", Ref = t.Id, Title = $"{t.Type} task {t.Status}{(t.Due is null ? "" : $" (due {t.Due})")}: {t.Title}",
                });
            items.AddRange(await ChangesAsync(connection, transaction, source, id, before));

            var ordered = items
                .OrderByDescending(i => i.At, StringComparer.Ordinal).ThenByDescending(i => i.Ref, StringComparer.Ordinal)
                .Where(i => after is null || string.CompareOrdinal(i.At, after.At) < 0 || (i.At == after.At && string.CompareOrdinal(i.Ref, after.Ref) < 0))
                .Take(take + 1).ToList();
            var hasMore = ordered.Count > take;
            var shown = ordered.Take(take).ToList();
            return new Timeline(source.Entity, id, name, shown, hasMore ? EncodeCursor(shown[^1]) : null, hasMore);
        }, cancellationToken);
        return new TimelineResponse(page, true);
    }

    /// <summary>The record's journal as items: its creation, stage moves, notes added or replaced, and other field
    /// changes, one item each per change (a change that wrote the row twice, e.g. a trigger's follow-up, is one).</summary>
    private static async Task<List<TimelineItem>> ChangesAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction,
        TimelineSql.Source source, string id, string before)
    {
        var rows = await TimelineSql.ChangesAsync(connection, transaction, source, id, before);
        var changes = rows.GroupBy(r => r.ChangeId).Select(g => (First: g.First(), Last: g.Last())).ToList();
        var images = changes.Select(c => (c.First, Before: Parse(c.First.Before), After: Parse(c.Last.After))).ToList();

        // Names for the ids that changed, looked up once per kind.
        IEnumerable<string> Ids(params string[] fields) => images.SelectMany(i => fields.SelectMany(f => new[] { i.Before?[f]?.ToString(), i.After?[f]?.ToString() })).OfType<string>().Distinct();
        var stages = await TimelineSql.NamesAsync(connection, transaction, "stages", "name", Ids("stage_id").ToList());
        var companies = await TimelineSql.NamesAsync(connection, transaction, "companies", "name", Ids("company_id").ToList());
        var users = await TimelineSql.NamesAsync(connection, transaction, "users", "COALESCE(NULLIF(TRIM(first_name || ' ' || last_name), ''), email, id)", Ids("owner_id", "user_id").ToList());

        string Show(string field, JsonNode? value, JsonObject image)
        {
            if (value is null) return "none";
            var text = value.ToString();
            return field switch
            {
                "amount_minor" => Money.MajorText(decimal.Parse(text, CultureInfo.InvariantCulture), Currency.FromStored(image["currency"]?.ToString() ?? "USD")),
                "company_id" => companies.GetValueOrDefault(text, text),
                "owner_id" or "user_id" => users.GetValueOrDefault(text, text),
                "is_draft" => text is "1" or "true" ? "true" : "false",
                _ => Validate.Shorten(text),
            };
        }

        var items = new List<TimelineItem>();
        foreach (var (row, old, now) in images)
        {
            var at = row.At;
            var reference = $"change:{row.ChangeId}";
            if (now is null) continue;
            if (old is null)
            {
                items.Add(new TimelineItem { At = at, Kind = "created", Ref = reference, Title = $"created {source.Entity}", By = row.Actor });
                continue;
            }
            if (old["stage_id"]?.ToString() is { } from && now["stage_id"]?.ToString() is { } to && from != to)
                items.Add(new TimelineItem { At = at, Kind = "stage", Ref = reference, Title = $"stage: {stages.GetValueOrDefault(from, from)} → {stages.GetValueOrDefault(to, to)}", By = row.Actor });
            var oldNotes = old["notes"]?.ToString() ?? "";
            var newNotes = now["notes"]?.ToString() ?? "";
            if (oldNotes != newNotes)
            {
                var appended = newNotes.StartsWith(oldNotes, StringComparison.Ordinal) && newNotes.Length > oldNotes.Length;
                var text = appended ? WithoutHeading(newNotes[oldNotes.Length..]) : newNotes;
                items.Add(new TimelineItem
                {
                    At = at, Kind = "note", Ref = reference, By = row.Actor,
                    Title = appended ? "note added" : newNotes.Length == 0 ? "notes cleared" : "notes replaced",
                    Detail = text.Length == 0 ? null : Shorten(text),
                });
            }
            var changed = now.Where(p => !Hidden.Contains(p.Key) && !p.Key.EndsWith("_key", StringComparison.Ordinal) && !JsonNode.DeepEquals(old[p.Key], p.Value))
                .Select(p => $"{(p.Key == "amount_minor" ? "amount" : p.Key)}: {Show(p.Key, old[p.Key], old)} → {Show(p.Key, p.Value, now)}").ToList();
            if (changed.Count > 0)
                items.Add(new TimelineItem { At = at, Kind = "change", Ref = reference, Title = "changed " + string.Join("; ", changed), By = row.Actor });
        }
        // Several items of one change share its reference: tell them apart so the order (and the cursor) is total.
        return items.GroupBy(i => i.Ref).SelectMany(g => g.Count() == 1 ? g : g.Select((i, n) => i with { Ref = $"{i.Ref}.{n + 1}" })).ToList();
    }

    private static JsonObject? Parse(string? json) => json is null ? null : JsonNode.Parse(json) as JsonObject;

    // append_note writes "### 2026-12-01 14:30 UTC" above each note: the item's time already says it.
    private static string WithoutHeading(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith("### ", StringComparison.Ordinal) && trimmed.IndexOf('\n') is var newline and > 0) trimmed = trimmed[(newline + 1)..].Trim();
        return trimmed;
    }

    private static string? Shorten(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= MaxDetail ? flat : flat[..(MaxDetail - 1)] + "…";
    }

    private sealed record Position(string At, string Ref);

    private static string EncodeCursor(TimelineItem last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.At}\n{last.Ref}"));

    private static Position? DecodeCursor(string? cursor)
    {
        if (cursor is null) return null;
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(cursor.Trim())).Split('\n');
            if (parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0) return new Position(parts[0], parts[1]);
        }
        catch (FormatException) { }
        throw CrmError.Invalid("cursor", "is not a timeline cursor.", CursorForm);
    }
}
