namespace Conclave.E2ee.Identity;

/// <summary>
/// The public half of a <see cref="DeviceIdentity"/> as the server relays it: registered with
/// <c>PUT /api/me/device-keys</c> and handed to everyone in a call as the participant's <c>devicePublicKeys</c>. The
/// server treats the bytes as opaque; the browser reads and writes the same format (<c>Clients/web/e2ee/device-keys.js</c>).
/// </summary>
/// <remarks>
/// <code>
///   version 1,   65 bytes: 0x01 || Ed25519 signing public key (32) || X25519 agreement public key (32)
///   version 2, 1281 bytes: 0x02 || Ed25519 signing public key (32) || X25519 agreement public key (32)
///                                || X-Wing encapsulation key (1216: ML-KEM-768 1184 || X25519 32)
/// </code>
/// Readers take both; <see cref="ToBytes"/> writes version 2 when there is an X-Wing key, else version 1. A device
/// with an X-Wing key gets its epoch secrets wrapped with HPKE-X-Wing (post-quantum hybrid), one without with
/// DHKEM(X25519) (docs/e2ee.md, "Key distribution").
/// </remarks>
/// <param name="SigningPublicKey">The Ed25519 public key (RFC 8032 §5.1.5): the device's name in rosters and security codes.</param>
/// <param name="AgreementPublicKey">The X25519 public key that media keys are wrapped to (RFC 9180 §4.1).</param>
/// <param name="XWingPublicKey">The X-Wing encapsulation key (draft-connolly-cfrg-xwing-kem-10), 1216 bytes, or empty
/// for a device without one (version 1).</param>
public sealed record DevicePublicKeys(ReadOnlyMemory<byte> SigningPublicKey, ReadOnlyMemory<byte> AgreementPublicKey, ReadOnlyMemory<byte> XWingPublicKey = default)
{
    /// <summary>Version 1: signing and agreement keys.</summary>
    public const byte Version1 = 1;

    /// <summary>Version 2: signing, agreement and X-Wing keys.</summary>
    public const byte Version2 = 2;

    /// <summary>The length of version 1.</summary>
    public const int Version1Length = 1 + DeviceIdentity.SigningPublicKeyLength + DeviceIdentity.AgreementPublicKeyLength;

    /// <summary>The length of version 2.</summary>
    public const int Version2Length = Version1Length + DeviceIdentity.XWingPublicKeyLength;

    /// <summary>Whether there is an X-Wing key (1216 bytes), so wraps to this device use HPKE-X-Wing.</summary>
    public bool HasXWing => XWingPublicKey.Length == DeviceIdentity.XWingPublicKeyLength;

    /// <summary>The public keys of <paramref name="identity"/>, its X-Wing key included when it has one.</summary>
    public static DevicePublicKeys Of(DeviceIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return new DevicePublicKeys(identity.SigningPublicKey.ToArray(), identity.AgreementPublicKey.ToArray(), identity.XWingPublicKey.ToArray());
    }

    /// <summary>Reads version 1 (65 bytes) or version 2 (1281 bytes); false for anything else (never throws).</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out DevicePublicKeys? keys)
    {
        keys = null;
        bool v1 = bytes.Length == Version1Length && bytes[0] == Version1;
        bool v2 = bytes.Length == Version2Length && bytes[0] == Version2;
        if (!v1 && !v2) return false;
        const int agreementAt = 1 + DeviceIdentity.SigningPublicKeyLength;
        keys = new DevicePublicKeys(bytes.Slice(1, DeviceIdentity.SigningPublicKeyLength).ToArray(),
            bytes.Slice(agreementAt, DeviceIdentity.AgreementPublicKeyLength).ToArray(),
            v2 ? bytes[Version1Length..].ToArray() : ReadOnlyMemory<byte>.Empty);
        return true;
    }

    /// <summary>The registered form: version 2 with an X-Wing key, version 1 without.</summary>
    /// <exception cref="InvalidOperationException">A key has the wrong length.</exception>
    public byte[] ToBytes()
    {
        if (SigningPublicKey.Length != DeviceIdentity.SigningPublicKeyLength || AgreementPublicKey.Length != DeviceIdentity.AgreementPublicKeyLength)
            throw new InvalidOperationException("The signing and agreement public keys are 32 bytes each.");
        if (!XWingPublicKey.IsEmpty && !HasXWing)
            throw new InvalidOperationException($"An X-Wing public key is {DeviceIdentity.XWingPublicKeyLength} bytes.");
        byte[] bytes = new byte[HasXWing ? Version2Length : Version1Length];
        bytes[0] = HasXWing ? Version2 : Version1;
        SigningPublicKey.Span.CopyTo(bytes.AsSpan(1));
        AgreementPublicKey.Span.CopyTo(bytes.AsSpan(1 + DeviceIdentity.SigningPublicKeyLength));
        if (HasXWing) XWingPublicKey.Span.CopyTo(bytes.AsSpan(Version1Length));
        return bytes;
    }
}
