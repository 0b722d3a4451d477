namespace Crm.Mcp.Resolution;

/// <summary>Company domains from emails and websites. Free-mail domains say nothing about an employer and are ignored.</summary>
public static class Domains
{
    private static readonly HashSet<string> FreeMail =
    [
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "ymail.com", "rocketmail.com",
        "hotmail.com", "hotmail.co.uk", "hotmail.fr", "outlook.com", "live.com", "msn.com", "icloud.com", "me.com", "mac.com",
        "aol.com", "proton.me", "protonmail.com", "pm.me", "gmx.com", "gmx.de", "gmx.net", "web.de", "t-online.de",
        "yandex.ru", "yandex.com", "mail.ru", "qq.com", "163.com", "126.com", "zoho.com", "fastmail.com", "hey.com",
        "tutanota.com", "mail.com", "inbox.com", "comcast.net", "verizon.net", "att.net", "btinternet.com", "orange.fr",
        "free.fr", "laposte.net", "libero.it", "naver.com", "hanmail.net", "rediffmail.com", "seznam.cz", "wp.pl",
    ];

    public static bool IsFreeMail(string domain) => FreeMail.Contains(domain);

    /// <summary>"Jane@Mail.ACME.com" -> "mail.acme.com"; null for free-mail or malformed addresses.</summary>
    public static string? FromEmail(string? email)
    {
        var at = email?.LastIndexOf('@') ?? -1;
        if (at < 0) return null;
        var domain = Normalize(email![(at + 1)..]);
        return domain is null || IsFreeMail(domain) ? null : domain;
    }

    /// <summary>"https://www.Acme.com/about" -> "acme.com"; also accepts a bare domain.</summary>
    public static string? FromWebsite(string? website)
    {
        if (string.IsNullOrWhiteSpace(website)) return null;
        var text = website.Trim();
        if (!text.Contains("://", StringComparison.Ordinal)) text = "https://" + text;
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) ? Normalize(uri.Host) : null;
    }

    /// <summary>The name a domain stands for: "acme.com" -> "acme", "mail.acme.co.uk" -> "acme"; "" for null.</summary>
    public static string Label(string? domain)
    {
        var labels = (domain ?? "").Split('.', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (labels.Count < 2) return labels.FirstOrDefault() ?? "";
        labels.RemoveAt(labels.Count - 1);
        // A two-letter country code under a generic second level (co.uk, com.au): the name is one label further left.
        if (labels.Count >= 2 && domain!.Split('.')[^1].Length == 2 && labels[^1] is "co" or "com" or "org" or "net" or "ac" or "gov" or "edu" or "ltd")
            labels.RemoveAt(labels.Count - 1);
        return labels[^1];
    }

    public static string? Normalize(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain)) return null;
        var text = domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (text.StartsWith("www.", StringComparison.Ordinal)) text = text[4..];
        return text.Contains('.') && !text.Any(char.IsWhiteSpace) ? text : null;
    }
}
