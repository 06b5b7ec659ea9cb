using System.Buffers.Binary;
using Conclave.Media.Transport.Rtp;
using Conclave.Sfu.Forwarding;
using static Conclave.Sfu.Tests.Forwarding.ForwardingPackets;

namespace Conclave.Sfu.Tests.Forwarding;

/// <summary>
/// Allocation guards (STYLE.md): after warm-up, windows of 10k packets through each forwarding piece. At least one
/// window out of five must allocate 0 bytes, which tolerates a rare one-off by the runtime (tiering, a timer).
/// </summary>
public sealed class ForwardingAllocationTests
{
    private const int Window = 10_000;

    private static void AssertSomeWindowAllocatesNothing(Action<int> step)
    {
        int i = 0;
        for (; i < Window; i++) step(i);                                    // warm-up
        var windows = new long[5];
        for (int w = 0; w < windows.Length; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int end = i + Window; i < end; i++) step(i);
            windows[w] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.Contains(0L, windows);
    }

    [Fact]
    public void Rewriting_switching_resyncing_and_mapping_allocate_nothing()
    {
        var rewriter = new RtpStreamRewriter(0xFEEDu, VideoClockRate, Frequency, 1, 2);
        byte[] packet = Rtp(0, 0, 0, payloadLength: 1000, extension: true);
        uint[] layers = [0x1111, 0x2222, 0x3333];
        int forwarded = 0;
        AssertSomeWindowAllocatesNothing(i =>
        {
            uint ssrc = layers[i / 700 % 3];                                // a layer switch every 700 packets
            ushort seq = (ushort)(i * 3 + (i % 5 == 0 ? 1 : 0));            // upstream gaps of 1 or 2
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), seq);
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), (uint)(i / 3 * 3000));
            BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
            if (i % 2100 == 1000) rewriter.Resync();                        // a pause
            if (rewriter.TryRewrite(packet, i * 11_000L, i % 700 < 3 || i % 2100 == 1001, out ushort output) == RtpRewriteStatus.Forwarded)
                forwarded++;
            rewriter.TryMapOutputSequence((ushort)(output - 100), out _, out _, out _);
        });
        Assert.True(forwarded > 5 * Window);
    }

    [Fact]
    public void Storing_and_copying_out_allocate_nothing()
    {
        var buffer = new RetransmissionBuffer(Frequency);
        byte[] packet = Rtp(0x1234, 0, 0, payloadLength: 1100, extension: true);
        byte[] destination = new byte[buffer.SlotSize];
        int hits = 0;
        AssertSomeWindowAllocatesNothing(i =>
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)i);
            buffer.Store(packet, i * 1_000L);
            if (buffer.TryCopyTo((ushort)(i - 40), i * 1_000L, destination, out _)) hits++;
        });
        Assert.True(hits > 5 * Window);
    }

    [Fact]
    public void Rtx_packetization_allocates_nothing()
    {
        var rtx = new RtxPacketizer(0x4321, 97, 0);
        byte[] packet = Rtp(0x1234, 0, 0, payloadLength: 1100, csrcCount: 2, extension: true);
        byte[] destination = new byte[1500];
        int written = 0;
        AssertSomeWindowAllocatesNothing(i =>
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)i);
            if (RtpHeader.TryRead(packet, out var original) == RtpParseStatus.Ok && rtx.TryWrite(original, destination, out int n))
                written += n;
        });
        Assert.True(written > 0);
    }
}
