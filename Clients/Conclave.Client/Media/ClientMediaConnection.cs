using System.Globalization;
using System.Net;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Sdp;

namespace Conclave.Client.Media;

/// <summary>The .NET client's WebRTC media connection to a Conclave server, on the same transport library as the
/// server: it makes the offer (JSEP, RFC 8829 §5.2: one BUNDLE of an Opus and a VP8 section, rtcp-mux, our ICE
/// credentials and DTLS fingerprint), then from the server's answer runs ICE as the controlling agent
/// (RFC 8445) and DTLS-SRTP in the role the answer leaves us (RFC 8842 §5.3), and exchanges SRTP.
/// <para>Use: <see cref="CreateOffer"/>, send it (e.g. <see cref="ConclaveApiClient.CreateEchoAsync"/>),
/// <see cref="ConnectAsync"/> with the answer, then <see cref="Transport"/>.SendRtp; received media reaches the
/// handler given to the constructor.</para></summary>
public sealed class ClientMediaConnection : IDisposable
{
    /// <summary>The offer's payload type for Opus (what Chromium uses too).</summary>
    public const int OpusPayloadType = 111;

    /// <summary>The offer's payload type for VP8.</summary>
    public const int Vp8PayloadType = 96;

    /// <summary>The header extension id of <c>urn:ietf:params:rtp-hdrext:sdes:mid</c> in the offer (RFC 8843 §15).</summary>
    public const int MidExtensionId = 1;

    /// <summary>The mid of the audio section.</summary>
    public const string AudioMid = "0";

    /// <summary>The mid of the video section.</summary>
    public const string VideoMid = "1";

    // Allocated by this
    private readonly UdpMediaClient _udp;                             // Owned
    private readonly DtlsCertificate _certificate;
    private readonly DtlsSrtpOptions? _dtlsOptions;
    private readonly IDtlsSrtpTransportHandler _handler;              // Borrowed
    private DtlsSrtpTransport? _transport;                             // Owned
    private int _connecting;

    /// <summary>Opens the UDP socket on <paramref name="localAddress"/> (a specific address, e.g. 127.0.0.1) and creates
    /// this connection's DTLS certificate.</summary>
    /// <param name="localAddress">The interface to send from; the server's candidate must be of the same family.</param>
    /// <param name="handler">Receives decrypted RTP and RTCP, and the connection's end.</param>
    /// <param name="dtlsOptions">SRTP profiles and DTLS timers; the defaults if null.</param>
    public ClientMediaConnection(IPAddress localAddress, IDtlsSrtpTransportHandler handler, DtlsSrtpOptions? dtlsOptions = null)
    {
        ArgumentNullException.ThrowIfNull(localAddress);
        ArgumentNullException.ThrowIfNull(handler);
        _handler = handler;
        _dtlsOptions = dtlsOptions;
        _certificate = DtlsCertificate.Generate("conclave-client");
        _udp = new UdpMediaClient(localAddress);
    }

    /// <summary>The UDP socket and ICE state.</summary>
    public UdpMediaClient Udp => _udp;

    /// <summary>DTLS-SRTP, once <see cref="ConnectAsync"/> has read the answer.</summary>
    public DtlsSrtpTransport Transport => _transport ?? throw new InvalidOperationException("Not connected: call ConnectAsync with the answer first.");

    /// <summary>The SDP offer: audio (Opus) and video (VP8), sendrecv, BUNDLEd on this socket.</summary>
    public string CreateOffer()
    {
        MediaDescription Section(string kind, string mid, Codec codec) => new()
        {
            Media = kind,
            Mid = mid,
            Extensions = [new RtpHeaderExtension(MidExtensionId, null, RtpHeaderExtension.MidUri, null)],
            Direction = MediaDirection.SendRecv,
            Codecs = [codec],
        };
        return CreateOffer(
        [
            Section("audio", AudioMid, new Codec(OpusPayloadType, "opus", 48000, 2, [new("minptime", "10"), new("useinbandfec", "1")], [])),
            Section("video", VideoMid, new Codec(Vp8PayloadType, "VP8", 90000, null, [], [new("nack", null), new("nack", "pli"), new("ccm", "fir")])),
        ]);
    }

    /// <summary>An SDP offer of the caller's m= sections (their kind, mid, direction, codecs, extensions, rids and
    /// simulcast as given), each completed with this connection's transport: the host candidate, our ICE
    /// credentials and DTLS fingerprint, <c>a=setup:actpass</c> (RFC 8842 §5.2), rtcp-mux and rtcp-rsize; all
    /// BUNDLEd (RFC 8843). Callable again to renegotiate: the transport stays the same.</summary>
    /// <param name="sections">The sections, each with a distinct mid.</param>
    /// <param name="extmapAllowMixed">Session-level <c>a=extmap-allow-mixed</c> (RFC 8285 §6): one- and two-byte
    /// header extensions may be mixed, which a dependency descriptor carrying its structure needs.</param>
    public string CreateOffer(IReadOnlyList<MediaDescription> sections, bool extmapAllowMixed = false)
    {
        ArgumentNullException.ThrowIfNull(sections);
        var candidate = new IceCandidate("1", 1, "udp", IceControllingAgent.HostCandidatePriority,
            _udp.LocalEndPoint.Address.ToString(), _udp.LocalEndPoint.Port, IceCandidateType.Host, null, null, EquatableList<KeyValuePair<string, string>>.Empty);
        var offer = new SessionDescription
        {
            Origin = new SdpOrigin("-", Random.Shared.NextInt64(1, long.MaxValue).ToString(CultureInfo.InvariantCulture), 1, "IN", "IP4", "127.0.0.1"),
            Groups = [new SdpGroup(SdpGroup.Bundle, [.. sections.Select(m => m.Mid ?? throw new ArgumentException("every section needs a mid", nameof(sections)))])],
            ExtmapAllowMixed = extmapAllowMixed,
            MsidSemantic = new MsidSemantic("WMS", []),
            Media = [.. sections.Select(m => m with
            {
                Connections = [SdpConnection.Placeholder],
                Candidates = [candidate],
                IceUfrag = _udp.LocalCredentials.Ufrag,
                IcePwd = _udp.LocalCredentials.Password,
                Fingerprints = [SdpFingerprint.From(_certificate.Fingerprint)],
                Setup = DtlsSetup.ActPass,                               // RFC 8842 §5.2: an offer is actpass
                RtcpMux = true,
                RtcpReducedSize = true,
            })],
        };
        return SdpWriter.Write(offer);
    }

    /// <summary>Reads the server's answer, connects ICE, then completes the DTLS handshake. Callable once.</summary>
    /// <exception cref="MediaNegotiationException">The answer is malformed or lacks what WebRTC needs.</exception>
    /// <exception cref="IceConnectionException">No candidate pair worked.</exception>
    /// <exception cref="DtlsSrtpHandshakeException">The handshake failed (fingerprint mismatch, no common profile…).</exception>
    public async Task ConnectAsync(string answerSdp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answerSdp);
        if (Interlocked.Exchange(ref _connecting, 1) != 0) throw new InvalidOperationException("ConnectAsync runs once per connection.");
        RemoteEndpoint remote = ReadAnswer(answerSdp);
        DtlsRole role = remote.Setup == DtlsSetup.Active ? DtlsRole.Server : DtlsRole.Client;
        _transport = new DtlsSrtpTransport(role, _certificate, remote.Fingerprint, _udp.Send, _handler, _dtlsOptions);
        _udp.Sink = _transport;                                          // a DTLS-client server may speak first
        await _udp.ConnectAsync(remote.Ice, remote.Candidates, cancellationToken).ConfigureAwait(false);
        _transport.Start();
        await _transport.Connected.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends close_notify (if connected), then closes the socket.</summary>
    public void Dispose()
    {
        _transport?.Dispose();
        _udp.Dispose();
    }

    private static RemoteEndpoint ReadAnswer(string answerSdp)
    {
        SessionDescription answer;
        try
        {
            answer = SdpParser.Parse(answerSdp);
        }
        catch (SdpParseException e)
        {
            throw new MediaNegotiationException("the server's answer is not valid SDP: " + e.Message, e);
        }
        MediaDescription media = answer.Media.FirstOrDefault(m => m.Port != 0)
            ?? throw new MediaNegotiationException("the server rejected every media section of the offer");
        string ufrag = media.IceUfrag ?? answer.IceUfrag ?? throw new MediaNegotiationException("the answer has no a=ice-ufrag");
        string password = media.IcePwd ?? answer.IcePwd ?? throw new MediaNegotiationException("the answer has no a=ice-pwd");
        IceCredentials ice;
        try
        {
            ice = new IceCredentials(ufrag, password);
        }
        catch (ArgumentException e)
        {
            throw new MediaNegotiationException("the answer's ICE credentials are invalid: " + e.Message, e);
        }
        DtlsFingerprint? fingerprint = null;
        foreach (SdpFingerprint candidate in media.Fingerprints.Concat(answer.Fingerprints))
        {
            if (candidate.TryGetDtlsFingerprint(out fingerprint)) break;
        }
        if (fingerprint is null) throw new MediaNegotiationException("the answer has no a=fingerprint with a supported hash (RFC 8122 §5)");
        DtlsSetup setup = media.Setup ?? answer.Setup ?? throw new MediaNegotiationException("the answer has no a=setup (RFC 8842 §5.3)");
        if (setup is not (DtlsSetup.Active or DtlsSetup.Passive))
            throw new MediaNegotiationException($"the answer's a=setup must be active or passive, not {SdpWriter.SetupToken(setup)} (RFC 8842 §5.3)");
        if (media.Candidates.Count == 0) throw new MediaNegotiationException("the answer has no ICE candidate");
        return new RemoteEndpoint(ice, fingerprint, setup, media.Candidates);
    }

    private sealed record RemoteEndpoint(IceCredentials Ice, DtlsFingerprint Fingerprint, DtlsSetup Setup, IReadOnlyList<IceCandidate> Candidates);
}
