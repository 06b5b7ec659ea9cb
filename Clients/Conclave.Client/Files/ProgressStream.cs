namespace Conclave.Client.Files;

/// <summary>
/// Reads at most <c>limit</c> bytes of an inner stream (not disposed here) and reports how many have been read so far,
/// for progress bars over a request body or a download. Keeps what a read of the inner stream threw
/// (<see cref="Failure"/>), so that a request whose body failed can tell that from a network failure.
/// </summary>
internal sealed class ProgressStream(Stream inner, long limit, Action<long> report) : Stream
{
    private long _read;

    /// <summary>What the inner stream threw, if it did (cancellation aside).</summary>
    public Exception? Failure { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => limit;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Count(inner.Read(buffer[..Allowed(buffer.Length)]));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Failure = e;
            throw;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return Count(await inner.ReadAsync(buffer[..Allowed(buffer.Length)], cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Failure = e;
            throw;
        }
    }

    private int Allowed(int wanted) => (int)Math.Min(wanted, limit - _read);

    private int Count(int read)
    {
        if (read > 0)
        {
            _read += read;
            report(_read);
        }
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
