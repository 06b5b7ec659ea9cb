using System.Diagnostics;

namespace Conclave.Bench.Files;

/// <summary>A read-only view of a stream that records every read in a <see cref="Timeline"/>. Disposing it disposes
/// the inner stream unless <c>leaveOpen</c>, then runs <c>onDispose</c>.</summary>
internal sealed class TimedReadStream(Stream inner, Timeline timeline, Activity kind, bool leaveOpen = false, Action? onDispose = null) : Stream
{
    private bool _disposed;

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        long start = Stopwatch.GetTimestamp();
        int read = inner.Read(buffer);
        timeline.Add(kind, start, Stopwatch.GetTimestamp(), read);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        long start = Stopwatch.GetTimestamp();
        int read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        timeline.Add(kind, start, Stopwatch.GetTimestamp(), read);
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (!leaveOpen) inner.Dispose();
            onDispose?.Invoke();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (!leaveOpen) await inner.DisposeAsync().ConfigureAwait(false);
            onDispose?.Invoke();
        }
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
