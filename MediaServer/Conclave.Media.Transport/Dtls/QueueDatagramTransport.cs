using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using Conclave.Media.Transport.Rtp;
using Org.BouncyCastle.Tls;

namespace Conclave.Media.Transport.Dtls;

/// <summary>
/// BouncyCastle <see cref="DatagramTransport"/> fed by its owner: the UDP receive loop pushes DTLS datagrams
/// (RFC 7983: first byte 20–63) with <see cref="Enqueue"/>, and BouncyCastle's blocking handshake thread takes
/// them in <see cref="Receive(byte[], int, int, int)"/>, which waits on a semaphore with BouncyCastle's timeout
/// and returns -1 when it expires so the RFC 6347 §4.2.4 retransmission timers run. No polling, no sleeps.
/// <para>
/// Nothing authenticates an epoch-0 record (RFC 6347 §4.1: the initial TLS_NULL_WITH_NULL_NULL state), so anyone who
/// can put a datagram on the path can send records that BouncyCastle 2.7 acts on. <see cref="Enqueue"/> drops every
/// datagram that is not a sequence of well-formed DTLS 1.2 records (see <see cref="IsWellFormed"/>) before it
/// reaches BouncyCastle, and rewrites the sequence number of each epoch-0 record to a local arrival counter: without
/// a MAC the peer's number means nothing, and BouncyCastle moves its anti-replay window on it anyway, so a single
/// forged record numbered far ahead would make it discard every genuine epoch-0 record and stall the handshake
/// until its timeout.
/// </para>
/// </summary>
public sealed class QueueDatagramTransport : DatagramTransport
{
    /// <summary>Default UDP payload budget for sent datagrams: the usual WebRTC DTLS MTU, below the IPv6 minimum of 1280 minus headers.</summary>
    public const int DefaultSendLimit = 1200;

    /// <summary>Default largest datagram accepted: an Ethernet MTU (1500) minus the IPv4 and UDP headers.</summary>
    public const int DefaultReceiveLimit = 1472;

    /// <summary>Datagrams waiting beyond this are dropped: a flood must not grow memory without bound.</summary>
    public const int MaxQueuedDatagrams = 128;

    private const int RecordHeaderLength = 13;                      // RFC 6347 §4.1
    private const int HandshakeHeaderLength = 12;                   // RFC 6347 §4.2.2
    private const ushort Dtls10 = 0xFEFF;                           // RFC 6347 §4.1: {254, 255}
    private const ushort Dtls12 = 0xFEFD;                           // {254, 253}
    private const byte ChangeCipherSpec = 20;                       // RFC 5246 §6.2.1 ContentType
    private const byte Alert = 21;
    private const byte Handshake = 22;
    private const byte ApplicationData = 23;
    private const byte ClientHello = 1;                             // RFC 5246 §7.4 HandshakeType
    private const byte HelloVerifyRequest = 3;                      // RFC 6347 §4.3.2

    // RFC 5288 §3: an AES-GCM record carries an 8-byte explicit nonce and (RFC 5116 §5.1) a 16-byte tag, so under the
    // AES-GCM suites DtlsSrtpPeerState offers no genuine record of epoch 1 or later is shorter. BouncyCastle answers a
    // shorter one with a fatal decode_error instead of discarding it (it discards only bad_record_mac), which would let
    // one junk datagram end a handshake in its last round trip, or an established association.
    private const int MinProtectedFragmentLength = 8 + 16;

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
    private long _malformed;
    private long _plaintextSequence;
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

    /// <summary>Datagrams dropped: empty, larger than the receive limit, malformed, queue full, or arrived after close.</summary>
    public long DroppedDatagrams => Interlocked.Read(ref _dropped);

    /// <summary>The part of <see cref="DroppedDatagrams"/> that was not a sequence of well-formed DTLS 1.2 records.</summary>
    public long MalformedDatagrams => Interlocked.Read(ref _malformed);

    /// <summary>
    /// Queues a received datagram, copied into a pooled buffer, with its epoch-0 records renumbered in arrival order.
    /// Returns false (and counts a drop) if it is empty, larger than the receive limit, not well-formed DTLS
    /// (<see cref="IsWellFormed"/>), the queue is full or the transport is closed. Never throws; a dropped datagram
    /// allocates nothing.
    /// </summary>
    public bool Enqueue(ReadOnlySpan<byte> datagram)
    {
        if (_closed || datagram.IsEmpty || datagram.Length > _receiveLimit)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }
        if (!IsWellFormed(datagram))
        {
            Interlocked.Increment(ref _malformed);
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
        RenumberPlaintextRecords(buffer.AsSpan(0, datagram.Length));
        _queue.Enqueue((buffer, datagram.Length));
        _signal.Release();
        return true;
    }

    /* RFC 6347 §4.1 DTLSPlaintext / DTLSCiphertext, one or more per datagram (§4.1.1), never split across datagrams
      |     type      |            version            |             epoch             |
      |                       sequence_number (48 bits)                               |
      |            length             |  fragment (length bytes) ...                  | */
    /// <summary>
    /// True when <paramref name="datagram"/> is one or more whole DTLS 1.2 records that BouncyCastle can act on
    /// safely. Every record: content type change_cipher_spec, alert, handshake or application_data (heartbeat and
    /// connection-ID records are never negotiated here); version DTLS 1.2, or DTLS 1.0 where RFC 6347 allows it
    /// before the version is agreed; a length within the datagram. Epoch 0 is plaintext and checked as such
    /// (<see cref="IsWellFormedPlaintext"/>); later epochs are AEAD-protected, so BouncyCastle authenticates them,
    /// and only their minimum length is checked here.
    /// </summary>
    internal static bool IsWellFormed(ReadOnlySpan<byte> datagram)
    {
        do
        {
            if (datagram.Length < RecordHeaderLength) return false;
            byte type = datagram[0];
            ushort version = BinaryPrimitives.ReadUInt16BigEndian(datagram[1..]);
            ushort epoch = BinaryPrimitives.ReadUInt16BigEndian(datagram[3..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[11..]);
            if (length > datagram.Length - RecordHeaderLength) return false;
            if (type is < ChangeCipherSpec or > ApplicationData) return false;
            ReadOnlySpan<byte> fragment = datagram.Slice(RecordHeaderLength, length);
            if (epoch == 0)
            {
                if (!IsWellFormedPlaintext(type, version, fragment)) return false;
            }
            else if (version != Dtls12 || length < MinProtectedFragmentLength)
            {
                return false;
            }
            datagram = datagram[(RecordHeaderLength + length)..];
        }
        while (!datagram.IsEmpty);
        return true;
    }

    /// <summary>
    /// An epoch-0 record, whose content nothing authenticates: a one-byte change_cipher_spec of value 1 (RFC 5246
    /// §7.1), a two-byte alert of level warning or fatal (RFC 5246 §7.2), or whole handshake fragments (RFC 6347
    /// §4.2.2). Never application data: epoch 0 is the null cipher state no application data is sent under (RFC 5246
    /// §6.1). DTLS 1.0 is accepted only on a ClientHello, a HelloVerifyRequest (RFC 6347 §4.2.1) or an alert sent
    /// before the version is agreed; BouncyCastle's client takes the version of the first record it accepts as the
    /// server's, so a stray DTLS 1.0 record would make it drop the real DTLS 1.2 ServerHello.
    /// </summary>
    private static bool IsWellFormedPlaintext(byte type, ushort version, ReadOnlySpan<byte> fragment)
    {
        if (version != Dtls12 && version != Dtls10) return false;
        return type switch
        {
            ChangeCipherSpec => version == Dtls12 && fragment.Length == 1 && fragment[0] == 1,
            Alert => fragment.Length == 2 && fragment[0] is (byte)AlertLevel.warning or (byte)AlertLevel.fatal,
            Handshake => AreWellFormedFragments(fragment, helloOnly: version == Dtls10),
            _ => false,
        };
    }

    /* RFC 6347 §4.2.2
      |   msg_type    |                 length (24 bits)              |
      |          message_seq          |        fragment_offset (24 bits) ...
      ...             |               fragment_length (24 bits)       |  body ... */
    /// <summary>
    /// One or more whole handshake fragments that fit their message (fragment_offset + fragment_length ≤ length);
    /// with <paramref name="helloOnly"/>, only ClientHello or HelloVerifyRequest. An empty record is refused
    /// (RFC 5246 §6.2.1: no zero-length handshake fragments).
    /// </summary>
    private static bool AreWellFormedFragments(ReadOnlySpan<byte> record, bool helloOnly)
    {
        do
        {
            if (record.Length < HandshakeHeaderLength) return false;
            int messageLength = (int)BitShifter.ReadUInt24BigEndian(record[1..]);
            int fragmentOffset = (int)BitShifter.ReadUInt24BigEndian(record[6..]);
            int fragmentLength = (int)BitShifter.ReadUInt24BigEndian(record[9..]);
            if (fragmentLength > record.Length - HandshakeHeaderLength) return false;
            if (fragmentOffset + fragmentLength > messageLength) return false;
            if (helloOnly && record[0] is not (ClientHello or HelloVerifyRequest)) return false;
            record = record[(HandshakeHeaderLength + fragmentLength)..];
        }
        while (!record.IsEmpty);
        return true;
    }

    /// <summary>
    /// Gives each epoch-0 record of a well-formed datagram the next number of a local counter. RFC 6347 §4.1.2.6
    /// updates the replay window only once a record's MAC verifies, and epoch-0 records have no MAC. The peer's own
    /// numbers are needed nowhere else: the handshake transcript hashes handshake messages, not record headers, and
    /// the server sends no HelloVerifyRequest, whose record number would echo the ClientHello's (RFC 6347 §4.2.1).
    /// </summary>
    private void RenumberPlaintextRecords(Span<byte> datagram)
    {
        while (!datagram.IsEmpty)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[11..]);
            if (BinaryPrimitives.ReadUInt16BigEndian(datagram[3..]) == 0)
            {
                long sequence = Interlocked.Increment(ref _plaintextSequence) - 1;
                BinaryPrimitives.WriteUInt16BigEndian(datagram[5..], (ushort)(sequence >> 32));
                BinaryPrimitives.WriteUInt32BigEndian(datagram[7..], (uint)sequence);
            }
            datagram = datagram[(RecordHeaderLength + length)..];
        }
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
