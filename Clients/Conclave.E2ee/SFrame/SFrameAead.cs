namespace Conclave.E2ee.SFrame;

/// <summary>
/// AEAD.Encrypt / AEAD.Decrypt of one sframe_key (RFC 9605 §4.4, §4.5), working in place. The AAD is passed in two
/// parts, header and metadata (§4.4.3: aad = header + metadata), so no caller has to join them. The tag is kept
/// apart from the ciphertext: AEAD.Encrypt's output is <c>data || tag</c>. Instances keep scratch state: the owner
/// serialises calls.
/// </summary>
internal abstract class SFrameAead : IDisposable
{
    /// <summary>AEAD.Nt of the suite.</summary>
    public abstract int TagLength { get; }

    /// <summary>The AEAD of <paramref name="suite"/> keyed with <paramref name="sframeKey"/> (AEAD.Nk bytes).</summary>
    public static SFrameAead Create(SFrameCipherSuite suite, ReadOnlySpan<byte> sframeKey)
    {
        SFrameCipherSuiteExtensions.ThrowIfUnsupported(suite);
        if (sframeKey.Length != suite.KeyLength()) throw new ArgumentException($"sframe_key must be Nk = {suite.KeyLength()} bytes", nameof(sframeKey));
        return suite.IsCtrHmac() ? new SFrameAesCtrHmac(suite, sframeKey) : new SFrameAesGcm(sframeKey);
    }

    /// <summary>Encrypts <paramref name="data"/> in place and writes the Nt-byte tag.</summary>
    public abstract void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aadHeader, ReadOnlySpan<byte> aadMetadata, Span<byte> data, Span<byte> tag);

    /// <summary>
    /// Verifies <paramref name="tag"/> and, only if it verifies, decrypts <paramref name="data"/> in place. False
    /// when the tag does not verify; <paramref name="data"/> then holds no plaintext (ciphertext or zeros).
    /// </summary>
    public abstract bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aadHeader, ReadOnlySpan<byte> aadMetadata, Span<byte> data, ReadOnlySpan<byte> tag);

    /// <inheritdoc />
    public abstract void Dispose();
}
