using Conclave.Media.Transport.Srtp;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using TlsHashAlgorithm = Org.BouncyCastle.Tls.HashAlgorithm;

namespace Conclave.Media.Transport.Dtls;

/// <summary>
/// What <see cref="DtlsSrtpServer"/> and <see cref="DtlsSrtpClient"/> share: the expected remote fingerprint, the
/// negotiated profile, the failure reason and the exported keying material. Touched only by the handshake thread.
/// </summary>
internal sealed class DtlsSrtpPeerState
{
    /// <summary>
    /// ECDHE-ECDSA AES-GCM suites, AES-128-GCM first: what Chromium negotiates and RFC 8827 §6.5 makes mandatory.
    /// AES-GCM only, so every protected record carries at least 24 bytes (RFC 5288 §3), the floor
    /// <see cref="QueueDatagramTransport"/> enforces before BouncyCastle sees a record; ChaCha20-Poly1305 records
    /// (16 bytes of overhead, RFC 7905 §2) would fall below it.
    /// </summary>
    internal static readonly int[] CipherSuites =
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ];

    internal DtlsSrtpPeerState(BcTlsCrypto crypto, DtlsCertificate localCertificate, DtlsFingerprint expectedRemote, DtlsSrtpOptions options)
    {
        options.Validate();
        Crypto = crypto;
        LocalCertificate = localCertificate;
        ExpectedRemote = expectedRemote;
        Options = options;
        TlsCertificate = new Certificate([crypto.CreateCertificate(localCertificate.RawData.ToArray())]);
    }

    internal BcTlsCrypto Crypto { get; }
    internal DtlsCertificate LocalCertificate { get; }
    internal Certificate TlsCertificate { get; }
    internal DtlsFingerprint ExpectedRemote { get; }
    internal DtlsSrtpOptions Options { get; }

    internal SrtpProfile? SelectedProfile { get; set; }
    internal bool PeerVerified { get; private set; }
    internal DtlsHandshakeFailure? Failure { get; private set; }
    internal string? FailureMessage { get; private set; }
    internal short? ReceivedAlert { get; private set; }

    /// <summary>RFC 5764 §4.2 keying material; owned by the handshake runner once set.</summary>
    internal byte[]? KeyingMaterial { get; private set; }

    internal int HandshakeTimeoutMillis => (int)Options.HandshakeTimeout.TotalMilliseconds;
    internal int ResendMillis => (int)Options.InitialRetransmitTimeout.TotalMilliseconds;

    internal int[] OfferedProfiles()
    {
        var ids = new int[Options.SrtpProfiles.Count];
        for (int i = 0; i < ids.Length; i++) ids[i] = (int)Options.SrtpProfiles[i];
        return ids;
    }

    /// <summary>Records a local failure and builds the fatal alert that aborts the handshake.</summary>
    internal TlsFatalAlert Fail(DtlsHandshakeFailure reason, short alert, string message)
    {
        Failure ??= reason;
        FailureMessage ??= message;
        return new TlsFatalAlert(alert, message);
    }

    internal void OnAlertReceived(short level, short description)
    {
        if (level == AlertLevel.fatal) ReceivedAlert ??= description;
    }

    /// <summary>
    /// RFC 5763 §5: the certificate presented in the handshake must match the fingerprint from the peer's SDP,
    /// otherwise the connection is refused with bad_certificate. Self-signed, so no chain is validated; possession
    /// of the key is proven by ServerKeyExchange / CertificateVerify, which BouncyCastle checks.
    /// </summary>
    internal void VerifyPeerCertificate(Certificate? certificate)
    {
        if (certificate is null || certificate.IsEmpty)
            throw Fail(DtlsHandshakeFailure.NoCertificate, AlertDescription.handshake_failure,
                "the peer sent no certificate; DTLS-SRTP requires one on both sides (RFC 8827 §6.5)");
        byte[] der = certificate.GetCertificateAt(0).GetEncoded();
        if (!ExpectedRemote.Matches(der))
        {
            string actual = DtlsFingerprint.FromCertificate(der, ExpectedRemote.HashFunction).ToString();
            throw Fail(DtlsHandshakeFailure.FingerprintMismatch, AlertDescription.bad_certificate,
                $"peer certificate fingerprint '{actual}' does not match the SDP fingerprint '{ExpectedRemote}' (RFC 5763 §5)");
        }
        PeerVerified = true;
    }

    /// <summary>A signer for our ECDSA P-256 key, using a signature algorithm the peer accepts (RFC 5246 §7.4.1.4.1).</summary>
    internal TlsCredentialedSigner CreateSigner(TlsContext context, IList<SignatureAndHashAlgorithm>? peerAlgorithms)
    {
        SignatureAndHashAlgorithm? chosen = null;
        if (peerAlgorithms is null)
        {
            chosen = new SignatureAndHashAlgorithm(TlsHashAlgorithm.sha256, SignatureAlgorithm.ecdsa);
        }
        else
        {
            // P-256 pairs with SHA-256; take it if offered, else the first ECDSA hash the peer lists.
            foreach (SignatureAndHashAlgorithm algorithm in peerAlgorithms)
            {
                if (algorithm.Signature != SignatureAlgorithm.ecdsa) continue;
                if (algorithm.Hash == TlsHashAlgorithm.sha256) { chosen = algorithm; break; }
                if (chosen is null && algorithm.Hash is TlsHashAlgorithm.sha384 or TlsHashAlgorithm.sha512) chosen = algorithm;
            }
        }
        if (chosen is null)
            throw Fail(DtlsHandshakeFailure.ProtocolError, AlertDescription.handshake_failure, "the peer accepts no ECDSA signature algorithm");
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), Crypto, LocalCertificate.PrivateKey, TlsCertificate, chosen);
    }

    /// <summary>
    /// RFC 5764 §4.2: exports 2 * (key + salt) bytes with the label "EXTRACTOR-dtls_srtp" and no context, once the
    /// handshake is complete, the peer verified and the extended master secret (RFC 7627) in use.
    /// </summary>
    internal void ExportKeys(TlsContext context)
    {
        if (!PeerVerified)
            throw Fail(DtlsHandshakeFailure.NoCertificate, AlertDescription.handshake_failure, "handshake completed without a verified peer certificate");
        if (SelectedProfile is not SrtpProfile profile)
            throw Fail(DtlsHandshakeFailure.NoCommonSrtpProfile, AlertDescription.handshake_failure, "no SRTP profile negotiated");
        if (!context.SecurityParameters.IsExtendedMasterSecret)
            throw Fail(DtlsHandshakeFailure.ProtocolError, AlertDescription.handshake_failure, "extended master secret (RFC 7627) not negotiated");
        int length = 2 * (profile.KeyLength() + profile.SaltLength());
        KeyingMaterial = context.ExportKeyingMaterial(ExporterLabel.dtls_srtp, null, length);
    }
}
