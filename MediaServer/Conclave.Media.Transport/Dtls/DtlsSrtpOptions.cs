using Conclave.Media.Transport.Srtp;

namespace Conclave.Media.Transport.Dtls;

/// <summary>Negotiation settings of a DTLS-SRTP endpoint.</summary>
public sealed record DtlsSrtpOptions
{
    /// <summary>AEAD first (RFC 7714), then the mandatory-to-implement AES-CM (RFC 8827 §6.5).</summary>
    public static IReadOnlyList<SrtpProfile> DefaultSrtpProfiles { get; } =
        [SrtpProfile.AeadAes128Gcm, SrtpProfile.AeadAes256Gcm, SrtpProfile.AesCm128HmacSha1_80];

    /// <summary>The defaults.</summary>
    public static DtlsSrtpOptions Default { get; } = new();

    /// <summary>
    /// SRTP profiles in order of preference. A client offers them in this order (RFC 5764 §4.1.1); a server picks
    /// its most preferred one that the client offered.
    /// </summary>
    public IReadOnlyList<SrtpProfile> SrtpProfiles { get; init; } = DefaultSrtpProfiles;

    /// <summary>The whole handshake must finish within this time.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Initial retransmission timer; it doubles on each expiry (RFC 6347 §4.2.4.1 recommends 1 s).</summary>
    public TimeSpan InitialRetransmitTimeout { get; init; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        if (SrtpProfiles is null || SrtpProfiles.Count == 0)
            throw new ArgumentException("at least one SRTP profile is required", nameof(SrtpProfiles));
        foreach (SrtpProfile profile in SrtpProfiles)
        {
            if (!profile.IsSupported()) throw new ArgumentException($"unsupported SRTP profile {profile}", nameof(SrtpProfiles));
        }
        if (HandshakeTimeout <= TimeSpan.Zero || HandshakeTimeout.TotalMilliseconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(HandshakeTimeout), HandshakeTimeout, "must be positive");
        if (InitialRetransmitTimeout < TimeSpan.FromMilliseconds(10) || InitialRetransmitTimeout > HandshakeTimeout)
            throw new ArgumentOutOfRangeException(nameof(InitialRetransmitTimeout), InitialRetransmitTimeout, "must be between 10 ms and the handshake timeout");
    }
}
