using Conclave.Media.Transport.Srtp;

namespace Conclave.Media.Transport.Tests.Srtp;

/// <summary>Malformed and random input gives a status, never an exception (pion fuzz tests).</summary>
public sealed class SrtpHostileInputTests
{
    public static TheoryData<string, string, SrtpStatus> MalformedSrtp => new()
    {
        { "empty",                              "",                                                 SrtpStatus.TooShort },
        { "shorter than the fixed header",      "8060000100000000DEADBE",                           SrtpStatus.TooShort },
        { "version 1",                          "4060000100000000DEADBEEF00112233445566778899AABB", SrtpStatus.BadVersion },
        { "version 0",                          "0060000100000000DEADBEEF00112233445566778899AABB", SrtpStatus.BadVersion },
        { "header only, no tag",                "8060000100000000DEADBEEF",                         SrtpStatus.TooShort },
        { "csrc count exceeds buffer",          "8F60000100000000DEADBEEF00112233445566778899AABB", SrtpStatus.TooShort },
        { "extension header cut",               "9060000100000000DEADBEEFBEDE",                     SrtpStatus.TooShort },
        { "extension length exceeds buffer",    "9060000100000000DEADBEEFBEDEFFFF0011223344556677", SrtpStatus.TooShort },
        { "tag shorter than 10 after header",   "8060000100000000DEADBEEF001122334455667788",       SrtpStatus.TooShort },
        { "right size, wrong tag",              "8060000100000000DEADBEEF00112233445566778899AABB", SrtpStatus.AuthenticationFailed },
    };

    [Theory]
    [MemberData(nameof(MalformedSrtp))]
    public void Malformed_srtp_gives_a_status(string name, string hex, SrtpStatus expected)
    {
        Assert.False(string.IsNullOrEmpty(name));
        using var rx = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, new byte[16], new byte[14]);
        Assert.Equal(expected, rx.Unprotect(Convert.FromHexString(hex), out int plainLength));
        Assert.Equal(0, plainLength);
        Assert.False(rx.TryGetRtpState(0xDEADBEEF, out _, out _));
    }

    public static TheoryData<string, string, SrtpStatus> MalformedSrtcp => new()
    {
        { "empty",                      "",                                                       SrtpStatus.TooShort },
        { "header only",                "81C90001DEADBEEF",                                       SrtpStatus.TooShort },
        { "one byte short of a trailer","81C90001DEADBEEF80000001112233445566778899",             SrtpStatus.TooShort },
        { "version 3",                  "C1C90001DEADBEEF8000000111223344556677889900",           SrtpStatus.BadVersion },
        { "wrong tag",                  "81C90001DEADBEEF8000000111223344556677889900",           SrtpStatus.AuthenticationFailed },
    };

    [Theory]
    [MemberData(nameof(MalformedSrtcp))]
    public void Malformed_srtcp_gives_a_status(string name, string hex, SrtpStatus expected)
    {
        Assert.False(string.IsNullOrEmpty(name));
        using var rx = new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, new byte[16], new byte[14]);
        Assert.Equal(expected, rx.UnprotectRtcp(Convert.FromHexString(hex), out int plainLength));
        Assert.Equal(0, plainLength);
    }

    [Theory]
    [MemberData(nameof(SrtpRoundTripTests.Profiles), MemberType = typeof(SrtpRoundTripTests))]
    public void Protect_refuses_bad_lengths_with_a_status(SrtpProfile profile)
    {
        using var tx = new SrtpContext(profile, new byte[profile.KeyLength()], new byte[profile.SaltLength()]);
        var (buffer, length) = SrtpTestPackets.Rtp(1, 2, 100, spare: 0);
        Assert.Equal(SrtpStatus.BufferTooSmall, tx.Protect(buffer, length, out _));                  // no room for the tag
        Assert.Equal(SrtpStatus.BufferTooSmall, tx.Protect(buffer, buffer.Length + 1, out _));       // length past the buffer
        Assert.Equal(SrtpStatus.TooShort, tx.Protect(buffer, 11, out _));
        Assert.Equal(SrtpStatus.BufferTooSmall, tx.ProtectRtcp(SrtpTestPackets.Rtcp(5, 20, spare: 0).Buffer, 20, out _));
        Assert.Equal(SrtpStatus.BadVersion, tx.ProtectRtcp(new byte[60], 20, out _));
        Assert.Equal(SrtpStatus.TooShort, tx.ProtectRtcp(new byte[40], 7, out _));
        Assert.False(tx.TryGetRtpState(2, out _, out _));
    }

    [Theory]
    [MemberData(nameof(SrtpRoundTripTests.Profiles), MemberType = typeof(SrtpRoundTripTests))]
    public void Fuzz_random_and_mutated_input_never_throws(SrtpProfile profile)
    {
        var (tx, rx) = SrtpTestPackets.Pair(profile, seed: 9);
        using (tx)
        using (rx)
        {
            var rng = new Random(20260101);
            var genuine = new byte[64][];
            for (int i = 0; i < genuine.Length; i++)
            {
                var (buffer, length) = SrtpTestPackets.Rtp((ushort)(i * 1000), 0x10u + (uint)(i % 4), rng.Next(0, 300), rng, rng.Next(0, 4), rng.Next(-1, 3));
                Assert.Equal(SrtpStatus.Ok, tx.Protect(buffer, length, out int n));
                genuine[i] = buffer.AsSpan(0, n).ToArray();
            }
            var genuineRtcp = new byte[16][];
            for (int i = 0; i < genuineRtcp.Length; i++)
            {
                var (buffer, length) = SrtpTestPackets.Rtcp(0x20u + (uint)(i % 2), 8 + 4 * rng.Next(0, 20), rng);
                Assert.Equal(SrtpStatus.Ok, tx.ProtectRtcp(buffer, length, out int n));
                genuineRtcp[i] = buffer.AsSpan(0, n).ToArray();
            }

            byte[] scratch = new byte[1600];
            int ok = 0;
            const int Iterations = 200_000;
            for (int i = 0; i < Iterations; i++)
            {
                bool rtcp = (i & 1) == 1;
                int length;
                switch (rng.Next(4))
                {
                    case 0:                                                  // random bytes
                        length = rng.Next(0, 200);
                        rng.NextBytes(scratch.AsSpan(0, length));
                        break;
                    case 1:                                                  // random bytes with V = 2
                        length = rng.Next(0, 200);
                        rng.NextBytes(scratch.AsSpan(0, length));
                        if (length > 0) scratch[0] = (byte)(0x80 | (scratch[0] & 0x3F));
                        break;
                    default:                                                 // a genuine packet, mutated or truncated
                        byte[] source = rtcp ? genuineRtcp[rng.Next(genuineRtcp.Length)] : genuine[rng.Next(genuine.Length)];
                        length = source.Length;
                        source.CopyTo(scratch, 0);
                        int mutations = rng.Next(0, 4);
                        for (int m = 0; m < mutations; m++) scratch[rng.Next(length)] ^= (byte)(1 << rng.Next(8));
                        if (rng.Next(4) == 0) length = rng.Next(0, length + 1);
                        break;
                }
                SrtpStatus status = rtcp
                    ? rx.UnprotectRtcp(scratch.AsSpan(0, length), out int plain)
                    : rx.Unprotect(scratch.AsSpan(0, length), out plain);
                Assert.InRange(plain, 0, length);
                if (status == SrtpStatus.Ok) ok++;
            }
            // Unmutated genuine packets decrypt once each (later copies are replays).
            Assert.InRange(ok, 1, genuine.Length + genuineRtcp.Length);
        }
    }
}
