using System.ComponentModel;
using System.Text.Json;

namespace Crm.Mcp.Lists;

// Filter, FilterRule and SortInput carry no descriptions: the filters and sort arguments' own text (ListDocs) shows
// the form once, and every list tool would repeat them.

/// <summary>One condition inside an any_of group.</summary>
public sealed record FilterRule
{
    public string? Field { get; init; }
    public string? Op { get; init; }
    public JsonElement? Value { get; init; }
}

/// <summary>A top-level filter: a rule, or an any_of group of rules (OR). Top-level filters are ANDed.</summary>
public sealed record Filter
{
    public string? Field { get; init; }
    public string? Op { get; init; }
    public JsonElement? Value { get; init; }
    public IReadOnlyList<FilterRule>? AnyOf { get; init; }

    public static Filter Rule(string field, string op, object? value) =>
        new() { Field = field, Op = op, Value = value is null ? null : JsonSerializer.SerializeToElement(value) };
}

public sealed record SortInput
{
    public string? Field { get; init; }
    public string? Direction { get; init; }
}

/// <summary>What a caller asks of a list; every get_&lt;plural&gt; tool passes its arguments through unchanged.</summary>
public sealed record ListRequest(IReadOnlyList<Filter>? Filters, string? Search, IReadOnlyList<SortInput>? Sort, int? Limit, string? Cursor);

/// <summary>How many records match in all pages, counted exactly up to <see cref="ListEngine.ExactTotalUpTo"/> and
/// from there on given as a lower bound (Elasticsearch's track_total_hits): counting every match of a broad filter
/// grew with the table (get_deals at 1M counted ≈ 166k matches per call).</summary>
public sealed record ListTotal(
    [property: Description("Matching records; with relation \"gte\" at least this many.")] long Value,
    [property: Description("\"eq\": exactly value; \"gte\": value or more (counting stopped there).")] string Relation)
{
    public static ListTotal Counted(long counted, long bound) => counted > bound ? new(bound, "gte") : new(counted, "eq");
}

/// <summary>One page of any list.</summary>
public sealed record ListPage<T>(
    IReadOnlyList<T> Items,
    [property: Description("Matches in all pages: {value, relation}, relation \"eq\" (exact) or \"gte\" (at least).")] ListTotal Total,
    [property: Description("Pass as cursor for the next page; null on the last page.")] string? NextCursor,
    [property: Description("True when more records follow this page.")] bool HasMore)
{
    public ListPage<TOut> Map<TOut>(Func<T, TOut> shape) => new(Items.Select(shape).ToList(), Total, NextCursor, HasMore);
}

/// <summary>Parameter descriptions shared by every get_&lt;plural&gt; tool, kept short: tools/list is paid per token.</summary>
public static class ListDocs
{
    // Each field type's operators are listed once, by get_entity_configuration; this text names the form.
    public const string Filters = "AND-ed, e.g. [{\"field\": \"amount\", \"op\": \"gte\", \"value\": 10000}]; {\"any_of\": [...]} ORs. Fields, ops: get_entity_configuration.";
    public const string Search = "Words that must all match.";
    public const string Sort = "E.g. [{\"field\": \"amount\", \"direction\": \"desc\"}]; nulls last.";
    public const string Limit = "1-100, default 25.";
    public const string Cursor = "A page's next_cursor.";
    public const string Fields = "Whole-item fields instead, e.g. [\"notes\"].";
    public const string View = "\"full\": whole items.";
}
