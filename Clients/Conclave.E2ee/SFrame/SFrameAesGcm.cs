using System.Buffers;
using Conclave.Crypto;

namespace Conclave.E2ee.SFrame;

/// <summary>
/// AES-GCM with a 16-byte tag for AES_128_GCM_SHA256_128 and AES_256_GCM_SHA512_128 (RFC 9605 §4.5), on the shared
/// <see cref="AesGcmCipher"/> (AES-NI where the CPU has it: no fixed per-call cost, and a forged frame is rejected
/// as fast as a good one is opened, RFC 9605 §4.4.4). The AAD (header || metadata) must be one span here, so it is
/// joined in stack scratch (up to 256 bytes) or a pooled array.
/// </summary>
internal sealed class SFrameAesGcm : SFrameAead
{
    private const int Tag = 16;
    private const int StackAadLimit = 256;

    private readonly AesGcmCipher _aes;                              // Owned

    public SFrameAesGcm(ReadOnlySpan<byte> key)
    {
        _aes = new AesGcmCipher(key);
    }

    public override int TagLength => Tag;

    public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aadHeader, ReadOnlySpan<byte> aadMetadata, Span<byte> data, Span<byte> tag)
    {
        if (aadMetadata.IsEmpty)
        {
            _aes.Encrypt(nonce, data, data, tag, aadHeader);
            return;
        }
        int aadLength = aadHeader.Length + aadMetadata.Length;
        byte[]? rented = aadLength > StackAadLimit ? ArrayPool<byte>.Shared.Rent(aadLength) : null;
        Span<byte> aad = rented is null ? stackalloc byte[StackAadLimit] : rented;
        try
        {
            _aes.Encrypt(nonce, data, data, tag, Join(aadHeader, aadMetadata, aad));
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aadHeader, ReadOnlySpan<byte> aadMetadata, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        if (aadMetadata.IsEmpty) return TryDecrypt(nonce, data, tag, aadHeader);
        int aadLength = aadHeader.Length + aadMetadata.Length;
        byte[]? rented = aadLength > StackAadLimit ? ArrayPool<byte>.Shared.Rent(aadLength) : null;
        Span<byte> aad = rented is null ? stackalloc byte[StackAadLimit] : rented;
        try
        {
            return TryDecrypt(nonce, data, tag, Join(aadHeader, aadMetadata, aad));
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // RFC 9605 §4.4.4: a frame whose tag does not verify MUST be discarded; the output is then zeroed.
    private bool TryDecrypt(ReadOnlySpan<byte> nonce, Span<byte> data, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad)
        => _aes.TryDecrypt(nonce, data, tag, data, aad);

    private static ReadOnlySpan<byte> Join(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> scratch)
    {
        first.CopyTo(scratch);
        second.CopyTo(scratch[first.Length..]);
        return scratch[..(first.Length + second.Length)];
    }

    public override void Dispose() => _aes.Dispose();
}
