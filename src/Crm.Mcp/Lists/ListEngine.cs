using System.Data.Common;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Crm.Mcp.Common;
using Crm.Mcp.Data;

namespace Crm.Mcp.Lists;

/// <summary>
/// Filters, search, multi-key sort and keyset paging for any entity described by an <see cref="EntitySchema"/>.
/// Every rule is checked against the schema before any SQL runs: an unknown field, an operator the field does not
/// take or a value of the wrong type is an error that lists what is valid, never an empty page. Field SQL comes only
/// from the schema; every value is a parameter.
/// </summary>
public static partial class ListEngine
{
    public const int MaxSortKeys = 5;
    public const int MaxRules = 50;
    /// <summary>`total` is exact up to this many matches, else {value: this, relation: "gte"}. Counting 10,000 index
    /// entries took 0.5 ms at 100k deals, more than the page; exact counts of broad filters are report_deals' job.</summary>
    public const int ExactTotalUpTo = 1_000;
    public const int MaxValues = 100;
    private const string CursorForm = "the next_cursor value from the previous page, unchanged, with the same sort";

    /// <summary>The checked request as SQL pieces: WHERE for the count, WHERE plus the cursor for the page, ORDER BY.</summary>
    public sealed record Plan(string Where, string PageWhere, string OrderBy, IReadOnlyList<string> KeySql, SqlArgs Parameters, int Limit, string Signature)
    {
        /// <summary>An amount compared without a currency filter: the rule's path and field, checked against the data.</summary>
        public (string Path, FieldDef Field)? MixedCurrency { get; init; }

        /// <summary>WHERE for the count: <see cref="Where"/> with each option compared as stored (see
        /// <see cref="FieldDef.StoredAsOption"/>), so the count seeks an index the page must not take.</summary>
        public string CountWhere { get; init; } = Where;
    }

    private static readonly string[] ReferenceOps = [FilterOps.EqualsOp, FilterOps.NotEquals, FilterOps.In, FilterOps.NotIn, FilterOps.HasAny, FilterOps.HasNone];

    /// <summary>Every rule as the engine walks it, with the path its errors name.</summary>
    private static IEnumerable<(string Path, string? Field, string? Op, JsonElement? Value, bool TopLevel)> Rules(ListRequest request, IEnumerable<Filter>? extraFilters)
    {
        var filters = request.Filters ?? [];
        for (var i = 0; i < filters.Count; i++)
        {
            var filter = filters[i];
            if (filter is null) continue;
            if (filter.AnyOf is null) yield return ($"filters[{i}]", filter.Field, filter.Op, filter.Value, true);
            else
                for (var j = 0; j < filter.AnyOf.Count; j++)
                    if (filter.AnyOf[j] is { } rule) yield return ($"filters[{i}].any_of[{j}]", rule.Field, rule.Op, rule.Value, false);
        }
        foreach (var extra in extraFilters ?? [])
            yield return (extra.Field ?? "filters", extra.Field, extra.Op, extra.Value, true);
    }

    /// <summary>The ids each reference rule's names stand for, by rule path; a name that matches nothing throws with
    /// candidates (see <see cref="Resolution.ReferenceLookup"/>).</summary>
    private static async Task<Dictionary<string, IReadOnlyList<string>>> ResolveReferencesAsync(
        DbConnection connection, DbTransaction transaction, EntitySchema schema, ListRequest request, IEnumerable<Filter>? extraFilters)
    {
        var resolved = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var (path, fieldName, op, value, _) in Rules(request, extraFilters))
        {
            if (fieldName is null || schema.Find(fieldName) is not { Reference: { } reference } || op?.Trim().ToLowerInvariant() is not { } name || !ReferenceOps.Contains(name))
                continue;
            var many = name is not (FilterOps.EqualsOp or FilterOps.NotEquals);
            var names = value switch
            {
                { ValueKind: JsonValueKind.String } text when !many => [(text.GetString()!, $"{path}.value")],
                { ValueKind: JsonValueKind.Array } array when many && array.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) && array.GetArrayLength() is > 0 and <= MaxValues =>
                    array.EnumerateArray().Select((v, i) => (v.GetString()!, $"{path}.value[{i}]")).ToList(),
                _ => new List<(string, string)>(), // the rule's own checks report a wrong shape
            };
            if (names.Count == 0 || names.Any(n => string.IsNullOrWhiteSpace(n.Item1))) continue;
            var ids = new List<string>();
            foreach (var (text, valuePath) in names)
                ids.AddRange(await Resolution.ReferenceLookup.IdsAsync(connection, transaction, reference.Kind, text, valuePath));
            resolved[path] = ids.Distinct().ToList();
        }
        return resolved;
    }

    /// <summary>Amounts in different currencies are not comparable (£100 is not $100): a comparison whose matches
    /// span several currencies is refused, naming them, unless a currency filter pins one.</summary>
    private static async Task RefuseMixedCurrenciesAsync(DbConnection connection, DbTransaction transaction, EntitySchema schema, Plan plan, (string Path, FieldDef Field) mixed)
    {
        var currency = schema.Find(mixed.Field.CurrencyField!)!;
        var sql = $"SELECT DISTINCT {currency.Sql} FROM {FromFor(schema.From, plan.Where + currency.Sql)}{plan.Where} ORDER BY 1 LIMIT 6";
        var currencies = await plan.Parameters.QueryAsync(connection, transaction, sql, r => SqlArgs.Text(r, 0));
        if (currencies.Count <= 1) return;
        throw CrmError.Invalid(mixed.Path, $"compares {mixed.Field.Name} across currencies ({string.Join(", ", currencies.Take(5))}{(currencies.Count > 5 ? ", …" : "")}): amounts in different currencies are not comparable.",
            $"add {{\"field\": \"{currency.Name}\", \"op\": \"equals\", \"value\": \"{currencies[0]}\"}} and filter each currency on its own");
    }

    /// <summary>Runs one page: counts the matches, reads limit+1 ids in order (the extra row says whether more exist),
    /// then loads the items through <paramref name="load"/> and returns them in page order.</summary>
    public static async Task<ListPage<T>> RunAsync<T>(
        DbConnection connection, DbTransaction transaction, EntitySchema schema, ListRequest request,
        Func<IReadOnlyList<string>, Task<IReadOnlyList<T>>> load, Func<T, string> idOf, IEnumerable<Filter>? extraFilters = null)
    {
        var references = await ResolveReferencesAsync(connection, transaction, schema, request, extraFilters);
        var plan = Build(schema, request, extraFilters, references);
        if (plan.MixedCurrency is { } mixed) await RefuseMixedCurrenciesAsync(connection, transaction, schema, plan, mixed);
        // Read by hand (id, then each sort key k0, k1, ...), not as Dapper's dynamic rows, which need reflection.
        var rows = await plan.Parameters.QueryAsync(connection, transaction, PageSql(schema, plan),
            r => (Id: r.GetString(0), Keys: Enumerable.Range(1, plan.KeySql.Count).Select(i => SqlArgs.Value(r, i)).ToList()));

        var hasMore = rows.Count > plan.Limit;
        if (hasMore) rows.RemoveAt(rows.Count - 1);
        // A first page that holds every match is its own exact total: no count statement.
        var total = request.Cursor is null && !hasMore
            ? ListTotal.Counted(rows.Count, ExactTotalUpTo)
            : ListTotal.Counted(await plan.Parameters.ScalarLongAsync(connection, transaction, CountSql(schema, plan)), ExactTotalUpTo);
        var ids = rows.Select(r => r.Id).ToList();
        var byId = (await load(ids)).ToDictionary(idOf);
        var items = ids.Where(byId.ContainsKey).Select(id => byId[id]).ToList();
        string? next = null;
        if (hasMore)
        {
            next = EncodeCursor(plan.Signature, rows[^1].Keys, ids[^1]);
        }
        return new ListPage<T>(items, total, next, hasMore);
    }

    /// <summary>The bounded count of a plan's matches. Counting stops one past the bound, so a broad filter costs the
    /// same at 1M rows as at 10k.</summary>
    public static string CountSql(EntitySchema schema, Plan plan) =>
        $"SELECT COUNT(*) FROM (SELECT 1 AS one FROM {FromFor(schema.From, plan.CountWhere)}{plan.CountWhere} LIMIT {ExactTotalUpTo + 1}) AS matches";

    /// <summary>A plan's page: limit+1 ids in order with their sort keys (k0, k1, ...) for the next cursor.</summary>
    public static string PageSql(EntitySchema schema, Plan plan)
    {
        var keyColumns = string.Concat(plan.KeySql.Select((sql, i) => $", {sql} AS k{i}"));
        // An unused LEFT JOIN here also costs the page its index order: SQLite then scans and sorts every deal.
        var pageFrom = FromFor(schema.From, plan.PageWhere + keyColumns + plan.OrderBy);
        return $"SELECT {schema.IdSql} AS id{keyColumns} FROM {pageFrom}{plan.PageWhere} ORDER BY {plan.OrderBy} LIMIT {plan.Limit + 1}";
    }

    /// <summary><paramref name="from"/> without the LEFT JOINs <paramref name="sql"/> does not use. Each joins on a
    /// unique key (see <see cref="EntitySchema.From"/>), so leaving it out changes no count and no page; a count over
    /// many matches then reads one index instead of looking every match up in the joined table, and a page can walk
    /// its sort index.</summary>
    public static string FromFor(string from, string sql) =>
        UnusedLeftJoin().Replace(from, m => sql.Contains(m.Groups["alias"].Value + ".", StringComparison.Ordinal) ? m.Value : "");

    [System.Text.RegularExpressions.GeneratedRegex(@"\s+LEFT JOIN \w+ (?<alias>\w+) ON .+?(?=\s+(?:LEFT\s+)?JOIN\s|$)")]
    private static partial System.Text.RegularExpressions.Regex UnusedLeftJoin();

    public static Plan Build(EntitySchema schema, ListRequest request, IEnumerable<Filter>? extraFilters = null,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? references = null)
    {
        var sql = new SqlBuilder(schema, references ?? new Dictionary<string, IReadOnlyList<string>>());
        var conditions = new List<string>();

        var filters = request.Filters ?? [];
        if (filters.Count > MaxRules)
            throw CrmError.Invalid("filters", $"has {filters.Count} rules; the limit is {MaxRules}.", $"at most {MaxRules} rules");
        for (var i = 0; i < filters.Count; i++)
            conditions.Add(sql.TopLevel(filters[i] ?? new Filter(), $"filters[{i}]"));
        foreach (var extra in extraFilters ?? [])
            conditions.Add(sql.TopLevel(extra, extra.Field ?? "filters"));

        if (Validate.Text("search", request.Search, 200, "\"acme renewal\"") is { } search)
            conditions.Add(sql.Search(search));

        var limit = Validate.Limit(request.Limit);
        var keys = ReadSort(schema, request.Sort);
        var keySql = keys.Select(k => sql.SortSql(k.Field)).ToList();
        var signature = string.Join(",", keys.Select(k => $"{k.Field.Name}:{(k.Descending ? "d" : "a")}"));
        var orderBy = string.Join(", ", keys.Select((k, i) => $"{(k.Field.NotNull ? "" : $"({keySql[i]} IS NULL), ")}{keySql[i]} {(k.Descending ? "DESC" : "ASC")}")
            .Append(schema.IdSql));

        var where = conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        var pageWhere = where;
        if (DecodeCursor(request.Cursor, signature, keys.Count) is { } cursor)
        {
            var after = sql.After(keys.Select(k => (k.Descending, k.Field.NotNull)).ToList(), keySql, cursor.Keys, cursor.Id, 0);
            pageWhere = conditions.Count == 0 ? $" WHERE {after}" : $"{where} AND {after}";
        }
        return new Plan(where, pageWhere, orderBy, keySql, sql.Parameters, limit, signature)
        {
            MixedCurrency = UnpinnedAmountComparison(schema, request, extraFilters),
            CountWhere = sql.ForCount(where),
        };
    }

    private static readonly string[] ComparisonOps = [FilterOps.EqualsOp, FilterOps.NotEquals, FilterOps.Gt, FilterOps.Gte, FilterOps.Lt, FilterOps.Lte, FilterOps.Between, FilterOps.In, FilterOps.NotIn];

    /// <summary>The first rule comparing an amount when no top-level rule pins its currency to one value.</summary>
    private static (string, FieldDef)? UnpinnedAmountComparison(EntitySchema schema, ListRequest request, IEnumerable<Filter>? extraFilters)
    {
        var rules = Rules(request, extraFilters).ToList();
        foreach (var (path, fieldName, op, _, _) in rules)
        {
            if (fieldName is null || schema.Find(fieldName) is not { CurrencyField: { } currencyField } field) continue;
            if (!ComparisonOps.Contains(op?.Trim().ToLowerInvariant() ?? "")) continue;
            var pinned = rules.Any(r => r.TopLevel && r.Field is not null && schema.Find(r.Field) == schema.Find(currencyField) &&
                (r.Op?.Trim().ToLowerInvariant() == FilterOps.EqualsOp || (r.Op?.Trim().ToLowerInvariant() == FilterOps.In && r.Value is { ValueKind: JsonValueKind.Array } v && v.GetArrayLength() == 1)));
            return pinned ? null : (path, field);
        }
        return null;
    }

    private static List<(FieldDef Field, bool Descending)> ReadSort(EntitySchema schema, IReadOnlyList<SortInput>? sort)
    {
        if (sort is null || sort.Count == 0)
            return schema.DefaultSort.Select(k => (schema.Find(k.Field)!, k.Descending)).ToList();
        if (sort.Count > MaxSortKeys)
            throw CrmError.Invalid("sort", $"has {sort.Count} keys; the limit is {MaxSortKeys}.", $"at most {MaxSortKeys} sort keys");
        var sortable = string.Join(", ", schema.Fields.Where(f => f.Sortable).Select(f => f.Name));
        var keys = new List<(FieldDef, bool)>();
        for (var i = 0; i < sort.Count; i++)
        {
            var name = sort[i]?.Field?.Trim();
            if (string.IsNullOrEmpty(name))
                throw CrmError.Invalid($"sort[{i}].field", "is required.", $"one of: {sortable}");
            var field = schema.Find(name);
            if (field is null || !field.Sortable)
                throw CrmError.Invalid($"sort[{i}].field", field is null ? $"'{Validate.Shorten(name)}' is not a field of {schema.Entity}." : $"{field.Name} cannot be sorted on.", $"one of: {sortable}");
            if (keys.Any(k => k.Item1 == field))
                throw CrmError.Invalid($"sort[{i}].field", $"{field.Name} is already a sort key.", "each field at most once");
            var direction = sort[i]!.Direction?.Trim().ToLowerInvariant();
            if (direction is not (null or "asc" or "desc"))
                throw CrmError.Invalid($"sort[{i}].direction", $"'{Validate.Shorten(sort[i]!.Direction!)}' is not a direction.", "\"asc\" or \"desc\"");
            // Amounts sort within their currency: the currency is the key before them unless already one.
            if (field.CurrencyField is { } currencyName && schema.Find(currencyName) is { } currency && keys.All(k => k.Item1 != currency))
                keys.Add((currency, false));
            keys.Add((field, direction == "desc"));
        }
        return keys;
    }


    private sealed record Cursor(IReadOnlyList<object?> Keys, string Id);

    private static string EncodeCursor(string signature, IReadOnlyList<object?> keys, string id) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new object?[] { signature, keys, id }, Common.CommonJsonContext.Default.ObjectArray));

    private static Cursor? DecodeCursor(string? cursor, string signature, int keyCount)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        JsonElement root;
        try { root = JsonDocument.Parse(Base64Url.DecodeFromChars(cursor)).RootElement; }
        catch (Exception e) when (e is FormatException or JsonException) { throw CrmError.Invalid("cursor", "is not a cursor this list produced.", CursorForm); }
        if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() != 3 || root[0].ValueKind != JsonValueKind.String ||
            root[1].ValueKind != JsonValueKind.Array || root[2].ValueKind != JsonValueKind.String)
            throw CrmError.Invalid("cursor", "is not a cursor this list produced.", CursorForm);
        if (root[0].GetString() != signature || root[1].GetArrayLength() != keyCount)
            throw CrmError.Invalid("cursor", "was made for a different sort; paging cannot continue under a new order.",
                "the same sort as the page that gave the cursor, or no cursor to start again");
        var keys = root[1].EnumerateArray().Select(v => v.ValueKind switch
        {
            JsonValueKind.String => (object?)v.GetString(),
            JsonValueKind.Number => v.TryGetInt64(out var l) ? l : v.GetDouble(),
            JsonValueKind.Null => null,
            _ => throw CrmError.Invalid("cursor", "is not a cursor this list produced.", CursorForm),
        }).ToList();
        return new Cursor(keys, root[2].GetString()!);
    }

    /// <summary>Builds WHERE fragments; every caller value becomes an @lpN parameter.</summary>
    private sealed class SqlBuilder(EntitySchema schema, IReadOnlyDictionary<string, IReadOnlyList<string>> references)
    {
        public SqlArgs Parameters { get; } = new();
        private readonly HashSet<FieldDef> _fieldParameters = [];
        private int _next;

        // Conditions the count writes otherwise: (as the page has it, as the count has it).
        private readonly List<(string Page, string Count)> _countForms = [];
        // Amount comparisons (as the page has it, the amount, the operator, the value), rewritten for the count once
        // their currency is known to be pinned.
        private readonly List<(string Page, FieldDef Field, string Op, double Value)> _amountForms = [];
        // Stored-as-option fields a top-level rule pins to one value (every match has it): field -> that option.
        private readonly Dictionary<FieldDef, string> _pinned = [];

        /// <summary>A WHERE built here as the count runs it: options compared as stored, and amounts whose currency a
        /// top-level rule pins compared on their minor units (`amount >= 1000` in USD is `amount_minor >= 100000`,
        /// exactly: <see cref="Money.LeastMinorReaching"/>), so the count seeks one range of the index that holds
        /// both, ix_deals_report (currency, stage_id, is_draft, amount_minor, ...), and reads at most the bound's
        /// worth of entries, none it then rejects.</summary>
        public string ForCount(string where)
        {
            foreach (var (page, field, op, value) in _amountForms)
            {
                if (schema.Find(field.CurrencyField!) is not { } currencyField || !_pinned.TryGetValue(currencyField, out var code)) continue;
                var currency = Currency.FromStored(code);
                var count = op switch
                {
                    FilterOps.Gte => $"{field.MinorUnitsSql} >= {Param(Money.LeastMinorReaching(value, currency, strict: false))}",
                    FilterOps.Gt => $"{field.MinorUnitsSql} >= {Param(Money.LeastMinorReaching(value, currency, strict: true))}",
                    FilterOps.Lt => $"{field.MinorUnitsSql} < {Param(Money.LeastMinorReaching(value, currency, strict: false))}",
                    _ => $"{field.MinorUnitsSql} < {Param(Money.LeastMinorReaching(value, currency, strict: true))}",
                };
                _countForms.Add((page, count));
            }
            return _countForms.Aggregate(where, (sql, form) => sql.Replace(form.Page, form.Count, StringComparison.Ordinal));
        }

        /// <summary>Notes a top-level equals (or an in with one value) on a stored-as-option field: every match has
        /// that value. The rule itself was checked by <see cref="Rule"/>.</summary>
        private void Pin(Filter filter)
        {
            if (filter.Field is null || schema.Find(filter.Field) is not { StoredAsOption: true } field || filter.Value is not { } value) return;
            var op = filter.Op?.Trim().ToLowerInvariant();
            if (op == FilterOps.EqualsOp && value.ValueKind == JsonValueKind.String)
                _pinned[field] = (string)Scalar(field, value, "");
            else if (op == FilterOps.In && value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 1)
                _pinned[field] = (string)Scalar(field, value[0], "");
        }

        private string Param(object? value)
        {
            var name = $"lp{_next++}";
            Parameters.Add(name, value);
            return "@" + name;
        }

        public string TopLevel(Filter filter, string path)
        {
            if (filter.AnyOf is null)
            {
                var rule = Rule(filter.Field, filter.Op, filter.Value, path);
                Pin(filter);
                return rule;
            }
            if (filter.Field is not null || filter.Op is not null || filter.Value is not null)
                throw CrmError.Invalid(path, "has both any_of and field/op/value.", "either {\"field\", \"op\", \"value\"} or {\"any_of\": [rules]}");
            if (filter.AnyOf.Count is 0 or > MaxRules)
                throw CrmError.Invalid($"{path}.any_of", $"has {filter.AnyOf.Count} rules.", $"1 to {MaxRules} rules, any of which may match");
            var rules = filter.AnyOf.Select((r, j) => Rule(r?.Field, r?.Op, r?.Value, $"{path}.any_of[{j}]"));
            return "(" + string.Join(" OR ", rules) + ")";
        }

        public string Search(string text)
        {
            var fields = schema.Fields.Where(f => f.Searchable).ToList();
            var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Take(10);
            return "(" + string.Join(" AND ", words.Select(word =>
            {
                var pattern = Param("%" + EscapeLike(word) + "%");
                return "(" + string.Join(" OR ", fields.Select(f => $"lower({Use(f)}) LIKE lower({pattern}) ESCAPE '\\'")) + ")";
            })) + ")";
        }

        /// <summary>Rows strictly after the cursor row in ORDER BY order (nulls last, id last). A first key that is
        /// never null also gets a plain range bound (x &gt;= v), so the next page seeks into the sort index instead of
        /// reading every row of the pages before it.</summary>
        public string After(IReadOnlyList<(bool Descending, bool NotNull)> keys, IReadOnlyList<string> keySql, IReadOnlyList<object?> values, string id, int index)
        {
            if (index == keySql.Count) return $"{schema.IdSql} > {Param(id)}";
            var x = keySql[index];
            var rest = After(keys, keySql, values, id, index + 1);
            if (values[index] is null) return $"({x} IS NULL AND {rest})";
            var value = Param(values[index]);
            var (descending, notNull) = keys[index];
            var after = $"{x} {(descending ? "<" : ">")} {value} OR ({x} = {value} AND {rest})";
            if (!notNull) return $"({x} IS NULL OR {after})";
            return index == 0 ? $"({x} {(descending ? "<=" : ">=")} {value} AND ({after}))" : $"({after})";
        }

        // Text sorts case-insensitively; the same expression is compared in the cursor predicate, so paging stays exact.
        public string SortSql(FieldDef field)
        {
            var value = Use(field);
            return field.SortSql ?? (field.Type.IsTextual() ? $"lower({value})" : value);
        }

        private string Use(FieldDef field)
        {
            if (field.Parameters is not null && _fieldParameters.Add(field))
                foreach (var (name, value) in field.Parameters) Parameters.Add(name, value);
            return field.Sql;
        }

        private string Rule(string? fieldName, string? op, JsonElement? value, string path)
        {
            var fields = string.Join(", ", schema.Fields.Select(f => f.Name));
            if (string.IsNullOrWhiteSpace(fieldName))
                throw CrmError.Invalid($"{path}.field", "is required.", $"one of: {fields}");
            var field = schema.Find(fieldName)
                        ?? throw CrmError.Invalid($"{path}.field", $"'{Validate.Shorten(fieldName)}' is not a field of {schema.Entity}{Suggest(fieldName)}.", $"one of: {fields}");
            var allowed = $"for {field.Name} ({field.Type.Name()}): {string.Join(", ", field.Operators)}";
            var name = op?.Trim().ToLowerInvariant();
            if (string.IsNullOrEmpty(name))
                throw CrmError.Invalid($"{path}.op", "is required.", allowed);
            if (!FilterOps.All.Contains(name))
                throw CrmError.Invalid($"{path}.op", $"'{Validate.Shorten(op!)}' is not an operator.", allowed);
            if (!field.Operators.Contains(name))
                throw CrmError.Invalid($"{path}.op", $"{name} does not apply to {field.Name}, a {field.Type.Name()} field.", allowed);

            if (field.Reference is { } reference && references.TryGetValue(path, out var ids))
            {
                var match = "(" + reference.MatchSql.Replace("{ids}", string.Join(", ", ids.Select(id => Param(id)))) + ")";
                return name is FilterOps.EqualsOp or FilterOps.In or FilterOps.HasAny ? match : $"NOT COALESCE({match}, FALSE)";
            }
            var x = Use(field);
            var valuePath = $"{path}.value";
            var present = value is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined };
            switch (name)
            {
                case FilterOps.IsNull or FilterOps.IsNotNull:
                    if (present) throw CrmError.Invalid(valuePath, $"{name} takes no value.", "no value, e.g. {\"field\": \"" + field.Name + "\", \"op\": \"" + name + "\"}");
                    var isNull = field.Type == FieldType.MultiSelect ? $"({x} IS NULL OR json_array_length({x}) = 0)" : $"{x} IS NULL";
                    return name == FilterOps.IsNull ? isNull : $"NOT {isNull}";
                case FilterOps.In or FilterOps.NotIn or FilterOps.HasAny or FilterOps.HasNone:
                {
                    var values = List(field, value, valuePath, null);
                    if (name is FilterOps.HasAny or FilterOps.HasNone)
                    {
                        var exists = $"EXISTS (SELECT 1 FROM json_each({x}) je WHERE lower(je.value) IN ({string.Join(", ", values.Select(v => $"lower({Param(v)})"))}))";
                        return name == FilterOps.HasAny ? exists : $"NOT {exists}";
                    }
                    var any = "(" + string.Join(" OR ", values.Select(v => EqualsSql(field, x, v))) + ")";
                    return name == FilterOps.In ? any : $"({x} IS NULL OR NOT {any})";
                }
                case FilterOps.Between:
                {
                    var bounds = List(field, value, valuePath, 2);
                    return $"({CompareSql(field, x, FilterOps.Gte, bounds[0])} AND {CompareSql(field, x, FilterOps.Lte, bounds[1])})";
                }
                case FilterOps.InLastDays or FilterOps.InNextDays:
                {
                    // Whole UTC days, today included: in_last_days 7 is the 7 days before today through today's end.
                    var days = value is { ValueKind: JsonValueKind.Number } n && n.TryGetInt32(out var d) && d is >= 0 and <= FilterOps.MaxRelativeDays ? d
                        : throw CrmError.Invalid(valuePath, $"{name} needs a whole number of days.", $"a whole number from 0 to {FilterOps.MaxRelativeDays}, e.g. {{\"field\": \"{field.Name}\", \"op\": \"{name}\", \"value\": 7}}");
                    var today = DateOnly.FromDateTime(Clock.Time.GetUtcNow().UtcDateTime);
                    var (from, to) = name == FilterOps.InLastDays ? (today.AddDays(-days), today) : (today, today.AddDays(days));
                    string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                    return $"({CompareSql(field, x, FilterOps.Gte, Day(from))} AND {CompareSql(field, x, FilterOps.Lte, Day(to))})";
                }
            }
            if (!present) throw CrmError.Invalid(valuePath, $"{name} needs a value.", Expected(field));
            var scalar = Scalar(field, value!.Value, valuePath);
            return name switch
            {
                FilterOps.EqualsOp => EqualsSql(field, x, scalar),
                FilterOps.NotEquals => $"({x} IS NULL OR NOT {EqualsSql(field, x, scalar)})",
                FilterOps.Contains => $"lower({x}) LIKE lower({Param("%" + EscapeLike((string)scalar) + "%")}) ESCAPE '\\'",
                FilterOps.StartsWith => $"lower({x}) LIKE lower({Param(EscapeLike((string)scalar) + "%")}) ESCAPE '\\'",
                _ => CompareSql(field, x, name, scalar),
            };
        }

        private string EqualsSql(FieldDef field, string x, object value)
        {
            if (field.Type.IsTextual())
            {
                var parameter = Param(value);
                var caseless = $"lower({x}) = lower({parameter})";
                // An option stored as spelled (the value here is that spelling, from Scalar) is compared as stored in
                // the count, which then seeks the field's index (get_deals by currency: ix_deals_report, 10,001 matches
                // read instead of every other currency's rows first by skip-scan: BENCHMARKS.md, issue 15 fourth session).
                // The page keeps the caseless form: given the plain one, both engines walk that index for the page
                // too and sort every match instead of walking its sort index and stopping after one page.
                if (field.StoredAsOption) _countForms.Add((caseless, $"{x} = {parameter}"));
                return caseless;
            }
            // A checkbox is 0 or 1 from Scalar, never caller text: written as a literal, SQLite keeps walking the sort
            // index for a page, where a bound parameter here made it scan and sort every deal (100k: 0.1 ms vs 300 ms).
            if (field.Type == FieldType.Checkbox) return $"{x} = {(long)value}";
            if (IsWholeDay(field, value)) return $"({x} >= {Param(value)} AND {x} < {Param(NextDay(value))})";
            return $"{x} = {Param(value)}";
        }

        // A date-time compared with a bare date means the whole UTC day: lte 2026-03-31 includes 2026-03-31T18:00Z.
        private string CompareSql(FieldDef field, string x, string op, object value)
        {
            if (IsWholeDay(field, value))
                return op switch
                {
                    FilterOps.Gt => $"{x} >= {Param(NextDay(value))}",
                    FilterOps.Gte => $"{x} >= {Param(value)}",
                    FilterOps.Lt => $"{x} < {Param(value)}",
                    _ => $"{x} < {Param(NextDay(value))}",
                };
            var sqlOp = op switch { FilterOps.Gt => ">", FilterOps.Gte => ">=", FilterOps.Lt => "<", _ => "<=" };
            if (field.MinorUnitsSql is null || value is not double amount) return $"{x} {sqlOp} {Param(value)}";
            // Parenthesized so that the count's rewrite finds exactly this one (@lp2 is also the start of @lp21).
            var compare = $"({x} {sqlOp} {Param(value)})";
            _amountForms.Add((compare, field, op, amount));
            return compare;
        }

        private static bool IsWholeDay(FieldDef field, object value) => field.Type == FieldType.Datetime && value is string { Length: 10 };

        private static string NextDay(object value) =>
            DateOnly.ParseExact((string)value, "yyyy-MM-dd", CultureInfo.InvariantCulture).AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        private List<object> List(FieldDef field, JsonElement? value, string path, int? exactly)
        {
            var form = exactly is null ? $"an array of 1 to {MaxValues} values, each {Expected(field)}" : $"an array of two values [from, to], each {Expected(field)}";
            if (value is not { ValueKind: JsonValueKind.Array } array)
                throw CrmError.Invalid(path, $"needs an array; got {Describe(value)}.", form);
            var count = array.GetArrayLength();
            if (exactly is { } n ? count != n : count is 0 or > MaxValues)
                throw CrmError.Invalid(path, $"has {count} values.", form);
            return array.EnumerateArray().Select((v, i) => Scalar(field, v, $"{path}[{i}]")).ToList();
        }

        private object Scalar(FieldDef field, JsonElement value, string path)
        {
            object? parsed = field.Type switch
            {
                FieldType.Number or FieldType.Currency =>
                    value.ValueKind == JsonValueKind.Number && double.IsFinite(value.GetDouble()) ? value.GetDouble() : null,
                FieldType.Checkbox => value.ValueKind switch { JsonValueKind.True => 1L, JsonValueKind.False => 0L, _ => null },
                _ => value.ValueKind == JsonValueKind.String ? value.GetString()!.Trim() : null,
            };
            if (parsed is null || parsed is "")
                throw CrmError.Invalid(path, $"{field.Name} is a {field.Type.Name()} field; got {Describe(value)}.", Expected(field));
            if (parsed is not string text) return parsed;
            switch (field.Type)
            {
                case FieldType.Id:
                    return Guid.TryParse(text, out var guid) ? guid.ToString()
                        : throw CrmError.Invalid(path, $"{field.Name} is an id field; '{Validate.Shorten(text)}' is not a UUID.", Expected(field));
                case FieldType.Date:
                    return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? text
                        : throw CrmError.Invalid(path, $"{field.Name} is a date field; {Validate.NotADate(text, "an ISO date")}", Expected(field));
                case FieldType.Datetime:
                    try { return Validate.Date(path, text)!; }
                    catch (CrmError) { throw CrmError.Invalid(path, $"{field.Name} is a datetime field; {Validate.NotADate(text, "an ISO date or date-time")}", Expected(field)); }
                case FieldType.SingleSelect or FieldType.MultiSelect when field.Options is { } options:
                    return options.FirstOrDefault(o => string.Equals(o, text, StringComparison.OrdinalIgnoreCase))
                           ?? throw CrmError.Invalid(path, $"'{Validate.Shorten(text)}' is not an option of {field.Name}.", Expected(field));
                default:
                    return text;
            }
        }

        private string Suggest(string name)
        {
            var typed = name.Trim().ToLowerInvariant();
            var close = schema.Fields.Select(f => f.Name)
                .Where(f => f.Contains(typed) || typed.Contains(f) || Distance(f, typed) <= 2).Take(3).ToList();
            return close.Count == 0 ? "" : $"; did you mean {string.Join(" or ", close)}?";
        }
    }

    private static string Expected(FieldDef field) => field.Type switch
    {
        FieldType.Number => "a number such as 42",
        FieldType.Currency => "an amount in major units such as 50000 or 2500.50",
        FieldType.Checkbox => "true or false",
        FieldType.Date => "an ISO date such as 2026-12-31",
        FieldType.Datetime => "an ISO date such as 2026-12-31 (the whole UTC day) or a date-time such as 2026-12-31T17:00:00Z",
        FieldType.Id => Validate.UuidForm,
        FieldType.SingleSelect or FieldType.MultiSelect when field.Options is { } options =>
            $"one of: {string.Join(", ", options.Select(o => $"\"{o}\""))}",
        _ => "a text such as \"acme\"",
    };

    private static string Describe(JsonElement? value) => value?.ValueKind switch
    {
        JsonValueKind.String => $"the text \"{Validate.Shorten(value.Value.GetString()!)}\"",
        JsonValueKind.Number => $"the number {value.Value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.Value.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "no value",
    };

    /// <summary>Levenshtein distance, for "did you mean" on misspelt field names.</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }

    private static string EscapeLike(string text)
    {
        var builder = new StringBuilder(text.Length + 4);
        foreach (var c in text)
        {
            if (c is '\\' or '%' or '_') builder.Append('\\');
            builder.Append(c);
        }
        return builder.ToString();
    }
}
