using Conclave.Media.Transport.Srtp;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Conclave.Media.Transport.Dtls;

/// <summary>
/// BouncyCastle DTLS 1.2 server for DTLS-SRTP (RFC 5764): ECDHE-ECDSA AEAD suites, extended master secret
/// required (RFC 7627), use_srtp, a client certificate required and checked against the SDP fingerprint.
/// Run it with <see cref="DtlsSrtpHandshake.AcceptAsync"/>.
/// </summary>
public sealed class DtlsSrtpServer : DefaultTlsServer
{
    internal DtlsSrtpServer(BcTlsCrypto crypto, DtlsCertificate localCertificate, DtlsFingerprint expectedRemote, DtlsSrtpOptions options)
        : base(crypto)
    {
        State = new DtlsSrtpPeerState(crypto, localCertificate, expectedRemote, options);
    }

    internal DtlsSrtpPeerState State { get; }

    /// <summary>BouncyCastle's DTLS server is 1.2 only, and so is this (RFC 6347).</summary>
    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    /// <inheritdoc />
    protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, DtlsSrtpPeerState.CipherSuites);

    /// <summary>RFC 7627 §5.3: abort if the client does not offer the extended master secret.</summary>
    public override bool RequiresExtendedMasterSecret() => true;

    /// <inheritdoc />
    public override int GetHandshakeTimeoutMillis() => State.HandshakeTimeoutMillis;

    /// <inheritdoc />
    public override int GetHandshakeResendTimeMillis() => State.ResendMillis;

    /// <summary>RFC 5764 §4.1.1: pick our most preferred profile among those the client offers.</summary>
    public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);
        UseSrtpData? offer;
        try
        {
            offer = clientExtensions is null ? null : TlsSrtpUtilities.GetUseSrtpExtension(clientExtensions);
        }
        catch (IOException e)
        {
            throw State.Fail(DtlsHandshakeFailure.NoCommonSrtpProfile, AlertDescription.decode_error, "malformed use_srtp extension: " + e.Message);
        }
        if (offer is null)
            throw State.Fail(DtlsHandshakeFailure.NoCommonSrtpProfile, AlertDescription.handshake_failure, "the client did not offer use_srtp (RFC 5764 §4.1.1)");
        foreach (SrtpProfile preferred in State.Options.SrtpProfiles)
        {
            if (Array.IndexOf(offer.ProtectionProfiles, (int)preferred) >= 0)
            {
                State.SelectedProfile = preferred;
                return;
            }
        }
        // RFC 5764 §4.1.1: with no shared profile "the server SHOULD return an appropriate DTLS alert" when
        // falling back to plain DTLS is not acceptable, as it is not for media.
        throw State.Fail(DtlsHandshakeFailure.NoCommonSrtpProfile, AlertDescription.handshake_failure,
            "no SRTP protection profile in common with the client (offered: " + string.Join(", ", offer.ProtectionProfiles) + ")");
    }

    /// <summary>RFC 5764 §4.1.1: answer with exactly one profile and an empty MKI (no MKI in SRTP packets).</summary>
    public override IDictionary<int, byte[]> GetServerExtensions()
    {
        IDictionary<int, byte[]> extensions = TlsExtensionsUtilities.EnsureExtensionsInitialised(base.GetServerExtensions());
        if (State.SelectedProfile is SrtpProfile profile)
            TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData([(int)profile], TlsUtilities.EmptyBytes));
        return extensions;
    }

    /// <summary>RFC 8827 §6.5: both sides present certificates; ask the client for one.</summary>
    public override CertificateRequest GetCertificateRequest() =>
        new([ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign],
            TlsUtilities.GetDefaultSupportedSignatureAlgorithms(m_context), null);

    /// <summary>RFC 5763 §5: the client's certificate must match the fingerprint in its SDP.</summary>
    public override void NotifyClientCertificate(Certificate clientCertificate) => State.VerifyPeerCertificate(clientCertificate);

    /// <inheritdoc />
    protected override TlsCredentialedSigner GetECDsaSignerCredentials() =>
        State.CreateSigner(m_context, m_context.SecurityParameters.ClientSigAlgs);

    /// <inheritdoc />
    public override void NotifyAlertReceived(short alertLevel, short alertDescription)
    {
        base.NotifyAlertReceived(alertLevel, alertDescription);
        State.OnAlertReceived(alertLevel, alertDescription);
    }

    /// <summary>Exports the SRTP keying material (RFC 5764 §4.2).</summary>
    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        State.ExportKeys(m_context);
    }
}
