using System.Security.Cryptography;

namespace Conclave.E2ee.Hpke;

/// <summary>
/// The AEAD of a context (RFC 9180 §4, §7.3) on .NET's <see cref="AesGcm"/> or <see cref="ChaCha20Poly1305"/>.
/// Seal writes ciphertext || tag (RFC 5116 §2.1); Open reports a bad tag as false, never by exception.
/// </summary>
internal sealed class HpkeAead : IDisposable
{
    private const int Tag = HpkeAlgorithms.TagLength;

    private readonly AesGcm? _aesGcm;                                // Owned
    private readonly ChaCha20Poly1305? _chaCha;                      // Owned

    /// <summary>Keys the AEAD; <paramref name="aead"/> is supported and <paramref name="key"/> is Nk bytes.</summary>
    public HpkeAead(HpkeAeadId aead, ReadOnlySpan<byte> key)
    {
        if (aead == HpkeAeadId.ChaCha20Poly1305) _chaCha = new ChaCha20Poly1305(key);
        else _aesGcm = new AesGcm(key, Tag);
    }

    /// <summary>Seal(key, nonce, aad, pt): <paramref name="ciphertext"/> is pt.Length + Nt bytes.</summary>
    public void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        Span<byte> body = ciphertext[..plaintext.Length];
        Span<byte> tag = ciphertext.Slice(plaintext.Length, Tag);
        if (_chaCha is not null) _chaCha.Encrypt(nonce, plaintext, body, tag, aad);
        else _aesGcm!.Encrypt(nonce, plaintext, body, tag, aad);
    }

    /// <summary>
    /// Open(key, nonce, aad, ct) into <paramref name="plaintext"/> (ct.Length - Nt bytes); false when the tag does
    /// not verify, in which case .NET has cleared <paramref name="plaintext"/>.
    /// </summary>
    public bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        ReadOnlySpan<byte> body = ciphertext[..^Tag];
        ReadOnlySpan<byte> tag = ciphertext[^Tag..];
        try
        {
            if (_chaCha is not null) _chaCha.Decrypt(nonce, body, tag, plaintext, aad);
            else _aesGcm!.Decrypt(nonce, body, tag, plaintext, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;                                            // RFC 9180 §5.2: OpenError
        }
    }

    public void Dispose()
    {
        _aesGcm?.Dispose();
        _chaCha?.Dispose();
    }
}
