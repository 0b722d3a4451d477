using System.Globalization;
using System.Net.Mail;

namespace Crm.Mcp.Common;

/// <summary>Argument checks shared by every tool. Each failure names the field, the problem and the accepted form.</summary>
public static class Validate
{
    public const string UuidForm = "a UUID such as 3f2b8a1e-5c4d-4e6f-8a9b-0c1d2e3f4a5b";
    public const string DateForm = "an ISO 8601 date such as 2026-12-31, or a date-time such as 2026-12-31T17:00:00Z";
    public const string EmailForm = "an email address such as jane@acme.com";

    /// <summary>Returns the canonical lower-case form of a UUID, or null when absent.</summary>
    public static string? Uuid(string field, string? value)
    {
        if (value is null) return null;
        if (!Guid.TryParse(value.Trim(), out var guid))
            throw CrmError.Invalid(field, $"'{Shorten(value)}' is not a UUID.", UuidForm);
        return guid.ToString();
    }

    public static IReadOnlyList<string> Uuids(string field, IEnumerable<string>? values) =>
        values is null ? [] : values.Select((v, i) => Uuid($"{field}[{i}]", v)!).Distinct().ToList();

    /// <summary>Accepts a date or a date-time; date-only input stays date-only, a date-time is stored in UTC.</summary>
    public static string? Date(string field, string? value)
    {
        if (value is null) return null;
        var text = value.Trim();
        if (text.Length == 0) return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (text.Length > 10 && text[4] == '-' && text[7] == '-' && text[10] == 'T' &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
            return Clock.Format(instant);
        throw CrmError.Invalid(field, NotADate(value, "an ISO 8601 date"), DateForm);
    }

    /// <summary>"'Friday' is not an ISO 8601 date (today is 2026-12-04, a Friday, UTC)": a relative date is fixed in
    /// one retry when the message says what today is. Every date error says it.</summary>
    public static string NotADate(string value, string what)
    {
        var today = Clock.Time.GetUtcNow().UtcDateTime;
        return $"'{Shorten(value)}' is not {what} (today is {today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}, a {today.DayOfWeek}, UTC).";
    }

    /// <summary>Returns the trimmed address, or throws; emails are compared lower-cased elsewhere.</summary>
    public static string Email(string field, string value)
    {
        var text = value.Trim();
        var ok = text.Length is > 2 and <= 254 && !text.Any(char.IsWhiteSpace) && text.Count(c => c == '@') == 1 &&
                 MailAddress.TryCreate(text, out var parsed) && parsed.Address == text &&
                 text[(text.IndexOf('@') + 1)..].Contains('.') && !text.EndsWith('.');
        if (!ok) throw CrmError.Invalid(field, $"'{Shorten(value)}' is not a valid email address.", EmailForm);
        return text;
    }

    /// <summary>A required-if-present text: null stays null, blank is an error.</summary>
    public static string? Text(string field, string? value, int maxLength = 500, string? example = null)
    {
        if (value is null) return null;
        var text = value.Trim();
        if (text.Length == 0)
            throw CrmError.Invalid(field, "must not be empty.", example is null ? "a non-empty text" : $"a non-empty text such as {example}");
        if (text.Length > maxLength)
            throw CrmError.Invalid(field, $"is {text.Length} characters long; the limit is {maxLength}.", $"at most {maxLength} characters");
        // PostgreSQL text cannot hold U+0000, so neither backend accepts it: the same input behaves the same on both.
        if (text.Contains('\0'))
            throw CrmError.Invalid(field, "contains the NUL character (U+0000).", "text without NUL characters");
        return text;
    }

    /// <summary>A text that must be given: absent or blank is an error naming the accepted form.</summary>
    public static string RequiredText(string field, string? value, int maxLength, string expected) =>
        string.IsNullOrWhiteSpace(value)
            ? throw CrmError.Invalid(field, value is null ? "is required." : "must not be empty.", expected)
            : Text(field, value, maxLength)!;

    public static int Limit(int? limit, int fallback = 25, int max = 100)
    {
        var value = limit ?? fallback;
        if (value < 1 || value > max)
            throw CrmError.Invalid("limit", $"{value} is out of range.", $"a whole number from 1 to {max}, e.g. 25");
        return value;
    }

    public static string Shorten(string value) => value.Length <= 60 ? value : value[..57] + "...";
}
