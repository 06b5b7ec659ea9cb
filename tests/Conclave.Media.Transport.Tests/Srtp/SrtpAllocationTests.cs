using System.Buffers.Binary;
using Conclave.Media.Transport.Srtp;

namespace Conclave.Media.Transport.Tests.Srtp;

/// <summary>Allocation guard: 0 bytes across 10k protect+unprotect after warm-up (STYLE.md).</summary>
public sealed class SrtpAllocationTests
{
    public static TheoryData<SrtpProfile> Profiles => SrtpTestPackets.AllProfiles;

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtp_protect_and_unprotect_allocate_nothing(SrtpProfile profile)
    {
        var (tx, rx) = SrtpTestPackets.Pair(profile);
        using (tx)
        using (rx)
        {
            var (buffer, length) = SrtpTestPackets.Rtp(0, 0x1111, 1188, new Random(1), csrcCount: 2, extensionWords: 2);
            ushort seq = 0;
            for (int i = 0; i < 1000; i++) RoundTrip(tx, rx, buffer, length, seq++);      // warm-up, first SSRC state

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++) RoundTrip(tx, rx, buffer, length, seq++);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(0, allocated);
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtcp_protect_and_unprotect_allocate_nothing(SrtpProfile profile)
    {
        var (tx, rx) = SrtpTestPackets.Pair(profile);
        using (tx)
        using (rx)
        {
            var (buffer, length) = SrtpTestPackets.Rtcp(0x2222, 80, new Random(2));
            for (int i = 0; i < 1000; i++) RoundTripRtcp(tx, rx, buffer, length);

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++) RoundTripRtcp(tx, rx, buffer, length);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(0, allocated);
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rejected_packets_before_authentication_allocate_nothing(SrtpProfile profile)
    {
        var (tx, rx) = SrtpTestPackets.Pair(profile);
        using (tx)
        using (rx)
        {
            var (buffer, length) = SrtpTestPackets.Rtp(7, 0x3333, 200);
            Assert.Equal(SrtpStatus.Ok, tx.Protect(buffer, length, out int n));
            byte[] replay = buffer.AsSpan(0, n).ToArray();
            Assert.Equal(SrtpStatus.Ok, rx.Unprotect(buffer.AsSpan(0, n), out _));
            byte[] junk = new byte[8];

            int expected = 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++)
            {
                if (rx.Unprotect(replay, out _) == SrtpStatus.Replayed) expected++;
                if (rx.Unprotect(junk, out _) == SrtpStatus.TooShort) expected++;
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(20_000, expected);
            Assert.Equal(0, allocated);
        }
    }

    private static void RoundTrip(SrtpContext tx, SrtpContext rx, byte[] buffer, int length, ushort seq)
    {
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), seq);
        if (tx.Protect(buffer, length, out int protectedLength) != SrtpStatus.Ok) throw new InvalidOperationException("protect");
        if (rx.Unprotect(buffer.AsSpan(0, protectedLength), out int plain) != SrtpStatus.Ok || plain != length) throw new InvalidOperationException("unprotect");
    }

    private static void RoundTripRtcp(SrtpContext tx, SrtpContext rx, byte[] buffer, int length)
    {
        if (tx.ProtectRtcp(buffer, length, out int protectedLength) != SrtpStatus.Ok) throw new InvalidOperationException("protect");
        if (rx.UnprotectRtcp(buffer.AsSpan(0, protectedLength), out int plain) != SrtpStatus.Ok || plain != length) throw new InvalidOperationException("unprotect");
    }
}
