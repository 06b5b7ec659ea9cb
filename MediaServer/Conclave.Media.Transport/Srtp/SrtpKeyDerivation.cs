using Conclave.Crypto;

namespace Conclave.Media.Transport.Srtp;

/// <summary>
/// The SRTP key derivation function (RFC 3711 §4.3), with the AES-CM PRF (§4.3.3) and key_derivation_rate 0
/// (the only rate DTLS-SRTP uses, RFC 5764 §4.1.2), so r = index DIV kdr = 0. RFC 7714 §11 keeps the same
/// KDF for AES-GCM, with the 96-bit master salt (RFC 6188 §3 for the AES-256 PRF).
/// </summary>
/*  RFC 3711 §4.3.1
      key_id = <label> || r          (8-bit label, 48-bit r = 0)
      x      = key_id XOR master_salt (the salt right-padded with zeros to 112 bits for a 96-bit salt)
      session key = AES-CM PRF(master_key, x * 2^16), truncated to the wanted length              */
public static class SrtpKeyDerivation
{
    /// <summary>RFC 3711 §4.3.1 labels. 0x00–0x02 for SRTP, 0x03–0x05 for SRTCP.</summary>
    public const byte SrtpEncryptionLabel = 0x00, SrtpAuthenticationLabel = 0x01, SrtpSaltLabel = 0x02,
        SrtcpEncryptionLabel = 0x03, SrtcpAuthenticationLabel = 0x04, SrtcpSaltLabel = 0x05;

    /// <summary>
    /// Writes the session key for <paramref name="label"/> into <paramref name="destination"/> (its whole length).
    /// A setup-path call: it creates a cipher.
    /// </summary>
    public static void Derive(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, byte label, Span<byte> destination)
    {
        if (masterKey.Length is not (16 or 32)) throw new ArgumentException("master key must be 16 or 32 bytes", nameof(masterKey));
        if (masterSalt.Length > 14) throw new ArgumentException("master salt must be at most 112 bits", nameof(masterSalt));
        using var prf = new AesCounterMode(masterKey);
        Span<byte> iv = stackalloc byte[AesCounterMode.BlockSize];
        iv.Clear();
        masterSalt.CopyTo(iv);
        iv[7] ^= label;                                              // key_id = label || 0^48, aligned to the salt's low 56 bits
        destination.Clear();
        prf.Apply(iv, destination);                                  // 0 XOR keystream = keystream
    }
}
