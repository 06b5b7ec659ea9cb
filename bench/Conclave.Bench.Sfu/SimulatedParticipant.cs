using System.Collections.Frozen;
using System.Diagnostics;
using System.Net;
using Conclave.Client.Media;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Rtcp;
using Conclave.Media.Transport.Rtp;
using Conclave.Media.Transport.Sdp;
using Conclave.Sfu.Metrics;

namespace Conclave.Bench.Sfu;

/// <summary>One simulated WebRTC participant: a <see cref="ClientMediaConnection"/> (its own UDP socket and receive
/// thread, ICE controlling agent, DTLS client, SRTP), the streams it publishes and the legs it receives. It answers
/// the SFU's PLIs and FIRs with keyframes, remembers its sender reports for LSR/DLSR, counts what it receives, and
/// answers the SFU's transport-wide sequence numbers with transport-cc feedback (<see cref="TransportCcFeedback"/>).
/// <para>The receive callbacks run on the connection's receive thread and allocate nothing per packet.</para>
/// <para>RTCP goes out from two threads: transport-cc feedback from the receive thread, receiver reports from
/// <see cref="ReceiverReportClock"/>'s. <see cref="DtlsSrtpTransport.SendRtcp"/> protects and sends under the
/// transport's own lock, in place in the caller's buffer, so the two need no lock of their own as long as each has
/// its own buffer (they do).</para></summary>
internal sealed class SimulatedParticipant : IDtlsSrtpTransportHandler, IDisposable
{
    private const int MaxReportBlocks = 31;                              // RFC 3550 §6.4.1: RC is 5 bits

    // Allocated by this
    private readonly OutboundStream[] _streams;
    private readonly FrozenDictionary<uint, OutboundStream> _streamsBySsrc;
    private FrozenDictionary<uint, InboundLeg> _legsBySsrc = FrozenDictionary<uint, InboundLeg>.Empty;
    private readonly uint _rtcpSsrc = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
    private readonly TransportCcFeedback _feedback;
    private long _unknownPackets;
    private long _withoutTransportSequence;
    private volatile string? _closed;

    public SimulatedParticipant(string id, int index, bool publishes, BenchOptions options)
    {
        Id = id;
        Index = index;
        _streams = publishes
            ? [new OutboundStream(index, options.RateScale), .. Enumerable.Range(0, MediaProfile.Encodings.Length)
                .Select(layer => new OutboundStream(index, layer, options.RateScale, options.KeyframeIntervalSeconds))]
            : [];
        _streamsBySsrc = _streams.ToFrozenDictionary(s => s.Ssrc);
        _feedback = new TransportCcFeedback(_rtcpSsrc);
        Connection = new ClientMediaConnection(IPAddress.Loopback, this);
    }

    /// <summary>The participant id the router knows it by.</summary>
    public string Id { get; }

    /// <summary>Its publisher index (in every payload tag it sends).</summary>
    public int Index { get; }

    public ClientMediaConnection Connection { get; }                  // Owned

    public IReadOnlyList<OutboundStream> Streams => _streams;

    public IReadOnlyList<InboundLeg> Legs { get; private set; } = [];

    /// <summary>Packets on an SSRC no answer announced.</summary>
    public long UnknownPackets => Interlocked.Read(ref _unknownPackets);

    /// <summary>Transport-cc feedback packets sent.</summary>
    public long TransportCcFeedbackSent => _feedback.Sent;

    /// <summary>Transport-cc feedback packets that could not be written or sent.</summary>
    public long TransportCcFeedbackFailed => _feedback.Failed;

    /// <summary>RTP packets received without a transport-wide sequence number (the SFU stamps every packet to a
    /// subscriber that negotiated transport-cc, so this stays 0).</summary>
    public long WithoutTransportSequence => Interlocked.Read(ref _withoutTransportSequence);

    /// <summary>Why the transport ended on its own, if it did.</summary>
    public string? Closed => _closed;

    /// <summary>The offer: the microphone and camera if it publishes, then <paramref name="receive"/>.</summary>
    public string CreateOffer(IReadOnlyList<MediaDescription> receive)
        => Connection.CreateOffer([.. _streams.Length > 0 ? OfferSections.Publish() : [], .. receive], extmapAllowMixed: true);

    /// <summary>Learns from the final answer which SSRC each receiving section carries (its <c>a=ssrc</c>, the media
    /// SSRC of an FID group). Before any media: the legs are fixed from then on.</summary>
    public void ExpectLegs(SessionDescription answer, IEnumerable<(string Mid, int Publisher, bool Audio)> subscriptions, LatencyHistogram endToEnd)
    {
        var legs = new List<InboundLeg>();
        foreach ((string mid, int publisher, bool audio) in subscriptions)
        {
            MediaDescription? section = answer.Media.FirstOrDefault(m => m.Mid == mid && m.Port != 0);
            uint? ssrc = section?.SsrcGroups.FirstOrDefault(g => g.Semantics == "FID")?.Ssrcs[0] ?? section?.Ssrcs.FirstOrDefault()?.Ssrc;
            if (ssrc is uint known) legs.Add(new InboundLeg(known, publisher, audio, endToEnd));
        }
        Legs = legs;
        _legsBySsrc = legs.ToFrozenDictionary(l => l.Ssrc);
    }

    /// <summary>Report thread: RFC 3550 §6.4.2 receiver reports about every leg, 31 blocks per RR.</summary>
    public void SendReceiverReports(long now, byte[] buffer, ReportBlock[] blocks)
    {
        DtlsSrtpTransport transport = Connection.Transport;
        IReadOnlyList<InboundLeg> legs = Legs;
        for (int first = 0; first < legs.Count; first += MaxReportBlocks)
        {
            int count = Math.Min(MaxReportBlocks, legs.Count - first);
            for (int i = 0; i < count; i++) blocks[i] = legs[first + i].BuildReportBlock(now);
            var report = new ReceiverReportWriter { Ssrc = _rtcpSsrc, ReportBlocks = blocks.AsSpan(0, count) };
            if (report.TryWrite(buffer, out int length)) transport.SendRtcp(buffer, length);
        }
    }

    public void Dispose() => Connection.Dispose();

    void IDtlsSrtpTransportHandler.OnConnected(DtlsSrtpTransport transport)
    {
    }

    void IDtlsSrtpTransportHandler.OnRtp(DtlsSrtpTransport transport, Span<byte> packet)
    {
        if (RtpHeader.TryRead(packet, out RtpHeader header) != RtpParseStatus.Ok) return;
        long now = Stopwatch.GetTimestamp();
        if (_legsBySsrc.TryGetValue(header.Ssrc, out InboundLeg? leg)) leg.OnPacket(header, now);
        else Interlocked.Increment(ref _unknownPackets);
        if (header.TryGetExtensions(out RtpHeaderExtensionReader extensions) == RtpParseStatus.Ok
            && extensions.TryFind(MediaProfile.TransportCcExtensionId, out ReadOnlySpan<byte> value)
            && TransportSequenceNumberExtension.TryRead(value, out ushort sequence))
        {
            _feedback.OnPacket(sequence, header.Ssrc, now, transport);
        }
        else
        {
            Volatile.Write(ref _withoutTransportSequence, _withoutTransportSequence + 1);
        }
    }

    void IDtlsSrtpTransportHandler.OnRtcp(DtlsSrtpTransport transport, Span<byte> packet)
    {
        var reader = new RtcpCompoundReader(packet, allowPaddingOnAnyPacket: true);
        while (reader.TryReadNext(out RtcpPacket rtcp))
        {
            switch (rtcp.Kind)
            {
                case RtcpPacketKind.SenderReport when SenderReport.TryRead(rtcp.Data, out SenderReport sr) == RtcpParseStatus.Ok:
                    if (_legsBySsrc.TryGetValue(sr.Ssrc, out InboundLeg? leg)) leg.OnSenderReport(sr.NtpTimestamp, Stopwatch.GetTimestamp());
                    break;
                case RtcpPacketKind.PictureLossIndication when PictureLossIndication.TryRead(rtcp, out PictureLossIndication pli) == RtcpParseStatus.Ok:
                    if (_streamsBySsrc.TryGetValue(pli.MediaSsrc, out OutboundStream? lost)) lost.RequestKeyframe();
                    break;
                case RtcpPacketKind.FullIntraRequest when FullIntraRequest.TryRead(rtcp, out FullIntraRequest fir) == RtcpParseStatus.Ok:
                    for (int i = 0; i < fir.EntryCount; i++)
                    {
                        if (_streamsBySsrc.TryGetValue(fir.GetEntry(i).Ssrc, out OutboundStream? frozen)) frozen.RequestKeyframe();
                    }
                    break;
            }
        }
    }

    void IDtlsSrtpTransportHandler.OnClosed(DtlsSrtpTransport transport, DtlsSrtpCloseReason reason, string detail)
    {
        if (reason != DtlsSrtpCloseReason.Disposed) _closed = $"{reason}: {detail}";
    }
}
