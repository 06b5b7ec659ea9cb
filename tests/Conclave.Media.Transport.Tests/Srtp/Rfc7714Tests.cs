using System.Text.Json;
using Conclave.Media.Transport.Srtp;

namespace Conclave.Media.Transport.Tests.Srtp;

/// <summary>
/// RFC 7714 §16 (SRTP AES-GCM) and §17 (SRTCP AES-GCM) vectors, from Vectors/srtp-vectors.json. The RFC gives
/// session keys and salts, so the context is built from them directly. §16.x.3/§16.x.4 (RTP authenticated but
/// not encrypted) are not covered: no DTLS-SRTP profile sends unencrypted SRTP.
/// </summary>
public sealed class Rfc7714Tests
{
    private static SrtpContext Context(JsonElement vector)
    {
        byte[] key = SrtpVectors.Hex(vector, "Key");
        byte[] salt = SrtpVectors.Hex(vector, "salt");
        SrtpProfile profile = key.Length == 32 ? SrtpProfile.AeadAes256Gcm : SrtpProfile.AeadAes128Gcm;
        var keys = new SrtpSessionKeys
        {
            RtpKey = key, RtpSalt = salt, RtcpKey = key, RtcpSalt = salt, RtpAuthKey = [], RtcpAuthKey = [],
        };
        return new SrtpContext(profile, keys);
    }

    [Theory]
    [InlineData("16.1.1")]                                              // AEAD_AES_128_GCM
    [InlineData("16.2.1")]                                              // AEAD_AES_256_GCM
    public void Srtp_encryption(string section)
    {
        JsonElement v = SrtpVectors.Rfc7714("srtp_rtp", section);
        byte[] plain = SrtpVectors.Hex(v, "Encrypting the following packet");
        byte[] buffer = new byte[plain.Length + 16];
        plain.CopyTo(buffer, 0);
        using SrtpContext sender = Context(v);

        Assert.Equal(SrtpStatus.Ok, sender.Protect(buffer, plain.Length, out int protectedLength));

        Assert.Equal(SrtpVectors.Hex(v, "Encrypted and tagged packet"), buffer.AsSpan(0, protectedLength).ToArray());
    }

    [Theory]
    [InlineData("16.1.2")]
    [InlineData("16.2.2")]
    public void Srtp_decryption(string section)
    {
        JsonElement v = SrtpVectors.Rfc7714("srtp_rtp", section);
        byte[] packet = SrtpVectors.Hex(v, "Decrypting the following packet");
        using SrtpContext receiver = Context(v);

        Assert.Equal(SrtpStatus.Ok, receiver.Unprotect(packet, out int plainLength));

        Assert.Equal(SrtpVectors.Hex(v, "AAD"), packet.AsSpan(0, 12).ToArray());
        Assert.Equal(SrtpVectors.Hex(v, "Verified and tagged packet"), packet.AsSpan(12, plainLength - 12).ToArray());
        Assert.True(receiver.TryGetRtpState(0x5501a0b2, out uint roc, out ushort seq));
        Assert.Equal((0u, (ushort)0xf17b), (roc, seq));
    }

    [Theory]
    [InlineData("16.1.2")]
    [InlineData("16.2.2")]
    public void Srtp_decryption_rejects_a_flipped_bit(string section)
    {
        JsonElement v = SrtpVectors.Rfc7714("srtp_rtp", section);
        byte[] packet = SrtpVectors.Hex(v, "Decrypting the following packet");
        using SrtpContext receiver = Context(v);
        packet[1] ^= 0x01;                                              // the header is AAD (RFC 7714 §8.2)

        Assert.Equal(SrtpStatus.AuthenticationFailed, receiver.Unprotect(packet, out _));
        Assert.False(receiver.TryGetRtpState(0x5501a0b2, out _, out _));
    }

    [Fact]
    public void Srtcp_17_1_encryption_and_tagging()
    {
        JsonElement v = SrtpVectors.Rfc7714("srtcp_rtcp", "17.1");
        byte[] plain = SrtpVectors.Hex(v, "Encrypting the following packet");
        byte[] buffer = new byte[plain.Length + 20];
        plain.CopyTo(buffer, 0);
        using SrtpContext sender = Context(v);

        // RFC 7714 §17: SRTCP index 0x5d4, E = 1.
        Assert.Equal(SrtpStatus.Ok, sender.ProtectRtcpWithIndex(buffer, plain.Length, 0x5d4, encrypt: true, out int protectedLength));

        Assert.Equal(SrtpVectors.Hex(v, "Encrypted and tagged packet"), buffer.AsSpan(0, protectedLength).ToArray());
    }

    [Fact]
    public void Srtcp_17_1_decrypts_back()
    {
        JsonElement v = SrtpVectors.Rfc7714("srtcp_rtcp", "17.1");
        byte[] packet = SrtpVectors.Hex(v, "Encrypted and tagged packet");
        using SrtpContext receiver = Context(v);

        Assert.Equal(SrtpStatus.Ok, receiver.UnprotectRtcp(packet, out int plainLength));

        Assert.Equal(SrtpVectors.Hex(v, "Encrypting the following packet"), packet.AsSpan(0, plainLength).ToArray());
    }

    [Fact]
    public void Srtcp_17_2_verification_and_decryption()
    {
        JsonElement v = SrtpVectors.Rfc7714("srtcp_rtcp", "17.2");
        byte[] packet = SrtpVectors.Hex(v, "Decrypting the following packet");
        using SrtpContext receiver = Context(v);

        Assert.Equal(SrtpStatus.Ok, receiver.UnprotectRtcp(packet, out int plainLength));

        Assert.Equal(SrtpVectors.Hex(v, "Verified and decrypted packet"), packet.AsSpan(0, plainLength).ToArray());
        // The same packet again is a replay of SRTCP index 0x5d4 (RFC 3711 §3.3.2).
        Assert.Equal(SrtpStatus.Replayed, receiver.UnprotectRtcp(SrtpVectors.Hex(v, "Decrypting the following packet"), out _));
    }

    [Fact]
    public void Srtcp_17_3_tagging_only()
    {
        JsonElement v = SrtpVectors.Rfc7714("srtcp_rtcp", "17.3");
        byte[] plain = SrtpVectors.Hex(v, "Tagging the following packet");
        byte[] buffer = new byte[plain.Length + 20];
        plain.CopyTo(buffer, 0);
        using SrtpContext sender = Context(v);

        // RFC 7714 §17.3: E = 0, AAD = whole RTCP packet || 000005d4.
        Assert.Equal(SrtpStatus.Ok, sender.ProtectRtcpWithIndex(buffer, plain.Length, 0x5d4, encrypt: false, out int protectedLength));

        Assert.Equal(SrtpVectors.Hex(v, "Tagged packet"), buffer.AsSpan(0, protectedLength).ToArray());
    }

    [Theory]
    [InlineData("17.3", "Tagged packet")]
    [InlineData("17.4", "Verifying the following packet")]
    public void Srtcp_tag_verification_e_flag_zero(string section, string property)
    {
        JsonElement v = SrtpVectors.Rfc7714("srtcp_rtcp", section);
        byte[] packet = SrtpVectors.Hex(v, property);
        using SrtpContext receiver = Context(v);

        Assert.Equal(SrtpStatus.Ok, receiver.UnprotectRtcp(packet, out int plainLength));

        Assert.Equal(SrtpVectors.Hex(v, "AAD")[..^4], packet.AsSpan(0, plainLength).ToArray());
    }

    [Fact]
    public void Srtcp_17_4_rejects_a_flipped_bit_in_the_unencrypted_body()
    {
        JsonElement v = SrtpVectors.Rfc7714("srtcp_rtcp", "17.4");
        byte[] packet = SrtpVectors.Hex(v, "Verifying the following packet");
        packet[20] ^= 0x80;
        using SrtpContext receiver = Context(v);

        Assert.Equal(SrtpStatus.AuthenticationFailed, receiver.UnprotectRtcp(packet, out _));
    }
}
