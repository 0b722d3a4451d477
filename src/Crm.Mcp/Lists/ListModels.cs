using System.ComponentModel;
using System.Text.Json;

namespace Crm.Mcp.Lists;

/// <summary>One condition inside an any_of group.</summary>
public sealed record FilterRule
{
    // No descriptions: the any_of argument's own example shows the form, and each list tool would repeat them.
    public string? Field { get; init; }
    public string? Op { get; init; }
    public JsonElement? Value { get; init; }
}

/// <summary>A top-level filter: a rule, or an any_of group of rules (OR). Top-level filters are ANDed.</summary>
public sealed record Filter
{
    [Description("Field name, e.g. \"amount\".")]
    public string? Field { get; init; }
    [Description("Operator, e.g. \"gte\".")]
    public string? Op { get; init; }
    [Description("Text, number, boolean, ISO date, or an array (in, not_in, has_any, has_none, between).")]
    public JsonElement? Value { get; init; }
    [Description("OR group of rules instead of field/op/value, e.g. [{\"field\": \"stage\", \"op\": \"equals\", \"value\": \"Proposal\"}, {\"field\": \"amount\", \"op\": \"gt\", \"value\": 50000}]")]
    public IReadOnlyList<FilterRule>? AnyOf { get; init; }

    public static Filter Rule(string field, string op, object? value) =>
        new() { Field = field, Op = op, Value = value is null ? null : JsonSerializer.SerializeToElement(value, Common.CommonJsonContext.Default.Object) };
}

public sealed record SortInput
{
    [Description("Field name, e.g. \"amount\".")]
    public string? Field { get; init; }
    [Description("\"asc\" (default) or \"desc\".")]
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
    [property: Description("True when more records follow this page.")] bool HasMore);

/// <summary>Parameter descriptions shared by every get_&lt;plural&gt; tool, kept short: tools/list is paid per token.</summary>
public static class ListDocs
{
    public const string Filters = "AND-ed rules {field, op, value}; {any_of: [rules]} is an OR group. Ops: equals, not_equals, contains, starts_with, gt, gte, lt, lte, between [a,b], in, not_in, is_null, is_not_null, has_any, has_none; fields: get_entity_configuration. Example: [{\"field\": \"amount\", \"op\": \"gte\", \"value\": 10000}]";
    public const string Search = "Free text; every word must match a main text field, e.g. \"acme renewal\".";
    public const string Sort = "Sort keys in order, e.g. [{\"field\": \"amount\", \"direction\": \"desc\"}, {\"field\": \"name\"}]. Nulls last.";
    public const string Limit = "Page size, 1 to 100. Default 25.";
    public const string Cursor = "next_cursor from the previous page (same filters and sort).";
}
