using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Rtcp;
using Conclave.Media.Transport.Rtp;
using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Routing;

/// <summary>One participant's WebRTC connection to the <see cref="Router"/>: its ICE-lite registration on the media
/// port and its DTLS-SRTP transport (one BUNDLE, one PeerConnection per client). Incoming RTP is matched to the
/// participant's <see cref="Producer"/>s by SSRC, learnt from the mid header extension (RFC 8843 §9.2); incoming
/// RTCP carries the participant's repair requests as a subscriber (PLI, FIR, NACK).
/// <para>Media callbacks run on the media port's receive thread and allocate nothing per packet.</para></summary>
public sealed class SfuPeer : IMediaPeerListener, IDtlsSrtpTransportHandler
{
    private const int RtcpBufferLength = 1500;
    private const int MaxReportBlocks = 31;                           // RFC 3550 §6.4.1: RC is 5 bits
    private const int MaxLostPerNack = 17 * 64;          // each NACK pair names up to 17 packets (RFC 4585 §6.2.1)

    // Passed by argument
    private readonly Router _router;
    private readonly TimeProvider _time;
    private readonly IInboundRtpObserver? _observer;                    // diagnostics only; null in production

    // Allocated by this
    private readonly ConcurrentDictionary<uint, InboundStream> _streamsBySsrc = new();
    private readonly ConcurrentDictionary<uint, Consumer> _consumersBySsrc = new();
    private readonly Lock _rtcpLock = new();
    private readonly byte[] _rtcp = new byte[RtcpBufferLength];
    private readonly ushort[] _lost = new ushort[MaxLostPerNack];
    private readonly ReportBlock[] _blocks = new ReportBlock[MaxReportBlocks];
    private readonly uint _rtcpSsrc = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
    private volatile Producer[] _producers = [];
    private MediaPeerHandle? _handle;
    private DtlsSrtpTransport? _transport;                              // Owned
    private ConsentWatch? _consent;                                     // Owned
    private PeerExtensions _extensions = PeerExtensions.None;

    internal SfuPeer(string participantId, Router router, TimeProvider time)
    {
        ParticipantId = participantId;
        _router = router;
        _time = time;
        _observer = router.InboundObserver;
        Estimator = new SubscriberBandwidthEstimator(time);
        Allocator = new BandwidthAllocator(time);
    }

    /// <summary>The call's router.</summary>
    internal Router Router => _router;

    /// <summary>The participant (signaling session) this connection belongs to.</summary>
    public string ParticipantId { get; }

    /// <summary>True while DTLS-SRTP is up.</summary>
    public bool IsConnected => _transport?.IsConnected == true;

    /// <summary>The DTLS-SRTP transport, once the first answer was made.</summary>
    public DtlsSrtpTransport? Transport => _transport;

    /// <summary>The ICE registration, once the first answer was made.</summary>
    public MediaPeerHandle? Handle => _handle;

    /// <summary>Tracks this participant publishes.</summary>
    public IReadOnlyList<Producer> Producers => _producers;

    /// <summary>Tracks this participant receives.</summary>
    public IEnumerable<Consumer> Consumers => _consumersBySsrc.Values;

    internal int RtpOverhead => _transport?.RtpOverhead ?? 0;

    /// <summary>The header extension ids of this participant's latest offer (set by each answer, read by the receive thread).</summary>
    internal PeerExtensions Extensions
    {
        get => Volatile.Read(ref _extensions);
        set => Volatile.Write(ref _extensions, value);
    }

    /// <summary>How much the SFU may send this participant, from its RTCP feedback (receive thread).</summary>
    internal SubscriberBandwidthEstimator Estimator { get; }

    /// <summary>Shares <see cref="Estimator"/> among the video this participant receives (router lock).</summary>
    internal BandwidthAllocator Allocator { get; }

    internal bool IsAttached => _transport is not null;

    internal void Attach(MediaPeerHandle handle, DtlsSrtpTransport transport)
    {
        _handle = handle;
        _transport = transport;
        _consent = new ConsentWatch(handle.Agent, _time,
            () => _router.OnPeerTransportClosed(this, "ICE consent expired: no connectivity check for 30 s (RFC 7675 §5.1)"));
    }

    internal void AddProducer(Producer producer) => _producers = [.. _producers, producer];

    internal void RemoveProducer(Producer producer)
    {
        _producers = [.. _producers.Where(p => p != producer)];
        foreach (InboundStream stream in producer.Streams)
        {
            if (stream.Ssrc is uint ssrc) _streamsBySsrc.TryRemove(ssrc, out _);
        }
    }

    internal void AddConsumer(Consumer consumer) => _consumersBySsrc[consumer.Ssrc] = consumer;

    internal void RemoveConsumer(Consumer consumer) => _consumersBySsrc.TryRemove(consumer.Ssrc, out _);

    /// <summary>Receive thread: sends a packet built by a <see cref="Consumer"/>, first writing the next
    /// transport-wide sequence number at <paramref name="transportSequenceAt"/> (0: none) and recording the send for
    /// the <see cref="Estimator"/> (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2: numbered in send order).</summary>
    internal bool SendRtp(byte[] packet, int length, int transportSequenceAt, long now)
    {
        DtlsSrtpTransport? transport = _transport;
        if (transport is null) return false;
        if (transportSequenceAt > 0)
        {
            ushort sequence = Estimator.OnPacketSent(length + transport.RtpOverhead, now);
            TransportSequenceNumberExtension.TryWrite(packet.AsSpan(transportSequenceAt, TransportSequenceNumberExtension.Length), sequence);
        }
        return transport.SendRtp(packet, length) == MediaSendStatus.Sent;
    }

    /// <summary>RFC 4585 §6.3.1: asks this participant's encoder for a keyframe of <paramref name="mediaSsrc"/>.</summary>
    internal void SendPictureLossIndication(uint mediaSsrc)
    {
        DtlsSrtpTransport? transport = _transport;
        if (transport is null || !transport.IsConnected) return;
        lock (_rtcpLock)
        {
            var pli = new PictureLossIndicationWriter { SenderSsrc = _rtcpSsrc, MediaSsrc = mediaSsrc };
            if (pli.TryWrite(_rtcp, out int length)) transport.SendRtcp(_rtcp, length);
        }
    }

    /// <summary>Report timer: a receiver report to this participant about what it publishes (RFC 3550 §6.4.2), and
    /// a sender report for every stream it receives from the SFU (§6.4.1).</summary>
    internal void SendReports(ulong ntp, long now)
    {
        DtlsSrtpTransport? transport = _transport;
        if (transport is null || !transport.IsConnected) return;
        lock (_rtcpLock)
        {
            int count = 0;
            foreach (Producer producer in _producers)
            {
                foreach (InboundStream stream in producer.Streams)
                {
                    if (count == MaxReportBlocks) break;
                    if (stream.Ssrc is uint ssrc && stream.Statistics.TryBuildReport(ssrc, now, out ReportBlock block)) _blocks[count++] = block;
                }
            }
            if (count > 0)
            {
                var report = new ReceiverReportWriter { Ssrc = _rtcpSsrc, ReportBlocks = _blocks.AsSpan(0, count) };
                if (report.TryWrite(_rtcp, out int length)) transport.SendRtcp(_rtcp, length);
            }
            foreach (Consumer consumer in _consumersBySsrc.Values)
            {
                if (consumer.TryWriteSenderReport(_rtcp, ntp, now, out int length)) transport.SendRtcp(_rtcp, length);
            }
        }
    }

    /// <summary>Router timer, under its lock: shares the current estimate among the video this participant receives
    /// and hands each consumer its layer.</summary>
    internal void AllocateBandwidth(long now)
    {
        Allocator.Allocate(Estimator.Estimate, now);
        foreach (Consumer consumer in _consumersBySsrc.Values)
        {
            if (consumer.Selector is { } selector) consumer.ApplyTarget(selector.TargetLayer);
        }
    }

    internal void Close()
    {
        _consent?.Dispose();
        _transport?.Dispose();
    }

    void IMediaPeerListener.OnDtls(MediaPeerHandle peer, Span<byte> datagram, in IceTransportAddress remote) => _transport?.OnDtls(datagram);

    void IMediaPeerListener.OnRtp(MediaPeerHandle peer, Span<byte> datagram, in IceTransportAddress remote)
    {
        DtlsSrtpTransport? transport = _transport;
        if (transport is null) return;
        long start = Stopwatch.GetTimestamp();
        transport.OnRtp(datagram);
        _router.Statistics.OnReceived(start, Stopwatch.GetTimestamp());
    }

    void IMediaPeerListener.OnRtcp(MediaPeerHandle peer, Span<byte> datagram, in IceTransportAddress remote) => _transport?.OnRtcp(datagram);

    // RFC 7675 §5.1: from the first nomination on, consent must be refreshed at least every 30 seconds.
    void IMediaPeerListener.OnSelectedAddressChanged(MediaPeerHandle peer, in IceTransportAddress remote) => _consent?.Start();

    void IDtlsSrtpTransportHandler.OnConnected(DtlsSrtpTransport transport)
    {
        // A subscriber that just connected needs a keyframe of everything it receives.
        foreach (Consumer consumer in _consumersBySsrc.Values) consumer.RequestKeyframe();
    }

    void IDtlsSrtpTransportHandler.OnRtp(DtlsSrtpTransport transport, Span<byte> packet)
    {
        if (RtpHeader.TryRead(packet, out RtpHeader header) != RtpParseStatus.Ok) return;
        if (!_streamsBySsrc.TryGetValue(header.Ssrc, out InboundStream? stream))
        {
            stream = FindStream(header);
            if (stream is null) return;                                     // RFC 8843 §9.2: unknown stream, dropped
            stream.BindSsrc(header.Ssrc);
            _streamsBySsrc[header.Ssrc] = stream;
        }
        stream.Producer.OnRtp(stream, packet, header, _time.GetTimestamp());
        _observer?.OnInboundRtp(new InboundRtpPacket(stream, header));
    }

    void IDtlsSrtpTransportHandler.OnRtcp(DtlsSrtpTransport transport, Span<byte> packet)
    {
        var reader = new RtcpCompoundReader(packet, allowPaddingOnAnyPacket: true);
        while (reader.TryReadNext(out RtcpPacket rtcp))
        {
            switch (rtcp.Kind)
            {
                case RtcpPacketKind.SenderReport when SenderReport.TryRead(rtcp.Data, out SenderReport sr) == RtcpParseStatus.Ok:
                    if (_streamsBySsrc.TryGetValue(sr.Ssrc, out InboundStream? sender)) sender.Statistics.OnSenderReport(sr.NtpTimestamp, _time.GetTimestamp());
                    Estimator.OnSenderReport(sr, _time.GetTimestamp());
                    break;
                case RtcpPacketKind.ReceiverReport when ReceiverReport.TryRead(rtcp, out ReceiverReport rr) == RtcpParseStatus.Ok:
                    Estimator.OnReceiverReport(rr, _time.GetTimestamp());
                    break;
                case RtcpPacketKind.ReceiverEstimatedMaxBitrate when ReceiverEstimatedMaxBitrate.TryRead(rtcp, out ReceiverEstimatedMaxBitrate remb) == RtcpParseStatus.Ok:
                    Estimator.OnReceiverEstimatedMaxBitrate(remb.Bitrate);
                    break;
                case RtcpPacketKind.TransportCc when TransportCc.TryRead(rtcp, out TransportCc feedback) == RtcpParseStatus.Ok:
                    Estimator.OnTransportCc(feedback, _time.GetTimestamp());
                    break;
                case RtcpPacketKind.PictureLossIndication when PictureLossIndication.TryRead(rtcp, out PictureLossIndication pli) == RtcpParseStatus.Ok:
                    if (_consumersBySsrc.TryGetValue(pli.MediaSsrc, out Consumer? lost)) lost.RequestKeyframe();
                    break;
                case RtcpPacketKind.FullIntraRequest when FullIntraRequest.TryRead(rtcp, out FullIntraRequest fir) == RtcpParseStatus.Ok:
                    for (int i = 0; i < fir.EntryCount; i++)
                    {
                        if (_consumersBySsrc.TryGetValue(fir.GetEntry(i).Ssrc, out Consumer? frozen)) frozen.RequestKeyframe();
                    }
                    break;
                case RtcpPacketKind.GenericNack when GenericNack.TryRead(rtcp, out GenericNack nack) == RtcpParseStatus.Ok:
                    if (!_consumersBySsrc.TryGetValue(nack.MediaSsrc, out Consumer? consumer)) break;
                    int count = nack.CopyLostTo(_lost);
                    long now = _time.GetTimestamp();
                    for (int i = 0; i < count; i++) consumer.Retransmit(_lost[i], now);
                    break;
            }
        }
    }

    void IDtlsSrtpTransportHandler.OnClosed(DtlsSrtpTransport transport, DtlsSrtpCloseReason reason, string detail)
    {
        if (reason != DtlsSrtpCloseReason.Disposed) _router.OnPeerTransportClosed(this, $"DTLS {reason}: {detail}");
    }

    /// <summary>The stream a packet with a new SSRC belongs to: the producer its mid extension names (RFC 8843 §15)
    /// and, for simulcast, the encoding its rtp-stream-id names (RFC 8852 §3.3), compared without allocating.</summary>
    private InboundStream? FindStream(in RtpHeader header)
    {
        PeerExtensions ids = Extensions;
        int midId = ids.MidId;
        if (midId == 0 || header.TryGetExtensions(out RtpHeaderExtensionReader reader) != RtpParseStatus.Ok) return null;
        if (!reader.TryFind(midId, out ReadOnlySpan<byte> value) || !SdesItemExtension.TryReadMid(value, out ReadOnlySpan<byte> mid)) return null;
        Producer? producer = null;
        foreach (Producer candidate in _producers)
        {
            if (Ascii.Equals(mid, candidate.Mid)) producer = candidate;
        }
        if (producer is null) return null;
        if (!producer.IsSimulcast) return producer.Streams[0];
        int ridId = ids.StreamIdId;
        if (ridId == 0 || !reader.TryFind(ridId, out ReadOnlySpan<byte> ridValue) || !SdesItemExtension.TryReadRid(ridValue, out ReadOnlySpan<byte> rid)) return null;
        return producer.FindStream(rid);
    }
}
