namespace Conclave.Media.Transport.Srtp;

/// <summary>Key, salt and tag lengths of each <see cref="SrtpProfile"/>, in bytes.</summary>
public static class SrtpProfileExtensions
{
    /// <summary>Whether the profile is defined for use here.</summary>
    public static bool IsSupported(this SrtpProfile profile) =>
        profile is SrtpProfile.AesCm128HmacSha1_80 or SrtpProfile.AeadAes128Gcm or SrtpProfile.AeadAes256Gcm;

    /// <summary>True for the AEAD (RFC 7714) profiles.</summary>
    public static bool IsAead(this SrtpProfile profile) => profile != SrtpProfile.AesCm128HmacSha1_80;

    /// <summary>Master (and session) encryption key length: RFC 3711 §8.2 (128 bits), RFC 7714 §12 (128/256 bits).</summary>
    public static int KeyLength(this SrtpProfile profile) => profile == SrtpProfile.AeadAes256Gcm ? 32 : 16;

    /// <summary>Master (and session) salt length: RFC 3711 §8.2 (112 bits), RFC 7714 §12 (96 bits).</summary>
    public static int SaltLength(this SrtpProfile profile) => profile.IsAead() ? 12 : 14;

    /// <summary>Session authentication key length: 160 bits for HMAC-SHA1 (RFC 3711 §8.2), none for AEAD.</summary>
    public static int AuthKeyLength(this SrtpProfile profile) => profile.IsAead() ? 0 : 20;

    /// <summary>Authentication tag length appended to SRTP and SRTCP packets: 80 bits (RFC 3711 §5.2) or 16 octets (RFC 7714 §7.2).</summary>
    public static int TagLength(this SrtpProfile profile) => profile.IsAead() ? 16 : 10;

    /// <summary>The IANA "DTLS-SRTP Protection Profiles" name (RFC 5764 §4.1.2, RFC 7714 §14.2), e.g.
    /// <c>SRTP_AEAD_AES_128_GCM</c>.</summary>
    public static string IanaName(this SrtpProfile profile) => profile switch
    {
        SrtpProfile.AesCm128HmacSha1_80 => "SRTP_AES128_CM_HMAC_SHA1_80",
        SrtpProfile.AeadAes128Gcm => "SRTP_AEAD_AES_128_GCM",
        SrtpProfile.AeadAes256Gcm => "SRTP_AEAD_AES_256_GCM",
        _ => profile.ToString(),
    };

    /// <summary>Parses a profile name, case-insensitively: the IANA name (<c>SRTP_AES128_CM_HMAC_SHA1_80</c>) or the
    /// SRTP crypto-suite name that browsers report in getStats' <c>srtpCipher</c> (<c>AES_CM_128_HMAC_SHA1_80</c>,
    /// <c>AEAD_AES_128_GCM</c>, <c>AEAD_AES_256_GCM</c>).</summary>
    public static bool TryParse(string? name, out SrtpProfile profile)
    {
        profile = default;
        switch (name?.Trim().ToUpperInvariant())
        {
            case "SRTP_AES128_CM_HMAC_SHA1_80" or "AES_CM_128_HMAC_SHA1_80":
                profile = SrtpProfile.AesCm128HmacSha1_80;
                return true;
            case "SRTP_AEAD_AES_128_GCM" or "AEAD_AES_128_GCM":
                profile = SrtpProfile.AeadAes128Gcm;
                return true;
            case "SRTP_AEAD_AES_256_GCM" or "AEAD_AES_256_GCM":
                profile = SrtpProfile.AeadAes256Gcm;
                return true;
            default:
                return false;
        }
    }
}
