using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace Crm.Mcp.Hosting;

/// <summary>
/// stdin that ends only after every request already read has been answered. A client may write its requests and
/// close stdin at once (`printf '...' | crm-mcp`); reporting end-of-input right away would stop the server before
/// those calls reply. So at end-of-input this waits until as many messages have been dispatched as lines were read
/// and none is still running (bounded, so a stuck call cannot keep the process alive forever).
/// </summary>
public sealed class DrainingInput(Stream inner, TimeSpan maxWait) : Stream
{
    private long _linesRead;
    private long _messagesSeen;
    private long _inFlight;
    private readonly SemaphoreSlim _changed = new(0);
    private bool _lineHasContent;

    public IMcpServerBuilder Track(IMcpServerBuilder builder) =>
        builder.WithMessageFilters(filters =>
        {
            filters.AddIncomingFilter(next => async (context, cancellationToken) =>
            {
                if (context.JsonRpcMessage is JsonRpcRequest) Interlocked.Increment(ref _inFlight);
                Interlocked.Increment(ref _messagesSeen);
                _changed.Release();
                await next(context, cancellationToken);
            });
            filters.AddOutgoingFilter(next => async (context, cancellationToken) =>
            {
                await next(context, cancellationToken);
                if (context.JsonRpcMessage is JsonRpcResponse or JsonRpcError)
                {
                    Interlocked.Decrement(ref _inFlight);
                    _changed.Release();
                }
            });
        });

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        if (read > 0)
        {
            CountLines(buffer.Span[..read]);
            return read;
        }
        if (_lineHasContent) { _linesRead++; _lineHasContent = false; }
        var deadline = DateTime.UtcNow + maxWait;
        while ((Interlocked.Read(ref _messagesSeen) < _linesRead || Interlocked.Read(ref _inFlight) > 0) && DateTime.UtcNow < deadline)
            await _changed.WaitAsync(TimeSpan.FromMilliseconds(200), cancellationToken);
        return 0;
    }

    private void CountLines(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b == (byte)'\n')
            {
                if (_lineHasContent) _linesRead++;
                _lineHasContent = false;
            }
            else if (b is not ((byte)' ' or (byte)'\r' or (byte)'\t')) _lineHasContent = true;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
