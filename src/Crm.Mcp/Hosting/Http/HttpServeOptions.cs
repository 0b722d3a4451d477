using System.Net;

namespace Crm.Mcp.Hosting.Http;

/// <summary>How the HTTP transport listens and what it lets through. Defaults are the safe ones.</summary>
public sealed record HttpServeOptions
{
    public const string DefaultUrl = "http://127.0.0.1:5077";

    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrl];
    public bool RequireAuth { get; init; } = true;
    /// <summary>No server-held session: every POST is served on its own, so instances behind a load balancer are interchangeable.</summary>
    public bool Stateless { get; init; }
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>Idle sessions kept at most; a new one beyond it ends the longest-idle (clients that never DELETE cannot exhaust memory).</summary>
    public int MaxSessions { get; init; } = 1000;
    /// <summary>Extra Host names accepted besides loopback and the bound host names; "*" accepts any.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];
    public long MaxRequestBytes { get; init; } = 1024 * 1024;
    /// <summary>Requests per <see cref="RateLimitWindow"/> per API key (per client address without a key); 0 turns it off.</summary>
    public int RateLimit { get; init; } = 600;
    public TimeSpan RateLimitWindow { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromMinutes(2);
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>The clock idle expiry reads (and whose timer runs the sweep); tests move it by hand.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Why these options must not be served, or null when they are fine.</summary>
    public string? Problem()
    {
        foreach (var url in Urls)
        {
            if (!TryHost(url, out _)) return $"--urls: '{url}' is not an http:// or https:// URL such as {DefaultUrl}.";
        }
        if (!RequireAuth && Urls.FirstOrDefault(u => !IsLoopback(u)) is { } exposed)
            return $"--no-auth is refused because {exposed} is not a loopback address: anyone who can reach it could read and change the CRM. " +
                   "Bind to 127.0.0.1 or localhost, or keep auth on and create a key: crm-mcp keys create --name NAME --scope write";
        if (MaxRequestBytes < 1024) return "--max-request-bytes: must be at least 1024.";
        if (RateLimit < 0) return "--rate-limit: must be 0 (off) or more.";
        if (MaxSessions < 1) return "--max-sessions: must be at least 1.";
        if (SessionIdleTimeout <= TimeSpan.Zero) return "--session-idle-timeout: must be more than 0 minutes.";
        if (CallTimeout <= TimeSpan.Zero) return "--call-timeout: must be more than 0 seconds.";
        return null;
    }

    public static bool IsLoopback(string url) =>
        TryHost(url, out var host) && (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
                                       (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address)));

    /// <summary>The host names a request's Host header may carry: loopback names, named bound hosts, and the extra ones.</summary>
    public IReadOnlySet<string> HostAllowList()
    {
        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "[::1]", "::1" };
        foreach (var url in Urls)
            if (TryHost(url, out var host) && host is not ("*" or "+" or "0.0.0.0" or "[::]")) hosts.Add(host);
        foreach (var host in AllowedHosts) hosts.Add(host.Trim());
        return hosts;
    }

    private static bool TryHost(string url, out string host)
    {
        host = "";
        // Kestrel's wildcard forms (http://*:5077, http://+:5077) are not valid URIs; read the host by hand.
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0 || url[..schemeEnd].ToLowerInvariant() is not ("http" or "https")) return false;
        var rest = url[(schemeEnd + 3)..];
        var end = rest.StartsWith('[') ? rest.IndexOf(']') + 1 : rest.IndexOfAny([':', '/']);
        host = end <= 0 ? rest : rest[..end];
        return host.Length > 0;
    }
}
