using Conclave.Media.Transport.Srtp;

namespace Conclave.Media.Transport.Tests.Srtp;

/// <summary>Protect → Unprotect gives back the exact packet, for every profile and header shape.</summary>
public sealed class SrtpRoundTripTests
{
    public static TheoryData<SrtpProfile> Profiles => SrtpTestPackets.AllProfiles;

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtp_round_trips_random_payloads_with_csrcs_and_extensions(SrtpProfile profile)
    {
        var (sender, receiver) = SrtpTestPackets.Pair(profile);
        using (sender)
        using (receiver)
        {
            var rng = new Random(42);
            for (int i = 0; i < 500; i++)
            {
                int csrcs = rng.Next(0, 16);
                int ext = rng.Next(-1, 6);
                int payload = rng.Next(0, 1400);
                var (buffer, length) = SrtpTestPackets.Rtp((ushort)(1000 + i), 0xCAFE0000u + (uint)(i % 3), payload, rng, csrcs, ext);
                byte[] original = buffer.AsSpan(0, length).ToArray();

                Assert.Equal(SrtpStatus.Ok, sender.Protect(buffer, length, out int protectedLength));
                Assert.Equal(length + profile.TagLength(), protectedLength);
                int header = length - payload;
                Assert.True(original.AsSpan(0, header).SequenceEqual(buffer.AsSpan(0, header)));           // RFC 3711 §3.1: header in clear
                if (payload >= 16) Assert.False(original.AsSpan(header).SequenceEqual(buffer.AsSpan(header, payload)));

                Assert.Equal(SrtpStatus.Ok, receiver.Unprotect(buffer.AsSpan(0, protectedLength), out int plainLength));
                Assert.Equal(original, buffer.AsSpan(0, plainLength).ToArray());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtcp_round_trips_and_the_index_counts_per_ssrc(SrtpProfile profile)
    {
        var (sender, receiver) = SrtpTestPackets.Pair(profile);
        using (sender)
        using (receiver)
        {
            var rng = new Random(7);
            for (int i = 0; i < 300; i++)
            {
                var (buffer, length) = SrtpTestPackets.Rtcp(0xA0u + (uint)(i % 2), 8 + 4 * rng.Next(0, 300), rng);
                byte[] original = buffer.AsSpan(0, length).ToArray();

                Assert.Equal(SrtpStatus.Ok, sender.ProtectRtcp(buffer, length, out int protectedLength));
                Assert.Equal(length + profile.TagLength() + 4, protectedLength);
                int indexOffset = profile.IsAead() ? protectedLength - 4 : length;
                uint word = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(indexOffset));
                Assert.Equal(0x8000_0000u | (uint)(i / 2), word);                                  // E = 1, index per SSRC

                Assert.Equal(SrtpStatus.Ok, receiver.UnprotectRtcp(buffer.AsSpan(0, protectedLength), out int plainLength));
                Assert.Equal(original, buffer.AsSpan(0, plainLength).ToArray());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtcp_with_e_flag_zero_is_authenticated_but_readable(SrtpProfile profile)
    {
        var (sender, receiver) = SrtpTestPackets.Pair(profile);
        using (sender)
        using (receiver)
        {
            var (buffer, length) = SrtpTestPackets.Rtcp(0x1234, 300, new Random(3));
            byte[] original = buffer.AsSpan(0, length).ToArray();
            Assert.Equal(SrtpStatus.Ok, sender.ProtectRtcpWithIndex(buffer, length, 5, encrypt: false, out int protectedLength));
            Assert.Equal(original, buffer.AsSpan(0, length).ToArray());

            Assert.Equal(SrtpStatus.Ok, receiver.UnprotectRtcp(buffer.AsSpan(0, protectedLength), out int plainLength));
            Assert.Equal(original, buffer.AsSpan(0, plainLength).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtp_and_rtcp_keys_differ(SrtpProfile profile)
    {
        var (sender, receiver) = SrtpTestPackets.Pair(profile);
        using (sender)
        using (receiver)
        {
            // An SRTCP-shaped blob made with the SRTP keys must not verify as SRTCP (labels 0-2 vs 3-5).
            var (buffer, length) = SrtpTestPackets.Rtp(1, 0x55, 100);
            buffer[1] = 200;
            Assert.Equal(SrtpStatus.Ok, sender.Protect(buffer, length, out int protectedLength));
            Assert.Equal(SrtpStatus.AuthenticationFailed, receiver.UnprotectRtcp(buffer.AsSpan(0, protectedLength), out _));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Wrong_key_fails_authentication(SrtpProfile profile)
    {
        var (sender, _) = SrtpTestPackets.Pair(profile, seed: 1);
        var (_, receiver) = SrtpTestPackets.Pair(profile, seed: 2);
        using (sender)
        using (receiver)
        {
            byte[] srtp = SrtpTestPackets.ProtectRtp(sender, 10, 0x99);
            Assert.Equal(SrtpStatus.AuthenticationFailed, SrtpTestPackets.Unprotect(receiver, srtp));
            Assert.False(receiver.TryGetRtpState(0x99, out _, out _));
        }
    }

    [Fact]
    public void Constructor_rejects_wrong_lengths()
    {
        Assert.Throws<ArgumentException>(() => new SrtpContext(SrtpProfile.AesCm128HmacSha1_80, new byte[16], new byte[12]));
        Assert.Throws<ArgumentException>(() => new SrtpContext(SrtpProfile.AeadAes128Gcm, new byte[32], new byte[12]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SrtpContext((SrtpProfile)0x0002, new byte[16], new byte[14]));
    }

    [Fact]
    public void Profile_lengths()
    {
        Assert.Equal((16, 14, 20, 10), (SrtpProfile.AesCm128HmacSha1_80.KeyLength(), SrtpProfile.AesCm128HmacSha1_80.SaltLength(),
            SrtpProfile.AesCm128HmacSha1_80.AuthKeyLength(), SrtpProfile.AesCm128HmacSha1_80.TagLength()));
        Assert.Equal((16, 12, 0, 16), (SrtpProfile.AeadAes128Gcm.KeyLength(), SrtpProfile.AeadAes128Gcm.SaltLength(),
            SrtpProfile.AeadAes128Gcm.AuthKeyLength(), SrtpProfile.AeadAes128Gcm.TagLength()));
        Assert.Equal(0x0001, (int)SrtpProfile.AesCm128HmacSha1_80);
        Assert.Equal(0x0007, (int)SrtpProfile.AeadAes128Gcm);
    }
}
