using Microsoft.Extensions.Logging;

namespace Crm.Mcp.Hosting;

/// <summary>
/// The SDK logs three Information lines per request ("request handler called", "completed in", "tool completed"):
/// ≈ 385 bytes of stderr per tool call, which MCP clients keep in their server log files (1.1 MB per 3,000 calls).
/// At the default level they are left out; `--log-level Debug` (or Trace) shows them, and warnings always show.
/// </summary>
public static class SdkLogFilter
{
    public static ILoggingBuilder WithQuietSdkRequests(this ILoggingBuilder logging, LogLevel level) =>
        logging.AddFilter("ModelContextProtocol", level == LogLevel.Information ? LogLevel.Warning : level);
}
