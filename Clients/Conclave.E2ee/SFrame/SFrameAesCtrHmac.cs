using System.Buffers.Binary;
using System.Security.Cryptography;
using Conclave.Crypto;

namespace Conclave.E2ee.SFrame;

/*  RFC 9605 §4.5.1
      def derive_subkeys(sframe_key):
        enc_key = sframe_key[..Nka]
        auth_key = sframe_key[Nka..]

      def compute_tag(auth_key, nonce, aad, ct):
        aad_len = encode_big_endian(len(aad), 8)
        ct_len = encode_big_endian(len(ct), 8)
        tag_len = encode_big_endian(Nt, 8)
        auth_data = aad_len + ct_len + tag_len + nonce + aad + ct
        tag = HMAC(auth_key, auth_data)
        return truncate(tag, Nt)

      AEAD.Encrypt: ct = AES-CTR(enc_key, nonce + 0x00000000, pt); return ct + compute_tag(auth_key, nonce, aad, ct)
      AEAD.Decrypt: verify compute_tag(...) in constant time, then AES-CTR                                       */
/// <summary>
/// The compound AEAD of RFC 9605 §4.5.1 (AES_128_CTR_HMAC_SHA256_80/64/32): encrypt-then-MAC with AES-CTR and
/// HMAC truncated to Nt bytes. The subkeys are split once, at construction; HMAC runs incrementally over the
/// auth_data pieces, so nothing is joined or allocated per frame. Not thread-safe.
/// </summary>
internal sealed class SFrameAesCtrHmac : SFrameAead
{
    private const int MaxHashLength = 64;

    private readonly int _tagLength;
    private readonly AesCounterMode _ctr;                            // Owned
    private readonly IncrementalHash _hmac;                          // Owned

    public SFrameAesCtrHmac(SFrameCipherSuite suite, ReadOnlySpan<byte> sframeKey)
    {
        int nka = suite.AesKeyLength();
        _tagLength = suite.TagLength();
        _ctr = new AesCounterMode(sframeKey[..nka]);                                   // enc_key = sframe_key[..Nka]
        _hmac = IncrementalHash.CreateHMAC(suite.HashAlgorithm(), sframeKey[nka..]);     // auth_key = sframe_key[Nka..]
    }

    public override int TagLength => _tagLength;

    // RFC 9605 §4.5.1: AES-CTR from the counter block nonce || 0x00000000.
    private void ApplyKeystream(ReadOnlySpan<byte> nonce, Span<byte> data)
    {
        Span<byte> initialCounter = stackalloc byte[AesCounterMode.BlockSize];
        nonce.CopyTo(initialCounter);
        initialCounter[nonce.Length..].Clear();
        _ctr.Apply(initialCounter, data);
    }

    public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aadHeader, ReadOnlySpan<byte> aadMetadata, Span<byte> data, Span<byte> tag)
    {
        ApplyKeystream(nonce, data);
        Span<byte> full = stackalloc byte[MaxHashLength];
        ComputeTag(nonce, aadHeader, aadMetadata, data, full)[.._tagLength].CopyTo(tag);
    }

    public override bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aadHeader, ReadOnlySpan<byte> aadMetadata, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        Span<byte> full = stackalloc byte[MaxHashLength];
        ReadOnlySpan<byte> candidate = ComputeTag(nonce, aadHeader, aadMetadata, data, full)[.._tagLength];
        // RFC 9605 §4.5.1: constant_time_equal(tag, candidate_tag) before any decryption.
        if (tag.Length != _tagLength || !CryptographicOperations.FixedTimeEquals(tag, candidate)) return false;
        ApplyKeystream(nonce, data);
        return true;
    }

    private Span<byte> ComputeTag(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aadHeader, ReadOnlySpan<byte> aadMetadata, ReadOnlySpan<byte> ct, Span<byte> full)
    {
        Span<byte> lengths = stackalloc byte[24];
        BinaryPrimitives.WriteUInt64BigEndian(lengths, (ulong)(aadHeader.Length + (long)aadMetadata.Length));   // aad_len
        BinaryPrimitives.WriteUInt64BigEndian(lengths[8..], (ulong)ct.Length);                                    // ct_len
        BinaryPrimitives.WriteUInt64BigEndian(lengths[16..], (ulong)_tagLength);                                  // tag_len
        _hmac.AppendData(lengths);
        _hmac.AppendData(nonce);
        _hmac.AppendData(aadHeader);
        _hmac.AppendData(aadMetadata);
        _hmac.AppendData(ct);
        int written = _hmac.GetHashAndReset(full);
        return full[..written];
    }

    public override void Dispose()
    {
        _ctr.Dispose();
        _hmac.Dispose();
    }
}
