using Conclave.Media.Transport.Srtp;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Conclave.Media.Transport.Dtls;

/// <summary>
/// BouncyCastle DTLS 1.2 client for DTLS-SRTP (RFC 5764): offers ECDHE-ECDSA AEAD suites, the extended master
/// secret (required) and use_srtp; checks the server certificate against the SDP fingerprint and presents its own.
/// Run it with <see cref="DtlsSrtpHandshake.ConnectAsync"/>.
/// </summary>
public sealed class DtlsSrtpClient : DefaultTlsClient
{
    internal DtlsSrtpClient(BcTlsCrypto crypto, DtlsCertificate localCertificate, DtlsFingerprint expectedRemote, DtlsSrtpOptions options)
        : base(crypto)
    {
        State = new DtlsSrtpPeerState(crypto, localCertificate, expectedRemote, options);
    }

    internal DtlsSrtpPeerState State { get; }

    internal TlsClientContext Context => m_context;

    /// <summary>DTLS 1.2 only (RFC 6347).</summary>
    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    /// <inheritdoc />
    protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, DtlsSrtpPeerState.CipherSuites);

    /// <summary>RFC 7627: offer the extended master secret.</summary>
    public override bool ShouldUseExtendedMasterSecret() => true;

    /// <summary>RFC 7627 §5.3: abort if the server does not use it.</summary>
    public override bool RequiresExtendedMasterSecret() => true;

    /// <inheritdoc />
    public override int GetHandshakeTimeoutMillis() => State.HandshakeTimeoutMillis;

    /// <inheritdoc />
    public override int GetHandshakeResendTimeMillis() => State.ResendMillis;

    /// <summary>RFC 5764 §4.1.1: offer our profiles in preference order with an empty MKI.</summary>
    public override IDictionary<int, byte[]> GetClientExtensions()
    {
        IDictionary<int, byte[]> extensions = TlsExtensionsUtilities.EnsureExtensionsInitialised(base.GetClientExtensions());
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData(State.OfferedProfiles(), TlsUtilities.EmptyBytes));
        return extensions;
    }

    /// <summary>
    /// RFC 5764 §4.1.1: the server answers with exactly one profile, one we offered, and our (empty) MKI.
    /// </summary>
    public override void ProcessServerExtensions(IDictionary<int, byte[]> serverExtensions)
    {
        base.ProcessServerExtensions(serverExtensions);
        UseSrtpData? answer;
        try
        {
            answer = serverExtensions is null ? null : TlsSrtpUtilities.GetUseSrtpExtension(serverExtensions);
        }
        catch (IOException e)
        {
            throw State.Fail(DtlsHandshakeFailure.NoCommonSrtpProfile, AlertDescription.decode_error, "malformed use_srtp extension: " + e.Message);
        }
        if (answer is null)
            throw State.Fail(DtlsHandshakeFailure.NoCommonSrtpProfile, AlertDescription.handshake_failure, "the server did not accept use_srtp (RFC 5764 §4.1.1)");
        if (answer.ProtectionProfiles.Length != 1)
            throw State.Fail(DtlsHandshakeFailure.NoCommonSrtpProfile, AlertDescription.illegal_parameter, "the server's use_srtp must carry exactly one profile (RFC 5764 §4.1.1)");
        if (answer.Mki.Length != 0)
            throw State.Fail(DtlsHandshakeFailure.NoCommonSrtpProfile, AlertDescription.illegal_parameter, "the server's srtp_mki must echo our empty MKI (RFC 5764 §4.1.1)");
        int selected = answer.ProtectionProfiles[0];
        foreach (SrtpProfile offered in State.Options.SrtpProfiles)
        {
            if ((int)offered == selected)
            {
                State.SelectedProfile = offered;
                return;
            }
        }
        throw State.Fail(DtlsHandshakeFailure.NoCommonSrtpProfile, AlertDescription.illegal_parameter,
            $"the server selected SRTP profile 0x{selected:X4}, which we did not offer (RFC 5764 §4.1.1)");
    }

    /// <inheritdoc />
    public override TlsAuthentication GetAuthentication() => new DtlsSrtpClientAuthentication(this);

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
