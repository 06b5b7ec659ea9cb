using System.Text.Json;
using Conclave.Crypto;
using Conclave.Media.Transport.Srtp;

namespace Conclave.Media.Transport.Tests.Srtp;

/// <summary>RFC 3711 Appendix B.2 (AES-CM keystream) and B.3 (key derivation), from Vectors/srtp-vectors.json.</summary>
public sealed class Rfc3711AppendixBTests
{
    private static JsonElement B2 => SrtpVectors.Root.GetProperty("rfc3711").GetProperty("appendix_B2_aes_cm");
    private static JsonElement B3 => SrtpVectors.Root.GetProperty("rfc3711").GetProperty("appendix_B3_key_derivation");

    [Fact]
    public void B2_keystream_rows_match_over_the_whole_segment()
    {
        // RFC 3711 B.2: session key 2B7E1516..., salt F0F1...FD (already shifted), SSRC 0, ROC 0, SEQ 0.
        byte[] key = SrtpVectors.Hex(B2, "Session Key");
        byte[] salt = Convert.FromHexString("F0F1F2F3F4F5F6F7F8F9FAFBFCFD");
        Span<byte> iv = stackalloc byte[16];
        SrtpContext.WriteAesCmIv(iv, salt, ssrc: 0, index: 0);
        Assert.Equal(SrtpVectors.Hex(B2, "Offset"), iv.ToArray());

        // RFC 3711 B.2: keystream segment of 1044512 octets (65282 blocks); rows 4-6 are its last 3 blocks.
        byte[] keystream = new byte[65282 * 16];
        using (var cm = new AesCounterMode(key)) cm.Apply(iv, keystream);

        int rows = 0;
        foreach (JsonElement row in B2.GetProperty("keystream_table").EnumerateArray())
        {
            byte[] counter = SrtpVectors.Hex(row, "Counter");
            int block = (counter[14] << 8) | counter[15];
            Assert.Equal(SrtpVectors.Hex(row, "Keystream"), keystream.AsSpan(block * 16, 16).ToArray());
            rows++;
        }
        Assert.Equal(6, rows);
    }

    [Fact]
    public void B3_cipher_key_label_0()
    {
        byte[] key = new byte[16];
        SrtpKeyDerivation.Derive(SrtpVectors.Hex(B3, "master key"), SrtpVectors.Hex(B3, "master salt"), SrtpKeyDerivation.SrtpEncryptionLabel, key);
        // RFC 3711 B.3: cipher key C61E7A93744F39EE10734AFE3FF7A087
        Assert.Equal(SrtpVectors.Hex(B3.GetProperty("cipher_key"), "cipher key (AES-CM output)"), key);
    }

    [Fact]
    public void B3_cipher_salt_label_2()
    {
        byte[] salt = new byte[14];
        SrtpKeyDerivation.Derive(SrtpVectors.Hex(B3, "master key"), SrtpVectors.Hex(B3, "master salt"), SrtpKeyDerivation.SrtpSaltLabel, salt);
        // RFC 3711 B.3: cipher salt 30CBBC08863D8C85D49DB34A9AE1
        Assert.Equal(SrtpVectors.Hex(B3.GetProperty("cipher_salt"), "cipher salt"), salt);
    }

    [Fact]
    public void B3_auth_key_label_1_all_94_octets()
    {
        byte[] auth = new byte[94];
        SrtpKeyDerivation.Derive(SrtpVectors.Hex(B3, "master key"), SrtpVectors.Hex(B3, "master salt"), SrtpKeyDerivation.SrtpAuthenticationLabel, auth);
        // RFC 3711 B.3: the 94-octet walk-through; its first 20 octets are the HMAC-SHA1 key.
        Assert.Equal(SrtpVectors.Hex(B3.GetProperty("auth_key"), "auth key (94 octets, concatenated)"), auth);
        Assert.Equal(Convert.FromHexString("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"), auth.AsSpan(0, 20).ToArray());
    }

    [Fact]
    public void B3_session_keys_as_the_context_derives_them()
    {
        SrtpSessionKeys keys = SrtpSessionKeys.Derive(SrtpProfile.AesCm128HmacSha1_80, SrtpVectors.Hex(B3, "master key"), SrtpVectors.Hex(B3, "master salt"));
        Assert.Equal(Convert.FromHexString("C61E7A93744F39EE10734AFE3FF7A087"), keys.RtpKey);
        Assert.Equal(Convert.FromHexString("30CBBC08863D8C85D49DB34A9AE1"), keys.RtpSalt);
        Assert.Equal(Convert.FromHexString("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"), keys.RtpAuthKey);
        Assert.NotEqual(keys.RtpKey, keys.RtcpKey);                   // labels 3-5 give distinct SRTCP keys
    }

    [Fact]
    public void Iv_places_ssrc_and_index_per_section_4_1_1()
    {
        // RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16)
        byte[] salt = new byte[14];
        Span<byte> iv = stackalloc byte[16];
        SrtpContext.WriteAesCmIv(iv, salt, ssrc: 0x11223344, index: 0xAABBCCDDEEFF);
        Assert.Equal(Convert.FromHexString("0000000011223344AABBCCDDEEFF0000"), iv.ToArray());
    }
}
