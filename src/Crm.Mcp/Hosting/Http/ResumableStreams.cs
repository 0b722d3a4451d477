// MCP9006: the SDK marks stateful-session resumability "back-compat only" since 2026-07-28; the clients in use today
// (2025-11-25 and earlier) rely on it, so it is served on purpose.
#pragma warning disable MCP9006
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Crm.Mcp.Hosting.Http;

/// <summary>
/// The SDK's in-memory event store, so a client whose stream broke can reconnect with Last-Event-ID and receive what
/// it missed, plus a retry field on each stream's priming event: it tells the client how soon to reconnect instead of
/// leaving it to guess (the SDK writes one only when a tool switches to polling).
/// </summary>
public sealed class ResumableStreams(ISseEventStreamStore store) : ISseEventStreamStore
{
    public static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    public async ValueTask<ISseEventStreamWriter> CreateStreamAsync(SseEventStreamOptions options, CancellationToken cancellationToken = default) =>
        new Writer(await store.CreateStreamAsync(options, cancellationToken));

    public ValueTask<ISseEventStreamReader?> GetStreamReaderAsync(string lastEventId, CancellationToken cancellationToken = default) =>
        store.GetStreamReaderAsync(lastEventId, cancellationToken);

    private sealed class Writer(ISseEventStreamWriter writer) : ISseEventStreamWriter
    {
        public ValueTask SetModeAsync(SseEventStreamMode mode, CancellationToken cancellationToken = default) =>
            writer.SetModeAsync(mode, cancellationToken);

        public ValueTask<System.Net.ServerSentEvents.SseItem<JsonRpcMessage?>> WriteEventAsync(
            System.Net.ServerSentEvents.SseItem<JsonRpcMessage?> item, CancellationToken cancellationToken = default) =>
            writer.WriteEventAsync(item.Data is null && item.ReconnectionInterval is null ? item with { ReconnectionInterval = Retry } : item,
                cancellationToken);

        public ValueTask DisposeAsync() => writer.DisposeAsync();
    }
}
