using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Srtp;
using Org.BouncyCastle.Tls;

namespace Conclave.Media.Transport.Dtls;

/* One WebRTC media connection above ICE (libwebrtc's DtlsSrtpTransport, pion's DTLSTransport + SRTP session):

     ICE-validated datagrams (IMediaDatagramSink)
       |-- DTLS ---> QueueDatagramTransport --> BouncyCastle: handshake, then a read loop that keeps the association
       |                                        alive (retransmits our last flight when the peer repeats its own,
       |                                        RFC 6347 §4.2.4; sees close_notify and fatal alerts)
       |-- SRTP ---> Inbound.Unprotect (in place) --> handler.OnRtp
       '-- SRTCP --> Inbound.UnprotectRtcp        --> handler.OnRtcp
     SendRtp / SendRtcp --> Outbound.Protect* (in place, under a lock) --> MediaDatagramSender

   RFC 5764 §4.2: SRTP keys exist only once the handshake is done; earlier SRTP is dropped and counted. */
/// <summary>DTLS-SRTP over an ICE-selected path for one peer: runs the handshake (server or client role), keeps the
/// DTLS association read, unprotects received SRTP/SRTCP in place and protects what is sent. Used by the server
/// (behind <see cref="MediaPeerHandle"/>) and by the .NET client (behind its UDP socket) alike.
/// <para>The receive-side methods (<see cref="OnDtls"/>, <see cref="OnRtp"/>, <see cref="OnRtcp"/>) belong to one
/// receive thread and allocate nothing per packet; <see cref="SendRtp"/> and <see cref="SendRtcp"/> may be called from
/// any thread.</para></summary>
public sealed class DtlsSrtpTransport : IMediaDatagramSink, IDisposable
{
    private const int ApplicationDataBufferLength = 2048;

    // Passed by argument
    private readonly DtlsRole _role;
    private readonly DtlsCertificate _localCertificate;          // Borrowed
    private readonly DtlsFingerprint _remoteFingerprint;
    private readonly DtlsSrtpOptions _options;
    private readonly MediaDatagramSender _send;                   // Borrowed
    private readonly IDtlsSrtpTransportHandler _handler;          // Borrowed

    // Allocated by this
    private readonly QueueDatagramTransport _dtlsDatagrams;       // Owned
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _sendLock = new();
    private volatile DtlsSrtpSession? _session;                   // Owned once the handshake succeeded
    private int _started;
    private int _closed;

    /// <summary>Creates the transport; nothing is sent before <see cref="Start"/>.</summary>
    /// <param name="role">Server for <c>a=setup:passive</c> (what the ICE-lite server answers), client for active.</param>
    /// <param name="localCertificate">Our certificate, whose fingerprint our SDP announced.</param>
    /// <param name="remoteFingerprint">The peer's <c>a=fingerprint</c>; a certificate that does not match is refused
    /// with bad_certificate (RFC 5763 §5).</param>
    /// <param name="send">Sends a datagram on the selected ICE pair.</param>
    /// <param name="handler">Receives media and lifecycle events.</param>
    /// <param name="options">Profiles and timers; <see cref="DtlsSrtpOptions.Default"/> if null.</param>
    public DtlsSrtpTransport(
        DtlsRole role, DtlsCertificate localCertificate, DtlsFingerprint remoteFingerprint,
        MediaDatagramSender send, IDtlsSrtpTransportHandler handler, DtlsSrtpOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(localCertificate);
        ArgumentNullException.ThrowIfNull(remoteFingerprint);
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(handler);
        _options = options ?? DtlsSrtpOptions.Default;
        _options.Validate();
        _role = role;
        _localCertificate = localCertificate;
        _remoteFingerprint = remoteFingerprint;
        _send = send;
        _handler = handler;
        _dtlsDatagrams = new QueueDatagramTransport(datagram => _send(datagram));
    }

    /// <summary>Our DTLS role.</summary>
    public DtlsRole Role => _role;

    /// <summary>True once keys are in place, until the transport ends.</summary>
    public bool IsConnected => _session is not null && Volatile.Read(ref _closed) == 0;

    /// <summary>The negotiated SRTP profile, once connected.</summary>
    public SrtpProfile? Profile => _session?.Profile;

    /// <summary>Bytes <see cref="SendRtp"/> appends (the SRTP tag); 0 before the handshake.</summary>
    public int RtpOverhead => _session?.Outbound.RtpOverhead ?? 0;

    /// <summary>Bytes <see cref="SendRtcp"/> appends (SRTCP index and tag); 0 before the handshake.</summary>
    public int RtcpOverhead => _session?.Outbound.RtcpOverhead ?? 0;

    /// <summary>Why the handshake failed, if it did.</summary>
    public DtlsHandshakeFailure? HandshakeFailure { get; private set; }

    /// <summary>Completes when connected; faults with <see cref="DtlsSrtpHandshakeException"/> if the handshake fails,
    /// is cancelled with the transport if it is disposed first.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Packet counters.</summary>
    public DtlsSrtpTransportCounters Counters { get; } = new();

    /// <summary>DTLS datagrams dropped before BouncyCastle saw them: malformed records (see
    /// <see cref="QueueDatagramTransport.MalformedDatagrams"/>), queue full, oversized, after close.</summary>
    public long DroppedDtlsDatagrams => _dtlsDatagrams.DroppedDatagrams;

    /// <summary>Starts the handshake on its own thread (a client sends its ClientHello at once). Idempotent.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);
        Task<DtlsSrtpSession> handshake = _role == DtlsRole.Server
            ? DtlsSrtpHandshake.AcceptAsync(_dtlsDatagrams, _localCertificate, _remoteFingerprint, _options)
            : DtlsSrtpHandshake.ConnectAsync(_dtlsDatagrams, _localCertificate, _remoteFingerprint, _options);
        handshake.ContinueWith(
            static (task, state) => ((DtlsSrtpTransport)state!).OnHandshakeEnded(task),
            this, CancellationToken.None, TaskContinuationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>A DTLS record from the selected path: queued for the handshake or the read loop (copied).</summary>
    public void OnDtls(Span<byte> datagram) => _dtlsDatagrams.Enqueue(datagram);

    /// <summary>An SRTP packet: unprotected in place (RFC 3711 §3.3) and delivered, or dropped and counted.</summary>
    public void OnRtp(Span<byte> datagram)
    {
        DtlsSrtpSession? session = _session;
        if (session is null)
        {
            Counters.OnBeforeKeys();
            return;
        }
        SrtpStatus status = session.Inbound.Unprotect(datagram, out int length);
        if (status != SrtpStatus.Ok)
        {
            Counters.OnRejected(status);
            return;
        }
        Counters.OnRtpReceived();
        _handler.OnRtp(this, datagram[..length]);
    }

    /// <summary>An SRTCP packet: unprotected in place (RFC 3711 §3.4) and delivered, or dropped and counted.</summary>
    public void OnRtcp(Span<byte> datagram)
    {
        DtlsSrtpSession? session = _session;
        if (session is null)
        {
            Counters.OnBeforeKeys();
            return;
        }
        SrtpStatus status = session.Inbound.UnprotectRtcp(datagram, out int length);
        if (status != SrtpStatus.Ok)
        {
            Counters.OnRejected(status);
            return;
        }
        Counters.OnRtcpReceived();
        _handler.OnRtcp(this, datagram[..length]);
    }

    /// <summary>Protects <paramref name="buffer"/>[..<paramref name="length"/>] (one RTP packet) in place and sends it.
    /// The buffer needs <see cref="RtpOverhead"/> spare bytes after the packet. Allocation-free.</summary>
    public MediaSendStatus SendRtp(Span<byte> buffer, int length) => Send(buffer, length, rtcp: false);

    /// <summary>Protects one RTCP compound packet in place and sends it; the buffer needs <see cref="RtcpOverhead"/>
    /// spare bytes. Allocation-free.</summary>
    public MediaSendStatus SendRtcp(Span<byte> buffer, int length) => Send(buffer, length, rtcp: true);

    /// <summary>Ends the transport: close_notify to the peer if connected, threads stopped, keys wiped.
    /// <see cref="IDtlsSrtpTransportHandler.OnClosed"/> runs with <see cref="DtlsSrtpCloseReason.Disposed"/> unless
    /// the transport had already ended. Idempotent.</summary>
    public void Dispose() => Close(DtlsSrtpCloseReason.Disposed, "closed locally");

    private MediaSendStatus Send(Span<byte> buffer, int length, bool rtcp)
    {
        DtlsSrtpSession? session = _session;
        if (session is null || Volatile.Read(ref _closed) != 0) return MediaSendStatus.NotConnected;
        lock (_sendLock)                                       // an SrtpContext serves one sender at a time
        {
            if (Volatile.Read(ref _closed) != 0) return MediaSendStatus.Closed;
            SrtpStatus status = rtcp
                ? session.Outbound.ProtectRtcp(buffer, length, out int protectedLength)
                : session.Outbound.Protect(buffer, length, out protectedLength);
            if (status != SrtpStatus.Ok) return MediaSendStatus.ProtectFailed;
            MediaSendStatus sent = _send(buffer[..protectedLength]);
            if (sent == MediaSendStatus.Sent)
            {
                if (rtcp) Counters.OnRtcpSent();
                else Counters.OnRtpSent();
            }
            return sent;
        }
    }

    private void OnHandshakeEnded(Task<DtlsSrtpSession> handshake)
    {
        if (!handshake.IsCompletedSuccessfully)
        {
            Exception error = handshake.Exception?.InnerException ?? new DtlsSrtpHandshakeException(DtlsHandshakeFailure.Closed, "cancelled");
            if (error is DtlsSrtpHandshakeException failure) HandshakeFailure = failure.Reason;
            if (Volatile.Read(ref _closed) != 0)
            {
                _connected.TrySetCanceled();
                return;
            }
            _connected.TrySetException(error);
            Close(DtlsSrtpCloseReason.HandshakeFailed, error.Message);
            return;
        }

        DtlsSrtpSession session = handshake.Result;
        lock (_sendLock)
        {
            if (Volatile.Read(ref _closed) != 0)
            {
                session.Dispose();
                _connected.TrySetCanceled();
                return;
            }
            _session = session;
        }
        _handler.OnConnected(this);
        _connected.TrySetResult();
        ReadUntilClosed(session.Transport);                   // this continuation runs on its own (LongRunning) thread
    }

    /// <summary>Keeps BouncyCastle reading after the handshake: a peer that missed our last flight repeats its own and
    /// gets ours again (RFC 6347 §4.2.4); close_notify or a fatal alert ends the transport. WebRTC media carries no DTLS
    /// application data here (no data channels), so any that arrives is read and dropped.</summary>
    private void ReadUntilClosed(DtlsTransport dtls)
    {
        byte[] applicationData = new byte[ApplicationDataBufferLength];
        int waitMillis = (int)_options.HandshakeTimeout.TotalMilliseconds;
        string detail = "the peer closed the DTLS association";
        try
        {
            while (Volatile.Read(ref _closed) == 0 && !_dtlsDatagrams.IsClosed)
            {
                dtls.Receive(applicationData, 0, applicationData.Length, waitMillis);
            }
        }
        catch (TlsFatalAlertReceived e)
        {
            detail = $"the peer sent a fatal {AlertDescription.GetText(e.AlertDescription)} alert";
        }
#pragma warning disable CA1031 // Whatever ends the read loop ends the transport; nothing may escape the thread.
        catch (Exception e) when (e is IOException or TlsException or ObjectDisposedException)
#pragma warning restore CA1031
        {
            detail = "the DTLS association failed: " + e.Message;
        }
        Close(DtlsSrtpCloseReason.ClosedByPeer, detail);
    }

    private void Close(DtlsSrtpCloseReason reason, string detail)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        DtlsSrtpSession? session;
        lock (_sendLock)
        {
            session = _session;
        }
        // close_notify (RFC 5246 §7.2.1), then the SRTP keys are wiped. Closing the queue also aborts a running
        // handshake (its blocked Receive throws), which then reports Closed.
        session?.Dispose();
        _dtlsDatagrams.Close();
        _connected.TrySetCanceled();
        _handler.OnClosed(this, reason, detail);
    }
}
