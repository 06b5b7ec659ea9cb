namespace Conclave.Media.Transport.Srtp;

/// <summary>
/// DTLS-SRTP protection profiles (RFC 5764 §4.1.2, IANA "DTLS-SRTP Protection Profiles"); the value is the
/// two-byte identifier carried in the use_srtp extension. Lengths are in <see cref="SrtpProfileExtensions"/>.
/// </summary>
public enum SrtpProfile : ushort
{
    /// <summary>SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764 §4.1.2): AES-128 counter mode, HMAC-SHA1 truncated to 80 bits.</summary>
    AesCm128HmacSha1_80 = 0x0001,

    /// <summary>SRTP_AEAD_AES_128_GCM (RFC 7714 §14.2): AES-128-GCM, 16-byte tag, 12-byte salt.</summary>
    AeadAes128Gcm = 0x0007,

    /// <summary>SRTP_AEAD_AES_256_GCM (RFC 7714 §14.2): AES-256-GCM, 16-byte tag, 12-byte salt.</summary>
    AeadAes256Gcm = 0x0008,
}
