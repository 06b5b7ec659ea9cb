using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Conclave.E2ee.SFrame;

/// <summary>
/// One entry of the key store (RFC 9605 §4.4.1): the sframe_key (inside its AEAD) and sframe_salt derived from a
/// base_key for one KID (§4.4.2), and the nonce construction of §4.4.3. Not thread-safe: its owner serialises calls.
/// </summary>
internal sealed class SFrameKey : IDisposable
{
    private const int NonceSize = 12;

    private readonly byte[] _salt;
    private readonly SFrameAead _aead;                               // Owned

    private SFrameKey(SFrameKeyId keyId, byte[] salt, SFrameAead aead)
    {
        KeyId = keyId;
        _salt = salt;
        _aead = aead;
    }

    public SFrameKeyId KeyId { get; }

    public int TagLength => _aead.TagLength;

    /// <summary>Runs the key schedule of RFC 9605 §4.4.2 for <paramref name="keyId"/> and keys the suite's AEAD.</summary>
    public static SFrameKey Derive(SFrameCipherSuite suite, SFrameKeyId keyId, ReadOnlySpan<byte> baseKey)
    {
        Span<byte> key = stackalloc byte[suite.KeyLength()];
        byte[] salt = new byte[suite.NonceLength()];
        try
        {
            SFrameKeyDerivation.DeriveKeyAndSalt(suite, keyId.Value, baseKey, key, salt);
            return new SFrameKey(keyId, salt, SFrameAead.Create(suite, key));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>AEAD.Encrypt in place with the nonce for <paramref name="counter"/>; AAD = header || metadata (§4.4.3).</summary>
    public void Seal(ulong counter, ReadOnlySpan<byte> header, ReadOnlySpan<byte> metadata, Span<byte> data, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        WriteNonce(counter, nonce);
        _aead.Seal(nonce, header, metadata, data, tag);
    }

    /// <summary>AEAD.Decrypt in place (§4.4.4); false when the tag does not verify.</summary>
    public bool Open(ulong counter, ReadOnlySpan<byte> header, ReadOnlySpan<byte> metadata, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[NonceSize];
        WriteNonce(counter, nonce);
        return _aead.Open(nonce, header, metadata, data, tag);
    }

    /// <summary>
    /// RFC 9605 §4.4.3: nonce = sframe_salt XOR encode_big_endian(CTR, Nn). A 64-bit CTR only reaches the last 8 of
    /// the 12 bytes.
    /// </summary>
    internal void WriteNonce(ulong counter, Span<byte> nonce)
    {
        _salt.AsSpan(0, NonceSize - sizeof(ulong)).CopyTo(nonce);
        ulong low = BinaryPrimitives.ReadUInt64BigEndian(_salt.AsSpan(NonceSize - sizeof(ulong)));
        BinaryPrimitives.WriteUInt64BigEndian(nonce[(NonceSize - sizeof(ulong))..], low ^ counter);
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_salt);
        _aead.Dispose();
    }
}
