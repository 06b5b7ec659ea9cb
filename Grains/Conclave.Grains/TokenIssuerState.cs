namespace Conclave.Grains;

/// <summary>Persistent state of <see cref="TokenIssuerGrain"/>.</summary>
[GenerateSerializer, Immutable, Alias("token-issuer-state")]
public sealed record TokenIssuerState
{
    /// <summary>The ECDSA P-256 private key, PKCS#8; null until first requested.</summary>
    [Id(0)] public byte[]? SigningKeyPkcs8 { get; init; }

    /// <summary>True once the admin credential has been handed out.</summary>
    [Id(1)] public bool AdminCredentialClaimed { get; init; }
}
