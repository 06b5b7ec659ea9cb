namespace Conclave.E2ee.Identity;

/// <summary>
/// The public half of a <see cref="DeviceIdentity"/> as the server relays it: registered with
/// <c>PUT /api/me/device-keys</c> and handed to everyone in a call as the participant's <c>devicePublicKeys</c>. The
/// server treats the bytes as opaque; the browser reads and writes the same format (<c>Clients/web/e2ee/device-keys.js</c>).
/// </summary>
/// <remarks>Version 1, 65 bytes: <c>0x01 || Ed25519 signing public key (32) || X25519 agreement public key (32)</c>.</remarks>
/// <param name="SigningPublicKey">The Ed25519 public key (RFC 8032 §5.1.5): the device's name in rosters and security codes.</param>
/// <param name="AgreementPublicKey">The X25519 public key that media keys are wrapped to (RFC 9180 §4.1).</param>
public sealed record DevicePublicKeys(ReadOnlyMemory<byte> SigningPublicKey, ReadOnlyMemory<byte> AgreementPublicKey)
{
    /// <summary>The format version written and read.</summary>
    public const byte Version = 1;

    /// <summary>The length of version 1.</summary>
    public const int Length = 1 + DeviceIdentity.SigningPublicKeyLength + DeviceIdentity.AgreementPublicKeyLength;

    /// <summary>The public keys of <paramref name="identity"/>.</summary>
    public static DevicePublicKeys Of(DeviceIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return new DevicePublicKeys(identity.SigningPublicKey.ToArray(), identity.AgreementPublicKey.ToArray());
    }

    /// <summary>Reads version 1; false for anything else (never throws).</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out DevicePublicKeys? keys)
    {
        keys = null;
        if (bytes.Length != Length || bytes[0] != Version) return false;
        keys = new DevicePublicKeys(bytes.Slice(1, DeviceIdentity.SigningPublicKeyLength).ToArray(),
            bytes[(1 + DeviceIdentity.SigningPublicKeyLength)..].ToArray());
        return true;
    }

    /// <summary>The registered form.</summary>
    public byte[] ToBytes()
    {
        if (SigningPublicKey.Length != DeviceIdentity.SigningPublicKeyLength || AgreementPublicKey.Length != DeviceIdentity.AgreementPublicKeyLength)
            throw new InvalidOperationException("Device public keys are 32 bytes each.");
        byte[] bytes = new byte[Length];
        bytes[0] = Version;
        SigningPublicKey.Span.CopyTo(bytes.AsSpan(1));
        AgreementPublicKey.Span.CopyTo(bytes.AsSpan(1 + DeviceIdentity.SigningPublicKeyLength));
        return bytes;
    }
}
