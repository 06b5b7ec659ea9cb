using System.Security.Cryptography;

namespace Conclave.Crypto;

/// <summary>
/// AES-GCM with a 96-bit nonce and a 16-byte tag under one key (an SRTP session key, RFC 7714 §8–9; an SFrame key,
/// RFC 9605 §4.5): the managed <see cref="AesGcmIntrinsics"/> where the CPU has AES-NI and PCLMULQDQ, else .NET's
/// <see cref="AesGcm"/>. Both clear the output when the tag does not verify, and neither throws then.
/// </summary>
public sealed class AesGcmCipher : IDisposable
{
    private const int TagLength = 16;

    // Allocated by this: exactly one of the two.
    private readonly AesGcmIntrinsics? _intrinsics;                  // Owned
    private readonly AesGcm? _platform;                              // Owned

    public AesGcmCipher(ReadOnlySpan<byte> key, bool useIntrinsics)
    {
        if (useIntrinsics) _intrinsics = new AesGcmIntrinsics(key);
        else _platform = new AesGcm(key, TagLength);
    }

    /// <summary>Uses the intrinsics implementation whenever this CPU supports it.</summary>
    public AesGcmCipher(ReadOnlySpan<byte> key)
        : this(key, AesGcmIntrinsics.IsSupported)
    {
    }

    public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        if (_intrinsics is not null) _intrinsics.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        else _platform!.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
    }

    /// <summary>Verifies and decrypts; false (output zeroed) when the tag does not verify.</summary>
    public bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        if (_intrinsics is not null) return _intrinsics.TryDecrypt(nonce, ciphertext, tag, plaintext, associatedData);
        try
        {
            // .NET reports a bad tag by exception only; it is turned into a result here.
            _platform!.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _intrinsics?.Dispose();
        _platform?.Dispose();
    }
}
