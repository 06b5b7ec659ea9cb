using Conclave.Media.Transport.Srtp;

namespace Conclave.Media.Transport.Tests.Srtp;

/// <summary>
/// RFC 3711 §3.3 (state committed only after authentication), §3.3.1/App. A (index estimation across the
/// 16-bit wrap) and §3.3.2 (replay window). Regression tests for the SIPSorcery bugs: state advanced by
/// forged packets, ROC shared across SSRCs, late packets from before a wrap rejected.
/// </summary>
public sealed class SrtpReplayAndRolloverTests
{
    public static TheoryData<SrtpProfile> Profiles => SrtpTestPackets.AllProfiles;
    private const uint Ssrc = 0x0BADCAFE;

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Tampered_packet_fails_without_changing_state_then_the_genuine_one_decrypts(SrtpProfile profile)
    {
        var (tx, rx) = SrtpTestPackets.Pair(profile);
        using (tx)
        using (rx)
        {
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, SrtpTestPackets.ProtectRtp(tx, 100, Ssrc)));
            byte[] genuine = SrtpTestPackets.ProtectRtp(tx, 101, Ssrc);
            foreach (int position in new[] { 1, 3, 7, 11, 20, genuine.Length - 1 })
            {
                byte[] tampered = (byte[])genuine.Clone();
                tampered[position] ^= 0x04;
                Assert.Equal(SrtpStatus.AuthenticationFailed, SrtpTestPackets.Unprotect(rx, tampered));
                Assert.True(rx.TryGetRtpState(Ssrc, out uint roc, out ushort sl));
                Assert.Equal((0u, (ushort)100), (roc, sl));                    // RFC 3711 §3.3: nothing committed
            }
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, genuine));
            Assert.True(rx.TryGetRtpState(Ssrc, out _, out ushort after));
            Assert.Equal(101, after);
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Replayed_packet_is_refused(SrtpProfile profile)
    {
        var (tx, rx) = SrtpTestPackets.Pair(profile);
        using (tx)
        using (rx)
        {
            byte[] a = SrtpTestPackets.ProtectRtp(tx, 5, Ssrc);
            byte[] b = SrtpTestPackets.ProtectRtp(tx, 6, Ssrc);
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, a));
            Assert.Equal(SrtpStatus.Replayed, SrtpTestPackets.Unprotect(rx, a));
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, b));
            Assert.Equal(SrtpStatus.Replayed, SrtpTestPackets.Unprotect(rx, a));
            Assert.Equal(SrtpStatus.Replayed, SrtpTestPackets.Unprotect(rx, b));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Reordering_within_the_window_is_accepted_and_behind_it_is_too_old(SrtpProfile profile)
    {
        var (tx, rx) = SrtpTestPackets.Pair(profile);
        using (tx)
        using (rx)
        {
            var packets = new byte[300][];
            for (int i = 0; i < packets.Length; i++) packets[i] = SrtpTestPackets.ProtectRtp(tx, (ushort)(1000 + i), Ssrc);

            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, packets[0]));
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, packets[200]));
            // Every packet 73..199 is within 128 of the highest (200) and arrives late, in reverse.
            for (int i = 199; i > 200 - ReplayWindow.Size; i--) Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, packets[i]));
            for (int i = 199; i > 200 - ReplayWindow.Size; i--) Assert.Equal(SrtpStatus.Replayed, SrtpTestPackets.Unprotect(rx, packets[i]));
            // RFC 3711 §3.3.2: left of the window → discarded.
            Assert.Equal(SrtpStatus.TooOld, SrtpTestPackets.Unprotect(rx, packets[200 - ReplayWindow.Size]));
            Assert.Equal(SrtpStatus.TooOld, SrtpTestPackets.Unprotect(rx, packets[1]));
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, packets[299]));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Sequence_wrap_increments_the_roc_on_both_sides_and_a_late_packet_from_before_the_wrap_decrypts(SrtpProfile profile)
    {
        var (tx, rx) = SrtpTestPackets.Pair(profile);
        using (tx)
        using (rx)
        {
            byte[] p65533 = SrtpTestPackets.ProtectRtp(tx, 65533, Ssrc);
            byte[] p65534 = SrtpTestPackets.ProtectRtp(tx, 65534, Ssrc);
            byte[] p65535 = SrtpTestPackets.ProtectRtp(tx, 65535, Ssrc);
            byte[] p0 = SrtpTestPackets.ProtectRtp(tx, 0, Ssrc);
            byte[] p1 = SrtpTestPackets.ProtectRtp(tx, 1, Ssrc);
            Assert.True(tx.TryGetRtpState(Ssrc, out uint txRoc, out ushort txSl));
            Assert.Equal((1u, (ushort)1), (txRoc, txSl));

            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, p65533));
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, p65535));
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, p0));
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, p1));
            Assert.True(rx.TryGetRtpState(Ssrc, out uint rxRoc, out ushort rxSl));
            Assert.Equal((1u, (ushort)1), (rxRoc, rxSl));

            // RFC 3711 App. A: s_l = 1 < 32768 and SEQ - s_l > 32768 → v = ROC - 1: decrypts with ROC 0.
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, p65534));
            Assert.Equal(SrtpStatus.Replayed, SrtpTestPackets.Unprotect(rx, p65535));
            Assert.True(rx.TryGetRtpState(Ssrc, out rxRoc, out rxSl));
            Assert.Equal((1u, (ushort)1), (rxRoc, rxSl));                       // a late packet does not move s_l back
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Forged_packet_far_ahead_does_not_advance_the_roc(SrtpProfile profile)
    {
        var (tx, rx) = SrtpTestPackets.Pair(profile);
        using (tx)
        using (rx)
        {
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, SrtpTestPackets.ProtectRtp(tx, 40000, Ssrc)));
            // seq 100 after s_l 40000 estimates ROC + 1; forged → rejected, ROC must stay 0 (the SIPSorcery bug).
            byte[] forged = SrtpTestPackets.ProtectRtp(tx, 100, Ssrc);
            forged[^1] ^= 0xFF;
            for (int i = 0; i < 5; i++) Assert.Equal(SrtpStatus.AuthenticationFailed, SrtpTestPackets.Unprotect(rx, forged));
            Assert.True(rx.TryGetRtpState(Ssrc, out uint roc, out ushort sl));
            Assert.Equal((0u, (ushort)40000), (roc, sl));
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, SrtpTestPackets.ProtectRtp(tx, 40001, Ssrc)));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Roc_is_kept_per_ssrc(SrtpProfile profile)
    {
        var (tx, rx) = SrtpTestPackets.Pair(profile);
        using (tx)
        using (rx)
        {
            foreach (ushort seq in new ushort[] { 65534, 65535, 0, 1 })
                Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, SrtpTestPackets.ProtectRtp(tx, seq, 1)));
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, SrtpTestPackets.ProtectRtp(tx, 2, 2)));
            Assert.True(rx.TryGetRtpState(1, out uint roc1, out _));
            Assert.True(rx.TryGetRtpState(2, out uint roc2, out _));
            Assert.Equal((1u, 0u), (roc1, roc2));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Srtcp_replay_and_too_old(SrtpProfile profile)
    {
        var (tx, rx) = SrtpTestPackets.Pair(profile);
        using (tx)
        using (rx)
        {
            var packets = new byte[200][];
            for (int i = 0; i < packets.Length; i++)
            {
                var (buffer, length) = SrtpTestPackets.Rtcp(Ssrc, 64, new Random(i));
                Assert.Equal(SrtpStatus.Ok, tx.ProtectRtcp(buffer, length, out int n));
                packets[i] = buffer.AsSpan(0, n).ToArray();
            }
            Assert.Equal(SrtpStatus.Ok, rx.UnprotectRtcp((byte[])packets[150].Clone(), out _));
            Assert.Equal(SrtpStatus.Replayed, rx.UnprotectRtcp((byte[])packets[150].Clone(), out _));
            Assert.Equal(SrtpStatus.Ok, rx.UnprotectRtcp((byte[])packets[100].Clone(), out _));
            Assert.Equal(SrtpStatus.TooOld, rx.UnprotectRtcp((byte[])packets[10].Clone(), out _));

            byte[] tampered = (byte[])packets[199].Clone();
            tampered[9] ^= 1;
            Assert.Equal(SrtpStatus.AuthenticationFailed, rx.UnprotectRtcp(tampered, out _));
            Assert.Equal(SrtpStatus.Ok, rx.UnprotectRtcp((byte[])packets[199].Clone(), out _));
        }
    }

    public static TheoryData<string, long, ushort, long> Estimates => new()
    {
        // name, highest index (ROC * 65536 + s_l), SEQ, expected index (RFC 3711 App. A)
        { "same roc ahead",              5,                  10,    10 },
        { "same roc behind",             1000,               900,   900 },
        { "wrap forward",                65535,              0,     65536 },
        { "wrap forward from 40000",     40000,              100,   65536 + 100 },
        { "late across the wrap",        65536 + 1,          65534, 65534 },
        { "before index 0 is negative",  3,                  65000, 65000 - 65536 },
        { "roc 7, s_l 32768, seq 0",     7 * 65536 + 32768,  0,     7 * 65536 },
        { "roc 7, s_l 32769, seq 0",     7 * 65536 + 32769,  0,     8 * 65536 },
        { "max roc wraps past 2^48",     (long)uint.MaxValue * 65536 + 65535, 0, 1L << 48 },
    };

    [Theory]
    [MemberData(nameof(Estimates))]
    public void Index_estimation_per_appendix_a(string name, long highest, ushort seq, long expected)
    {
        Assert.False(string.IsNullOrEmpty(name));
        Assert.Equal(expected, SrtpIndex.Estimate(highest, seq));
    }

    [Fact]
    public void Too_many_ssrcs_is_a_status()
    {
        var (tx, rx) = SrtpTestPackets.Pair(SrtpProfile.AesCm128HmacSha1_80, maxSsrcs: 2);
        using (tx)
        using (rx)
        {
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, SrtpTestPackets.ProtectRtp(tx, 1, 1)));
            Assert.Equal(SrtpStatus.Ok, SrtpTestPackets.Unprotect(rx, SrtpTestPackets.ProtectRtp(tx, 1, 2)));
            var (buffer, length) = SrtpTestPackets.Rtp(1, 3, 10);
            Assert.Equal(SrtpStatus.TooManySsrcs, tx.Protect(buffer, length, out _));
        }
    }
}
