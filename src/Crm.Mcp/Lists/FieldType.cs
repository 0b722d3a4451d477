namespace Crm.Mcp.Lists;

/// <summary>What a field holds. The same types describe built-in and custom fields, so both filter and sort alike.</summary>
public enum FieldType
{
    Text, Number, Currency, Date, Datetime, SingleSelect, MultiSelect, Email, Phone, Url, Checkbox, Id,
}

public static class FilterOps
{
    public const string EqualsOp = "equals", NotEquals = "not_equals", Contains = "contains", StartsWith = "starts_with",
        Gt = "gt", Gte = "gte", Lt = "lt", Lte = "lte", Between = "between", In = "in", NotIn = "not_in",
        IsNull = "is_null", IsNotNull = "is_not_null", HasAny = "has_any", HasNone = "has_none",
        InLastDays = "in_last_days", InNextDays = "in_next_days";

    public static readonly IReadOnlyList<string> All =
        [EqualsOp, NotEquals, Contains, StartsWith, Gt, Gte, Lt, Lte, Between, In, NotIn, IsNull, IsNotNull, HasAny, HasNone, InLastDays, InNextDays];

    /// <summary>The most days in_last_days / in_next_days take (ten years).</summary>
    public const int MaxRelativeDays = 3660;

    private static readonly string[] TextOps = [EqualsOp, NotEquals, Contains, StartsWith, In, NotIn, IsNull, IsNotNull];
    private static readonly string[] OrderedOps = [EqualsOp, NotEquals, Gt, Gte, Lt, Lte, Between, In, NotIn, IsNull, IsNotNull];
    private static readonly string[] DateOps = [.. OrderedOps, InLastDays, InNextDays];
    private static readonly string[] ChoiceOps = [EqualsOp, NotEquals, In, NotIn, IsNull, IsNotNull];

    /// <summary>The operators a type allows unless the field narrows them.</summary>
    public static IReadOnlyList<string> For(FieldType type) => type switch
    {
        FieldType.Text or FieldType.Email or FieldType.Phone or FieldType.Url => TextOps,
        FieldType.Number or FieldType.Currency => OrderedOps,
        FieldType.Date or FieldType.Datetime => DateOps,
        FieldType.SingleSelect or FieldType.Id => ChoiceOps,
        FieldType.Checkbox => [EqualsOp, NotEquals, IsNull, IsNotNull],
        FieldType.MultiSelect => [HasAny, HasNone, IsNull, IsNotNull],
        _ => [],
    };

    /// <summary>The name a type goes by in filters, errors and get_entity_configuration (snake_case).</summary>
    public static string Name(this FieldType type) => type switch
    {
        FieldType.SingleSelect => "single_select",
        FieldType.MultiSelect => "multi_select",
        _ => type.ToString().ToLowerInvariant(),
    };

    public static bool IsTextual(this FieldType type) =>
        type is FieldType.Text or FieldType.Email or FieldType.Phone or FieldType.Url or FieldType.SingleSelect;
}
