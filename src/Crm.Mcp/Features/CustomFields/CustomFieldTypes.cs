using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.Mcp.Common;

namespace Crm.Mcp.Features.CustomFields;

/// <summary>A value as stored: text-like types in Text (multi_select as a JSON array), numbers and checkboxes in Number.</summary>
public sealed record StoredValue(string? Text, double? Number);

/// <summary>The custom field types: what each accepts on write (checked, normalized) and how it reads back.</summary>
public static partial class CustomFieldTypes
{
    public const string Text = "text", Number = "number", Currency = "currency", Date = "date", Datetime = "datetime",
        SingleSelect = "single_select", MultiSelect = "multi_select", Email = "email", Phone = "phone", Url = "url", Checkbox = "checkbox";

    public static readonly IReadOnlyList<string> All =
        [Text, Number, Currency, Date, Datetime, SingleSelect, MultiSelect, Email, Phone, Url, Checkbox];

    public static bool HasOptions(string type) => type is SingleSelect or MultiSelect;

    public static bool IsNumeric(string type) => type is Number or Currency or Checkbox;

    public const int MaxTextLength = 2000;

    /// <summary>The accepted form of a value of this field, for error messages and get_entity_configuration.</summary>
    public static string Form(CustomFieldView field) => field.Type switch
    {
        Text => $"a text of at most {MaxTextLength} characters, e.g. \"Referral from Jane\"",
        Number => "a number, e.g. 42 or 3.5",
        Currency => $"an amount in major units of {field.Currency}, e.g. 2500.50",
        Date => "an ISO date, e.g. \"2026-12-31\"",
        Datetime => "an ISO 8601 date-time, e.g. \"2026-12-31T17:00:00Z\"",
        SingleSelect => $"one of: {string.Join(", ", field.Options!.Select(o => $"\"{o}\""))}",
        MultiSelect => $"an array of options from: {string.Join(", ", field.Options!.Select(o => $"\"{o}\""))}",
        Email => Validate.EmailForm,
        Phone => "a phone number, e.g. \"+1 415 555 0100\"",
        Url => "a web address, e.g. \"https://acme.com\" (https:// is added when missing)",
        Checkbox => "true or false",
        _ => throw new ArgumentOutOfRangeException(nameof(field), field.Type, null),
    } + "; null clears the value";

    /// <summary>Checks and normalizes a value for this field; null (JSON null) means clear it.</summary>
    public static StoredValue? Parse(CustomFieldView field, JsonElement value, string path)
    {
        if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return null;
        CrmError Wrong(string problem) => CrmError.Invalid(path, $"{field.Name} is a {field.Type} field; {problem}", Form(field));
        string String() => value.ValueKind == JsonValueKind.String
            ? value.GetString()!.Trim() is { Length: > 0 } s ? s : throw Wrong("got an empty text (pass null to clear).")
            : throw Wrong($"got {Describe(value)}.");

        switch (field.Type)
        {
            case Text:
            {
                var text = String();
                return text.Length <= MaxTextLength ? new(text, null) : throw Wrong($"the text is {text.Length} characters long.");
            }
            case Number:
                return value.ValueKind == JsonValueKind.Number && double.IsFinite(value.GetDouble())
                    ? new(null, value.GetDouble()) : throw Wrong($"got {Describe(value)}.");
            case Currency:
            {
                if (value.ValueKind != JsonValueKind.Number) throw Wrong($"got {Describe(value)}.");
                var currency = Common.Currency.FromStored(field.Currency!);
                // ToMinor refuses negative, lossy and oversized amounts with the field named.
                var minor = Money.ToMinor(path, value.GetDouble(), currency);
                return new(null, (double)Money.ToMajor(minor, currency));
            }
            case Date:
            {
                var text = String();
                return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                    ? new(text, null) : throw Wrong(Validate.NotADate(text, "an ISO date"));
            }
            case Datetime:
            {
                var text = String();
                if (text.Length <= 10) throw Wrong($"'{Validate.Shorten(text)}' has no time of day.");
                try { return new(Validate.Date(path, text), null); }
                catch (CrmError) { throw Wrong(Validate.NotADate(text, "an ISO 8601 date-time")); }
            }
            case SingleSelect:
            {
                var text = String();
                return new(Option(field, text) ?? throw Wrong($"'{Validate.Shorten(text)}' is not an option."), null);
            }
            case MultiSelect:
            {
                if (value.ValueKind != JsonValueKind.Array) throw Wrong($"got {Describe(value)}, not an array.");
                var chosen = new List<string>();
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    var itemPath = $"{path}[{index++}]";
                    var text = item.ValueKind == JsonValueKind.String ? item.GetString()!.Trim() : null;
                    var option = text is null ? null : Option(field, text);
                    if (option is null)
                        throw CrmError.Invalid(itemPath, $"{(text is null ? $"got {Describe(item)}" : $"'{Validate.Shorten(text)}' is not an option of {field.Name}")}.", Form(field));
                    if (!chosen.Contains(option)) chosen.Add(option);
                }
                return chosen.Count == 0 ? null : new(JsonSerializer.Serialize(chosen, CommonJsonContext.Default.ListString), null);
            }
            case Email:
                return new(Validate.Email(path, String()), null);
            case Phone:
            {
                var text = String();
                return PhoneShape().IsMatch(text) && text.Count(char.IsAsciiDigit) >= 4
                    ? new(text, null) : throw Wrong($"'{Validate.Shorten(text)}' is not a phone number.");
            }
            case Url:
            {
                var text = String();
                var candidate = text.Contains("://", StringComparison.Ordinal) ? text : "https://" + text;
                return Uri.TryCreate(candidate, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" &&
                       uri.Host.Contains('.') && !text.Any(char.IsWhiteSpace)
                    ? new(candidate, null)
                    : throw Wrong($"'{Validate.Shorten(text)}' is not a web address.");
            }
            case Checkbox:
                return value.ValueKind switch
                {
                    JsonValueKind.True => new(null, 1),
                    JsonValueKind.False => new(null, 0),
                    _ => throw Wrong($"got {Describe(value)}."),
                };
            default:
                throw new ArgumentOutOfRangeException(nameof(field), field.Type, null);
        }
    }

    /// <summary>A stored value as the JSON a reader gets back.</summary>
    public static JsonNode? Read(string type, string? text, double? number) => type switch
    {
        Number or Currency => number is { } n ? JsonValue.Create(n) : null,
        Checkbox => number is { } b ? JsonValue.Create(b != 0) : null,
        MultiSelect => text is null ? null : JsonNode.Parse(text),
        _ => text is null ? null : JsonValue.Create(text),
    };

    private static string? Option(CustomFieldView field, string text) =>
        field.Options!.FirstOrDefault(o => string.Equals(o, text, StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex(@"^\+?[0-9(][0-9 ()./-]{2,28}[0-9]( ?(x|ext\.?) ?[0-9]{1,6})?$", RegexOptions.IgnoreCase)]
    private static partial Regex PhoneShape();

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the text \"{Validate.Shorten(value.GetString()!)}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "no value",
    };
}
