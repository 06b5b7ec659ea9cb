using System.Buffers.Binary;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Net;

namespace Conclave.MediaServer.Media;

/// <summary>One echo peer: its ICE-lite registration on the media port and its DTLS-SRTP transport. Every RTP packet
/// the browser sends is decrypted, re-keyed for the way back under a mapped SSRC (<see cref="EchoFeedback"/>) and
/// returned; its repair requests are turned back onto its own streams. The session ends on DTLS failure or
/// close_notify, when ICE consent expires (RFC 7675 §5.1), at <see cref="Hosting.EchoOptions.MaxDuration"/>, or on
/// DELETE.
/// <para>The media path runs on the media port's receive thread and allocates nothing per packet.</para></summary>
public sealed partial class EchoSession : IMediaPeerListener, IDtlsSrtpTransportHandler
{
    private const int BufferLength = 1500 + 64;                     // a max datagram plus the largest SRTP/SRTCP trailer

    // Passed by argument
    private readonly UdpMediaListener _listener;                     // Borrowed
    private readonly Action<EchoSession> _ended;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    // Allocated by this; the two buffers belong to the receive thread.
    private readonly byte[] _rtpOut = new byte[BufferLength];
    private readonly byte[] _rtcpOut = new byte[BufferLength];
    private readonly ITimer _deadline;                               // Owned
    private ConsentWatch? _consent;                                   // Owned
    private MediaPeerHandle? _peer;
    private DtlsSrtpTransport? _transport;                            // Owned
    private int _ending;

    internal EchoSession(string id, string userId, UdpMediaListener listener, TimeSpan maxDuration, TimeProvider time, ILogger logger, Action<EchoSession> ended)
    {
        Id = id;
        UserId = userId;
        _listener = listener;
        _time = time;
        _logger = logger;
        _ended = ended;
        _deadline = time.CreateTimer(static s => ((EchoSession)s!).End("the echo session reached its maximum duration"), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        MaxDuration = maxDuration;
    }

    /// <summary>The id in <c>/api/media/echo/{id}</c>.</summary>
    public string Id { get; }

    /// <summary>The user who created it (only they may end it).</summary>
    public string UserId { get; }

    /// <summary>How long it may run.</summary>
    public TimeSpan MaxDuration { get; }

    /// <summary>The DTLS-SRTP transport (counters, profile), once started.</summary>
    public DtlsSrtpTransport? Transport => _transport;

    /// <summary>Registers on the media port under <paramref name="local"/> and starts DTLS in <paramref name="role"/>.</summary>
    internal void Start(IceCredentials local, string remoteUfrag, DtlsRole role, MediaPort port, DtlsFingerprint remoteFingerprint)
    {
        _peer = _listener.RegisterPeer(local, remoteUfrag, this);
        MediaPeerHandle peer = _peer;
        _consent = new ConsentWatch(peer.Agent, _time, () => End("ICE consent expired: no connectivity check for 30 s (RFC 7675 §5.1)"));
        _transport = new DtlsSrtpTransport(role, port.Certificate, remoteFingerprint, peer.Send, this, port.DtlsOptions);
        _deadline.Change(MaxDuration, Timeout.InfiniteTimeSpan);
        _transport.Start();
    }

    /// <summary>Ends the session once: unregisters from the port, sends close_notify, wipes keys.</summary>
    public void End(string reason)
    {
        if (Interlocked.Exchange(ref _ending, 1) != 0) return;
        _deadline.Dispose();
        _consent?.Dispose();
        _transport?.Dispose();                                        // close_notify goes out while the peer is registered
        if (_peer is not null) _listener.Unregister(_peer);
        LogEnded(Id, reason, _transport?.Counters.RtpReceived ?? 0, _transport?.Counters.RtpSent ?? 0);
        _ended(this);
    }

    void IMediaPeerListener.OnDtls(MediaPeerHandle peer, Span<byte> datagram, in IceTransportAddress remote) => _transport?.OnDtls(datagram);

    void IMediaPeerListener.OnRtp(MediaPeerHandle peer, Span<byte> datagram, in IceTransportAddress remote) => _transport?.OnRtp(datagram);

    void IMediaPeerListener.OnRtcp(MediaPeerHandle peer, Span<byte> datagram, in IceTransportAddress remote) => _transport?.OnRtcp(datagram);

    // RFC 7675 §5.1: from the first nomination on, consent must be refreshed at least every 30 seconds.
    void IMediaPeerListener.OnSelectedAddressChanged(MediaPeerHandle peer, in IceTransportAddress remote) => _consent?.Start();

    void IDtlsSrtpTransportHandler.OnConnected(DtlsSrtpTransport transport) => LogConnected(Id, transport.Profile?.ToString() ?? "?");

    void IDtlsSrtpTransportHandler.OnRtp(DtlsSrtpTransport transport, Span<byte> packet)
    {
        if (packet.Length + transport.RtpOverhead > _rtpOut.Length) return;
        packet.CopyTo(_rtpOut);
        Span<byte> ssrc = _rtpOut.AsSpan(8, 4);                                      // RFC 3550 §5.1
        BinaryPrimitives.WriteUInt32BigEndian(ssrc, EchoFeedback.MapSsrc(BinaryPrimitives.ReadUInt32BigEndian(ssrc)));
        transport.SendRtp(_rtpOut, packet.Length);
    }

    void IDtlsSrtpTransportHandler.OnRtcp(DtlsSrtpTransport transport, Span<byte> packet)
    {
        int length = EchoFeedback.TranslateRepairRequests(packet, _rtcpOut.AsSpan(0, _rtcpOut.Length - transport.RtcpOverhead));
        if (length > 0) transport.SendRtcp(_rtcpOut, length);
    }

    void IDtlsSrtpTransportHandler.OnClosed(DtlsSrtpTransport transport, DtlsSrtpCloseReason reason, string detail)
    {
        if (reason != DtlsSrtpCloseReason.Disposed) End($"DTLS {reason}: {detail}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Echo session {Id}: DTLS-SRTP connected with {Profile}")]
    private partial void LogConnected(string id, string profile);

    [LoggerMessage(Level = LogLevel.Information, Message = "Echo session {Id} ended: {Reason} ({Received} RTP packets received, {Sent} sent)")]
    private partial void LogEnded(string id, string reason, long received, long sent);
}
