using System.Globalization;
using System.Text.RegularExpressions;
using Crm.Mcp.Common;

namespace Crm.Mcp.Features.Deals;

/// <summary>
/// Deal identifiers such as DEAL-001. Tokens: {seq} (the counter, at least 3 digits), {seq:N} (at least N digits),
/// {yyyy}, {yy}, {mm}, {dd} (the UTC creation date). Each template after its date tokens are filled has its own counter,
/// so "Q-{yyyy}-{seq}" restarts every year.
/// </summary>
public static partial class IdentifierTemplate
{
    public const string Default = "DEAL-{seq}";
    public const string Form = "text with one {seq} token and optionally {yyyy} {yy} {mm} {dd}, e.g. \"DEAL-{seq}\" or \"ACME-{yyyy}-{seq:4}\"";

    [GeneratedRegex(@"\{([a-z]+)(?::(\d{1,2}))?\}")]
    private static partial Regex Token();

    public sealed record Parsed(string CounterName, Func<long, string> Render);

    public static Parsed Parse(string? template, DateTimeOffset now)
    {
        var text = template?.Trim() ?? Default;
        if (text.Length is 0 or > 60)
            throw CrmError.Invalid("identifier_template", "must be 1 to 60 characters.", Form);
        var width = 3;
        var seqCount = 0;
        string? unknown = null;
        var dated = Token().Replace(text, m =>
        {
            switch (m.Groups[1].Value)
            {
                case "seq":
                    seqCount++;
                    if (m.Groups[2].Success) width = Math.Clamp(int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), 1, 12);
                    return "{seq}";
                case "yyyy": return now.UtcDateTime.ToString("yyyy", CultureInfo.InvariantCulture);
                case "yy": return now.UtcDateTime.ToString("yy", CultureInfo.InvariantCulture);
                case "mm": return now.UtcDateTime.ToString("MM", CultureInfo.InvariantCulture);
                case "dd": return now.UtcDateTime.ToString("dd", CultureInfo.InvariantCulture);
                default: unknown ??= m.Value; return m.Value;
            }
        });
        if (unknown is not null)
            throw CrmError.Invalid("identifier_template", $"unknown token {unknown}.", Form);
        if (seqCount != 1)
            throw CrmError.Invalid("identifier_template", $"needs exactly one {{seq}} token; found {seqCount}.", Form);
        if (dated.Replace("{seq}", "").Any(c => char.IsControl(c) || c is '{' or '}'))
            throw CrmError.Invalid("identifier_template", "contains braces or control characters outside a token.", Form);
        return new Parsed(dated, seq => dated.Replace("{seq}", seq.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')));
    }
}
