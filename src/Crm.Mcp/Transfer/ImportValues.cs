using System.Globalization;
using System.Text;
using Crm.Mcp.Common;

namespace Crm.Mcp.Transfer;

/// <summary>
/// Reads the values CRM exports and spreadsheets actually contain: localized numbers ("1.234,56", "1 234,56",
/// "£1,250.50", HubSpot's " -12"), dates in ISO, "YYYY-MM-DD HH:MM[:SS]", US "4/8/2025 17:19" or Excel serials.
/// Each failure is a CrmError naming the column, so the row's rejection reason says what to fix.
/// </summary>
public static class ImportValues
{
    private static readonly Dictionary<char, string> CurrencySymbols = new()
    {
        ['$'] = "USD", ['€'] = "EUR", ['£'] = "GBP", ['¥'] = "JPY", ['₹'] = "INR", ['₩'] = "KRW", ['₪'] = "ILS",
        ['₫'] = "VND", ['₱'] = "PHP", ['₴'] = "UAH", ['₦'] = "NGN", ['฿'] = "THB",
    };

    /// <summary>A number in major units, or null for an empty cell. <paramref name="commaDecimal"/> is the file's
    /// locale hint (a ';'-delimited file comes from a locale writing "1,5").</summary>
    public static (decimal Value, string? CurrencyHint)? Amount(string column, string? text, bool commaDecimal)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        string? hint = null;
        var kept = new StringBuilder();
        foreach (var c in text.Trim())
        {
            if (char.IsAsciiDigit(c) || c is '.' or ',' or '-') kept.Append(c);
            else if (CurrencySymbols.TryGetValue(c, out var code)) hint ??= code;
            else if (char.IsWhiteSpace(c) || c is '\'' or '\u2009' or '\u202F' or '\u00A0' or '+' || char.IsLetter(c)) continue;
            else throw CrmError.Invalid(column, $"'{Validate.Shorten(text)}' is not a number.", "a number such as 25000, 1234.56 or 1.234,56");
        }
        var letters = new string(text.Where(char.IsAsciiLetter).ToArray()).ToUpperInvariant();
        if (letters.Length == 3 && Currency.Codes.Contains(letters)) hint = letters;
        else if (letters.Length > 0 && hint is null && letters is not ("E" or "K"))
            throw CrmError.Invalid(column, $"'{Validate.Shorten(text)}' is not a number.", "a number such as 25000, 1234.56 or 1.234,56");

        var digits = kept.ToString();
        var lastDot = digits.LastIndexOf('.');
        var lastComma = digits.LastIndexOf(',');
        string normalized;
        if (lastDot >= 0 && lastComma >= 0)
            normalized = lastComma > lastDot ? digits.Replace(".", "").Replace(',', '.') : digits.Replace(",", "");
        else if (lastComma >= 0)
            normalized = digits.Count(c => c == ',') == 1 && (commaDecimal || digits.Length - lastComma - 1 != 3)
                ? digits.Replace(',', '.') : digits.Replace(",", "");
        else if (lastDot >= 0)
            normalized = digits.Count(c => c == '.') > 1 || (commaDecimal && digits.Length - lastDot - 1 == 3)
                ? digits.Replace(".", "") : digits;
        else normalized = digits;

        if (!decimal.TryParse(normalized, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            throw CrmError.Invalid(column, $"'{Validate.Shorten(text)}' is not a number.", "a number such as 25000, 1234.56 or 1.234,56");
        if (value < 0) throw CrmError.Invalid(column, $"'{Validate.Shorten(text)}' is negative.", "a non-negative amount");
        return (value, hint);
    }

    private static readonly string[] DateTimeForms =
    [
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy/MM/dd HH:mm:ss",
        "M/d/yyyy H:mm", "M/d/yyyy H:mm:ss", "M/d/yyyy h:mm tt", "d.M.yyyy H:mm", "d.M.yyyy H:mm:ss",
    ];

    private static readonly string[] DateForms = ["yyyy-MM-dd", "yyyy/MM/dd", "M/d/yyyy", "d.M.yyyy"];

    /// <summary>A date-only value (expected close date): "2026-12-31".</summary>
    public static string? Date(string column, string? text) => Parse(column, text)?.Date;

    /// <summary>A point in time (created at), as stored: ISO 8601 UTC with milliseconds. Exports carry no zone:
    /// read as UTC.</summary>
    public static string? Instant(string column, string? text) => Parse(column, text)?.Instant;

    private static (string Date, string Instant)? Parse(string column, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var value = text.Trim();
        // Excel serial day numbers (XLSX re-saved as CSV): 45631 is 2024-12-05.
        if (value.Length is 5 && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var serial) && serial > 20000)
        {
            var day = new DateTime(1899, 12, 30, 0, 0, 0, DateTimeKind.Utc).AddDays(serial);
            return (day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Clock.Format(day));
        }
        if (DateTime.TryParseExact(value, DateForms, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
            return (date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Clock.Format(date));
        if (DateTime.TryParseExact(value, DateTimeForms, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var instant) ||
            (value.Length > 10 && value[4] == '-' && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var offset) && (instant = offset.UtcDateTime) != default))
            return (instant.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Clock.Format(new DateTimeOffset(instant, TimeSpan.Zero)));
        throw CrmError.Invalid(column, $"'{Validate.Shorten(value)}' is not a date.", "a date such as 2026-12-31, 2026-12-31 15:55:37 or 12/31/2026");
    }

    /// <summary>Several values in one cell: HubSpot joins with ';', Pipedrive with ', '.</summary>
    public static IReadOnlyList<string> List(string? text, params char[] separators) =>
        string.IsNullOrWhiteSpace(text) ? [] : text.Split(separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
