using Conclave.Media.Transport.Rtcp;
using Conclave.Media.Transport.Rtp;
using Conclave.Sfu.Forwarding;
using static Conclave.Sfu.Tests.Forwarding.ForwardingPackets;

namespace Conclave.Sfu.Tests.Forwarding;

/// <summary>
/// A subscriber's Generic NACK (RFC 4585 §6.2.1) answered end to end: the transport's reader expands PID/BLP, the
/// consumer's rewriter maps each output number to its source, the producer's per-SSRC buffer supplies the packet,
/// and it goes back out either rewritten as sent or wrapped as RTX (RFC 4588 §4).
/// </summary>
public sealed class NackRetransmissionTests
{
    private const uint LayerA = 0xAAAA0001;
    private const uint LayerB = 0xBBBB0002;
    private const uint OutputSsrc = 0xC0C0C0C0;

    private readonly Dictionary<uint, RetransmissionBuffer> _buffers = new()
    {
        [LayerA] = new RetransmissionBuffer(Frequency),
        [LayerB] = new RetransmissionBuffer(Frequency),
    };
    private readonly RtpStreamRewriter _rewriter = new(OutputSsrc, VideoClockRate, Frequency, 65_520, 1_000_000);
    private readonly Dictionary<ushort, byte[]> _sent = [];     // what the subscriber was sent, by output number

    // Producer path: keep a copy for NACKs, then the consumer rewrites its own copy and sends it.
    private void Receive(uint ssrc, ushort seq, uint ts, long now, bool switchPoint)
    {
        byte[] packet = Rtp(ssrc, seq, ts, payloadLength: 200, extension: true);
        Assert.Equal(RetransmissionStoreStatus.Stored, _buffers[ssrc].Store(packet, now));
        if (_rewriter.TryRewrite(packet, now, switchPoint, out ushort output) == RtpRewriteStatus.Forwarded) _sent[output] = packet;
    }

    private void Publish()
    {
        for (int i = 0; i < 20; i++) Receive(LayerA, (ushort)(100 + i), (uint)(i / 2 * 3000), i * 16_000L, i == 0);
        for (int i = 0; i < 20; i++)
        {
            if (i == 15) continue;                                          // lost on the way in
            Receive(LayerB, (ushort)(7_000 + i), (uint)(5_000_000 + i / 2 * 3000), (20 + i) * 16_000L, i == 10);   // B's keyframe at 10
        }
    }

    private byte[] Nack(params ushort[] lost)
    {
        var writer = new GenericNackWriter { SenderSsrc = 0x5B5C1B3E, MediaSsrc = OutputSsrc, LostSequenceNumbers = lost };
        var packet = new byte[writer.GetWrittenLength()];
        Assert.True(writer.TryWrite(packet, out _));
        return packet;
    }

    [Fact]
    public void Nacked_output_packets_are_resent_exactly_as_first_sent_across_a_layer_switch()
    {
        Publish();
        ushort last = _rewriter.LastSequenceNumber;                         // output wrapped: 65520 + 29 → 13
        Assert.Equal((ushort)13, last);
        // Three from layer A before the switch, two from B after it; sorted in wrapping order (65524, 1, 3, 7, 12).
        ushort[] lost = [(ushort)(last - 25), (ushort)(last - 12), (ushort)(last - 10), (ushort)(last - 6), (ushort)(last - 1)];
        Assert.Equal(RtcpParseStatus.Ok, GenericNack.TryRead(Nack(lost), out var nack));
        Span<ushort> requested = stackalloc ushort[nack.CountLost()];
        Assert.Equal(lost.Length, nack.CopyLostTo(requested));

        Span<byte> scratch = stackalloc byte[1500];
        long now = 40 * 16_000L;
        foreach (ushort output in requested)
        {
            Assert.True(_rewriter.TryMapOutputSequence(output, out uint sourceSsrc, out ushort sourceSeq, out uint outputTs));
            Assert.True(_buffers[sourceSsrc].TryCopyTo(sourceSeq, now, scratch, out int length));
            var retransmission = scratch[..length];
            RtpHeaderEditor.SetSsrc(retransmission, OutputSsrc);
            RtpHeaderEditor.SetSequenceNumber(retransmission, output);
            RtpHeaderEditor.SetTimestamp(retransmission, outputTs);
            Assert.Equal(_sent[output], retransmission.ToArray());
        }
        Assert.True(_rewriter.TryMapOutputSequence((ushort)(last - 25), out uint first, out _, out _));
        Assert.Equal(LayerA, first);
        Assert.True(_rewriter.TryMapOutputSequence((ushort)(last - 1), out uint latest, out _, out _));
        Assert.Equal(LayerB, latest);
    }

    [Fact]
    public void Nacked_output_packets_go_out_as_rtx_carrying_the_output_number_as_osn()
    {
        Publish();
        var rtx = new RtxPacketizer(0xC0C0C0C1, 97, 3);
        ushort output = (ushort)(_rewriter.LastSequenceNumber - 2);
        Span<byte> scratch = stackalloc byte[1500 + RtxPacketizer.OsnLength];

        Assert.True(_rewriter.TryMapOutputSequence(output, out uint sourceSsrc, out ushort sourceSeq, out uint outputTs));
        Assert.True(_buffers[sourceSsrc].TryCopyTo(sourceSeq, 40 * 16_000L, scratch, out int length));
        RtpHeaderEditor.SetSsrc(scratch, OutputSsrc);
        RtpHeaderEditor.SetSequenceNumber(scratch, output);
        RtpHeaderEditor.SetTimestamp(scratch, outputTs);
        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(scratch[..length], out var original));
        Assert.True(rtx.TryWrite(original, scratch, out int written));       // in place

        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(scratch[..written], out var header));
        Assert.Equal(0xC0C0C0C1u, header.Ssrc);
        Assert.Equal(3, header.SequenceNumber);
        Assert.Equal(outputTs, header.Timestamp);
        Assert.Equal(output, (ushort)((header.Payload[0] << 8) | header.Payload[1]));
        Assert.Equal(_sent[output].AsSpan(length - 200).ToArray(), header.Payload[2..].ToArray());
    }

    [Fact]
    public void Unsent_and_expired_packets_are_not_answered()
    {
        Publish();
        ushort last = _rewriter.LastSequenceNumber;
        Assert.False(_rewriter.TryMapOutputSequence((ushort)(last - 4), out _, out _, out _));    // B's lost packet
        Assert.False(_rewriter.TryMapOutputSequence((ushort)(last + 1), out _, out _, out _));    // not yet sent

        Assert.True(_rewriter.TryMapOutputSequence(last, out uint ssrc, out ushort seq, out _));
        Span<byte> scratch = stackalloc byte[1500];
        Assert.True(_buffers[ssrc].TryCopyTo(seq, 39 * 16_000L + 1_000_000, scratch, out _));
        Assert.False(_buffers[ssrc].TryCopyTo(seq, 39 * 16_000L + 1_000_001, scratch, out _));  // older than 1 s
    }
}
