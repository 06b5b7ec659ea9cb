using System.Buffers;
using System.Collections.Concurrent;
using Org.BouncyCastle.Tls;

namespace Conclave.Media.Transport.Dtls;

/// <summary>
/// BouncyCastle <see cref="DatagramTransport"/> fed by its owner: the UDP receive loop pushes DTLS datagrams
/// (RFC 7983: first byte 20–63) with <see cref="Enqueue"/>, and BouncyCastle's blocking handshake thread takes
/// them in <see cref="Receive(byte[], int, int, int)"/>, which waits on a semaphore with BouncyCastle's timeout
/// and returns -1 when it expires so the RFC 6347 §4.2.4 retransmission timers run. No polling, no sleeps.
/// </summary>
public sealed class QueueDatagramTransport : DatagramTransport
{
    /// <summary>Default UDP payload budget for sent datagrams: the usual WebRTC DTLS MTU, below the IPv6 minimum of 1280 minus headers.</summary>
    public const int DefaultSendLimit = 1200;

    /// <summary>Default largest datagram accepted: an Ethernet MTU (1500) minus the IPv4 and UDP headers.</summary>
    public const int DefaultReceiveLimit = 1472;

    /// <summary>Datagrams waiting beyond this are dropped: a flood must not grow memory without bound.</summary>
    public const int MaxQueuedDatagrams = 128;

    // Passed by argument
    private readonly DtlsDatagramSendHandler _send;                 // Borrowed
    private readonly int _receiveLimit;
    private readonly int _sendLimit;

    // Allocated by this
    private readonly ConcurrentQueue<(byte[] Buffer, int Length)> _queue = new();
    // Not disposed: a thread may still be inside Wait when the owner closes, and without AvailableWaitHandle
    // SemaphoreSlim holds no OS handle.
    private readonly SemaphoreSlim _signal = new(0);
    private int _queued;
    private long _dropped;
    private volatile bool _closed;

    /// <summary>Creates a transport that sends through <paramref name="send"/>.</summary>
    public QueueDatagramTransport(DtlsDatagramSendHandler send, int receiveLimit = DefaultReceiveLimit, int sendLimit = DefaultSendLimit)
    {
        ArgumentNullException.ThrowIfNull(send);
        // A DTLS record header is 13 bytes (RFC 6347 §4.1); anything that cannot carry one is a setup error.
        ArgumentOutOfRangeException.ThrowIfLessThan(receiveLimit, 256);
        ArgumentOutOfRangeException.ThrowIfLessThan(sendLimit, 256);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(receiveLimit, 65507);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sendLimit, 65507);
        _send = send;
        _receiveLimit = receiveLimit;
        _sendLimit = sendLimit;
    }

    /// <summary>True once <see cref="Close"/> ran (by the owner or by BouncyCastle after a failure or close_notify).</summary>
    public bool IsClosed => _closed;

    /// <summary>Datagrams dropped: empty, larger than the receive limit, queue full, or arrived after close.</summary>
    public long DroppedDatagrams => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Queues a received datagram, copied into a pooled buffer. Returns false (and counts a drop) if it is empty,
    /// larger than the receive limit, the queue is full or the transport is closed. Never throws.
    /// </summary>
    public bool Enqueue(ReadOnlySpan<byte> datagram)
    {
        if (_closed || datagram.IsEmpty || datagram.Length > _receiveLimit)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }
        if (Interlocked.Increment(ref _queued) > MaxQueuedDatagrams)
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _dropped);
            return false;
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(datagram.Length);
        datagram.CopyTo(buffer);
        _queue.Enqueue((buffer, datagram.Length));
        _signal.Release();
        return true;
    }

    /// <inheritdoc />
    public int GetReceiveLimit() => _receiveLimit;

    /// <inheritdoc />
    public int GetSendLimit() => _sendLimit;

    /// <summary>
    /// Copies the next datagram into <paramref name="buf"/>[<paramref name="off"/>..+<paramref name="len"/>], waiting up
    /// to <paramref name="waitMillis"/> (0 = forever, as the BouncyCastle contract says). Returns -1 on timeout.
    /// A datagram longer than <paramref name="len"/> is dropped, never truncated. Throws <see cref="IOException"/>
    /// once closed, which aborts a pending handshake.
    /// </summary>
    public int Receive(byte[] buf, int off, int len, int waitMillis)
    {
        ArgumentNullException.ThrowIfNull(buf);
        if (off < 0 || len < 0 || off > buf.Length - len)
            throw new ArgumentOutOfRangeException(nameof(len), $"[{off}, +{len}) is outside a {buf.Length}-byte buffer");
        return Receive(buf.AsSpan(off, len), waitMillis);
    }

    /// <inheritdoc cref="Receive(byte[], int, int, int)" />
    public int Receive(Span<byte> buffer, int waitMillis)
    {
        bool infinite = waitMillis <= 0;
        long deadline = Environment.TickCount64 + Math.Max(waitMillis, 0);
        while (true)
        {
            if (_closed)
            {
                // Pass the wake-up on so every waiter sees the close.
                _signal.Release();
                throw new IOException("DTLS transport closed");
            }
            int remaining = infinite ? Timeout.Infinite : (int)Math.Max(0, deadline - Environment.TickCount64);
            if (!_signal.Wait(remaining)) return -1;
            if (_closed)
            {
                _signal.Release();
                throw new IOException("DTLS transport closed");
            }
            if (!_queue.TryDequeue(out (byte[] Buffer, int Length) item)) continue;
            Interlocked.Decrement(ref _queued);
            try
            {
                if (item.Length > buffer.Length)
                {
                    Interlocked.Increment(ref _dropped);
                    continue;
                }
                item.Buffer.AsSpan(0, item.Length).CopyTo(buffer);
                return item.Length;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
            }
        }
    }

    /// <summary>Sends <paramref name="buf"/>[<paramref name="off"/>..+<paramref name="len"/>]; a no-op once closed.</summary>
    public void Send(byte[] buf, int off, int len)
    {
        ArgumentNullException.ThrowIfNull(buf);
        if (off < 0 || len < 0 || off > buf.Length - len)
            throw new ArgumentOutOfRangeException(nameof(len), $"[{off}, +{len}) is outside a {buf.Length}-byte buffer");
        Send(new ReadOnlySpan<byte>(buf, off, len));
    }

    /// <inheritdoc cref="Send(byte[], int, int)" />
    public void Send(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length > _sendLimit)
            throw new ArgumentOutOfRangeException(nameof(buffer), $"{buffer.Length}-byte datagram exceeds the {_sendLimit}-byte send limit");
        if (_closed) return;
        _send(buffer);
    }

    /// <summary>Closes the transport: wakes and fails any waiting receive, drops queued datagrams. Idempotent.</summary>
    public void Close()
    {
        if (_closed) return;
        _closed = true;
        _signal.Release();
        while (_queue.TryDequeue(out (byte[] Buffer, int Length) item))
        {
            Interlocked.Decrement(ref _queued);
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }
    }
}
