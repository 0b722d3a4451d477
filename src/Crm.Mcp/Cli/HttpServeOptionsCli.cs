using System.CommandLine;
using Crm.Mcp.Hosting.Http;

namespace Crm.Mcp.Cli;

/// <summary>`serve --transport http` and the flags that shape the HTTP server.</summary>
public static class HttpServeOptionsCli
{
    public static readonly Option<string> Transport = new("--transport")
    {
        Description = "stdio (what MCP clients start; default) or http (a server clients reach by URL)",
        DefaultValueFactory = _ => "stdio",
    };

    private static readonly Option<string[]> Urls = new("--urls")
    {
        Description = $"Addresses to listen on, comma-separated (http only). Default {HttpServeOptions.DefaultUrl}: loopback only",
        HelpName = "URLS",
        AllowMultipleArgumentsPerToken = true,
    };

    private static readonly Option<bool> NoAuth = new("--no-auth")
    {
        Description = "Accept requests without an API key (http only; refused unless every address is loopback)",
    };

    private static readonly Option<bool> Stateless = new("--stateless")
    {
        Description = "Keep no sessions: each POST stands alone, so several instances can share a load balancer (http only)",
    };

    private static readonly Option<string[]> AllowedHosts = new("--allowed-hosts")
    {
        Description = "Host names (and browser Origins) accepted besides loopback and the --urls hosts, comma-separated; * accepts any (http only)",
        HelpName = "HOSTS",
        AllowMultipleArgumentsPerToken = true,
    };

    private static readonly Option<int> IdleTimeout = new("--session-idle-timeout")
    {
        Description = "Minutes a session may sit idle before it ends (http only)",
        DefaultValueFactory = _ => 30,
        HelpName = "MINUTES",
    };

    private static readonly Option<int> MaxSessions = new("--max-sessions")
    {
        Description = "Idle sessions kept at most; a new one beyond that ends the longest-idle one (http only)",
        DefaultValueFactory = _ => 1000,
        HelpName = "N",
    };

    private static readonly Option<long> MaxRequestBytes = new("--max-request-bytes")
    {
        Description = "Largest request body accepted; bigger ones get 413 (http only)",
        DefaultValueFactory = _ => 1024 * 1024,
        HelpName = "BYTES",
    };

    private static readonly Option<int> RateLimit = new("--rate-limit")
    {
        Description = "Requests per minute per API key before 429; 0 turns it off (http only)",
        DefaultValueFactory = _ => 600,
        HelpName = "N",
    };

    private static readonly Option<int> CallTimeout = new("--call-timeout")
    {
        Description = "Seconds a tool call may run before it is stopped and answered with a timeout error (http only)",
        DefaultValueFactory = _ => 120,
        HelpName = "SECONDS",
    };

    static HttpServeOptionsCli() => Transport.AcceptOnlyFromAmong("stdio", "http");

    public static void AddTo(Command serve)
    {
        foreach (var option in new Option[] { Transport, Urls, NoAuth, Stateless, AllowedHosts, IdleTimeout, MaxSessions, MaxRequestBytes, RateLimit, CallTimeout })
            serve.Add(option);
    }

    public static bool IsHttp(ParseResult parse) => parse.GetValue(Transport) == "http";

    /// <summary>An HTTP flag given without --transport http, which would otherwise be silently ignored.</summary>
    public static string? MisplacedHttpFlag(ParseResult parse) =>
        new Option[] { Urls, NoAuth, Stateless, AllowedHosts, IdleTimeout, MaxSessions, MaxRequestBytes, RateLimit, CallTimeout }
            .FirstOrDefault(o => parse.GetResult(o) is { Implicit: false })?.Name;

    public static HttpServeOptions Read(ParseResult parse)
    {
        static string[] List(string[]? values) =>
            (values ?? []).SelectMany(v => v.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        var urls = List(parse.GetValue(Urls));
        return new HttpServeOptions
        {
            Urls = urls.Length > 0 ? urls : [HttpServeOptions.DefaultUrl],
            RequireAuth = !parse.GetValue(NoAuth),
            Stateless = parse.GetValue(Stateless),
            AllowedHosts = List(parse.GetValue(AllowedHosts)),
            SessionIdleTimeout = TimeSpan.FromMinutes(parse.GetValue(IdleTimeout)),
            MaxSessions = parse.GetValue(MaxSessions),
            MaxRequestBytes = parse.GetValue(MaxRequestBytes),
            RateLimit = parse.GetValue(RateLimit),
            CallTimeout = TimeSpan.FromSeconds(parse.GetValue(CallTimeout)),
        };
    }
}
