using System.Security.Cryptography;

namespace Conclave.Media.Transport.Srtp;

/// <summary>
/// The six session keys of one cryptographic context (RFC 3711 §4.3.1 labels 0x00–0x05). Auth keys are
/// empty for AEAD profiles (RFC 7714 §11). Setup-path object; <see cref="Clear"/> wipes it.
/// </summary>
internal sealed class SrtpSessionKeys
{
    public required byte[] RtpKey { get; init; }
    public required byte[] RtpSalt { get; init; }
    public required byte[] RtpAuthKey { get; init; }
    public required byte[] RtcpKey { get; init; }
    public required byte[] RtcpSalt { get; init; }
    public required byte[] RtcpAuthKey { get; init; }

    /// <summary>RFC 3711 §4.3 / RFC 7714 §11: derives all session keys from the master key and salt.</summary>
    public static SrtpSessionKeys Derive(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        if (!profile.IsSupported()) throw new ArgumentOutOfRangeException(nameof(profile), profile, "unsupported SRTP profile");
        if (masterKey.Length != profile.KeyLength()) throw new ArgumentException($"{profile} needs a {profile.KeyLength()}-byte master key", nameof(masterKey));
        if (masterSalt.Length != profile.SaltLength()) throw new ArgumentException($"{profile} needs a {profile.SaltLength()}-byte master salt", nameof(masterSalt));
        var keys = new SrtpSessionKeys
        {
            RtpKey = new byte[profile.KeyLength()],
            RtpSalt = new byte[profile.SaltLength()],
            RtpAuthKey = new byte[profile.AuthKeyLength()],
            RtcpKey = new byte[profile.KeyLength()],
            RtcpSalt = new byte[profile.SaltLength()],
            RtcpAuthKey = new byte[profile.AuthKeyLength()],
        };
        SrtpKeyDerivation.Derive(masterKey, masterSalt, SrtpKeyDerivation.SrtpEncryptionLabel, keys.RtpKey);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, SrtpKeyDerivation.SrtpAuthenticationLabel, keys.RtpAuthKey);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, SrtpKeyDerivation.SrtpSaltLabel, keys.RtpSalt);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, SrtpKeyDerivation.SrtcpEncryptionLabel, keys.RtcpKey);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, SrtpKeyDerivation.SrtcpAuthenticationLabel, keys.RtcpAuthKey);
        SrtpKeyDerivation.Derive(masterKey, masterSalt, SrtpKeyDerivation.SrtcpSaltLabel, keys.RtcpSalt);
        return keys;
    }

    public void Clear()
    {
        CryptographicOperations.ZeroMemory(RtpKey);
        CryptographicOperations.ZeroMemory(RtpSalt);
        CryptographicOperations.ZeroMemory(RtpAuthKey);
        CryptographicOperations.ZeroMemory(RtcpKey);
        CryptographicOperations.ZeroMemory(RtcpSalt);
        CryptographicOperations.ZeroMemory(RtcpAuthKey);
    }
}
