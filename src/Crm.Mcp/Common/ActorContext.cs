namespace Crm.Mcp.Common;

/// <summary>
/// Who is making the current request, one instance per MCP request (scoped). Over HTTP with auth it is the API key's
/// name; over stdio, or HTTP with --no-auth, it is <see cref="Local"/>. The change journal records this name as the
/// actor of every write, so tools read it here instead of knowing about transports or keys.
/// </summary>
public sealed class ActorContext
{
    public const string Local = "local";

    public string Name { get; private set; } = Local;

    /// <summary>Set once per request by the host, before any tool runs.</summary>
    public void Set(string name) => Name = name;
}
