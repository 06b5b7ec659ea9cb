using Conclave.Media.Transport.Rtcp;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Client.Media;

/// <summary>
/// What this client tells the SFU about the streams it receives: an RTCP receiver report (RFC 3550 §6.4.2) with a block
/// per stream (loss, jitter, LSR/DLSR: <see cref="ReceiveStatistics"/>), followed by a REMB
/// (draft-alvestrand-rmcat-remb-03 §2.2) naming the most this client takes, <see cref="MaxBitrate"/>. The SFU judges a
/// subscriber without transport-cc on the loss its reports give, capped by its REMB (docs/signaling.md, "Simulcast");
/// without them its estimate stays where it starts, and so does the layer of a camera it sends. Thread-safe:
/// <see cref="OnRtp"/> runs on the receive thread, <see cref="SetStreams"/> on negotiation, <see cref="TryWrite"/> on
/// a timer. Nothing is allocated per packet.
/// </summary>
public sealed class ReceiverFeedback(uint senderSsrc, TimeProvider? time = null)
{
    /// <summary>The REMB sent: what a bot on a server's link can take (the SFU's own ceiling is 20 Mbit/s).</summary>
    public const ulong MaxBitrate = 20_000_000;

    /// <summary>Report blocks in one receiver report (RFC 3550 §6.4.2: the count is 5 bits).</summary>
    public const int MaxStreams = 31;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private Dictionary<uint, ReceiveStatistics> _streams = [];

    /// <summary>The streams received now, by SSRC with their RTP clock rate; statistics of streams kept carry on, those
    /// of streams gone are dropped. At most <see cref="MaxStreams"/> are reported.</summary>
    public void SetStreams(IEnumerable<(uint Ssrc, int ClockRate)> streams)
    {
        ArgumentNullException.ThrowIfNull(streams);
        lock (_gate)
        {
            var next = new Dictionary<uint, ReceiveStatistics>();
            foreach ((uint ssrc, int clockRate) in streams)
            {
                if (next.Count == MaxStreams) break;
                next[ssrc] = _streams.TryGetValue(ssrc, out ReceiveStatistics? kept) ? kept : new ReceiveStatistics(clockRate, _time);
            }
            _streams = next;
        }
    }

    /// <summary>One received RTP packet (after SRTP). Never throws on what peers send.</summary>
    public void OnRtp(ReadOnlySpan<byte> packet)
    {
        if (RtpHeader.TryRead(packet, out RtpHeader header) == RtpParseStatus.Ok) OnRtp(header);
    }

    /// <summary>One received RTP packet, its header read already (a receiver hands one parse to all that listen).</summary>
    public void OnRtp(RtpHeader header)
    {
        ReceiveStatistics? stream;
        lock (_gate) _streams.TryGetValue(header.Ssrc, out stream);
        stream?.OnPacket(header.SequenceNumber, header.Timestamp, _time.GetTimestamp());
    }

    /// <summary>A sender report of a stream received (its NTP time is the LSR of the next block, §6.4.1).</summary>
    public void OnSenderReport(uint ssrc, ulong ntpTimestamp)
    {
        ReceiveStatistics? stream;
        lock (_gate) _streams.TryGetValue(ssrc, out stream);
        stream?.OnSenderReport(ntpTimestamp, _time.GetTimestamp());
    }

    /// <summary>Writes the compound packet (RR, then REMB) into <paramref name="destination"/>; false when no stream
    /// has been received yet. Starts the next loss interval of each stream (RFC 3550 App. A.3).</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        Span<ReportBlock> blocks = stackalloc ReportBlock[MaxStreams];
        Span<uint> ssrcs = stackalloc uint[MaxStreams];
        int count = 0;
        long now = _time.GetTimestamp();
        lock (_gate)
        {
            foreach ((uint ssrc, ReceiveStatistics stream) in _streams)
            {
                if (!stream.TryBuildReport(ssrc, now, out ReportBlock block)) continue;
                blocks[count] = block;
                ssrcs[count] = ssrc;
                count++;
            }
        }
        if (count == 0) return false;
        var compound = new RtcpCompoundWriter(destination);
        if (!compound.TryAppend(new ReceiverReportWriter { Ssrc = senderSsrc, ReportBlocks = blocks[..count] })
            || !compound.TryAppend(new ReceiverEstimatedMaxBitrateWriter { SenderSsrc = senderSsrc, Bitrate = MaxBitrate, Ssrcs = ssrcs[..count] }))
            return false;
        written = compound.WrittenLength;
        return true;
    }
}
