namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// RFC 8866 §5.14 media description:
/// <code>
/// m=&lt;media&gt; &lt;port&gt;[/&lt;number of ports&gt;] &lt;proto&gt; &lt;fmt&gt; ...
/// [i=] *c= *b= [k=] *a=
/// </code>
/// For RTP protocols (proto containing <c>RTP/</c>) the formats are the payload types of <see cref="Codecs"/>, in order;
/// for others (<c>UDP/DTLS/SCTP webrtc-datachannel</c>) they are in <see cref="Formats"/>.
/// </summary>
public sealed record MediaDescription
{
    /// <summary>The media token (<c>audio</c>, <c>video</c>, <c>application</c>, ...).</summary>
    public required string Media { get; init; }
    /// <summary>Port; 0 rejects the section (JSEP §5.3.1); 9 is the JSEP placeholder.</summary>
    public int Port { get; init; } = 9;
    /// <summary>The optional <c>/&lt;number of ports&gt;</c>.</summary>
    public int? PortCount { get; init; }
    /// <summary>Transport protocol, e.g. <c>UDP/TLS/RTP/SAVPF</c>.</summary>
    public string Protocol { get; init; } = "UDP/TLS/RTP/SAVPF";
    /// <summary>m= formats of a non-RTP section; empty for RTP sections (see <see cref="Codecs"/>).</summary>
    public EquatableList<string> Formats { get; init; } = [];
    /// <summary><c>i=</c>.</summary>
    public string? Information { get; init; }
    /// <summary><c>c=</c> lines.</summary>
    public EquatableList<SdpConnection> Connections { get; init; } = [];
    /// <summary><c>b=</c> lines.</summary>
    public EquatableList<SdpBandwidth> Bandwidths { get; init; } = [];
    /// <summary><c>k=</c> (obsolete), verbatim.</summary>
    public string? EncryptionKey { get; init; }

    /// <summary><c>a=rtcp</c>.</summary>
    public RtcpAddress? Rtcp { get; init; }
    /// <summary><c>a=candidate</c> lines.</summary>
    public EquatableList<IceCandidate> Candidates { get; init; } = [];
    /// <summary><c>a=end-of-candidates</c> (RFC 8838 §8.2).</summary>
    public bool EndOfCandidates { get; init; }
    /// <summary><c>a=ice-ufrag</c>.</summary>
    public string? IceUfrag { get; init; }
    /// <summary><c>a=ice-pwd</c>.</summary>
    public string? IcePwd { get; init; }
    /// <summary><c>a=ice-options</c> tokens.</summary>
    public EquatableList<string> IceOptions { get; init; } = [];
    /// <summary><c>a=fingerprint</c> lines.</summary>
    public EquatableList<SdpFingerprint> Fingerprints { get; init; } = [];
    /// <summary><c>a=setup</c>.</summary>
    public DtlsSetup? Setup { get; init; }
    /// <summary><c>a=mid</c> (RFC 8843 §15.2 / RFC 5888 §4).</summary>
    public string? Mid { get; init; }
    /// <summary>Media-level <c>a=extmap-allow-mixed</c>.</summary>
    public bool ExtmapAllowMixed { get; init; }
    /// <summary><c>a=extmap</c> lines.</summary>
    public EquatableList<RtpHeaderExtension> Extensions { get; init; } = [];
    /// <summary>The direction attribute as written; null when absent.</summary>
    public MediaDirection? Direction { get; init; }
    /// <summary><c>a=msid</c> lines.</summary>
    public EquatableList<Msid> Msids { get; init; } = [];
    /// <summary><c>a=rtcp-mux</c> (RFC 5761).</summary>
    public bool RtcpMux { get; init; }
    /// <summary><c>a=rtcp-rsize</c> (RFC 5506).</summary>
    public bool RtcpReducedSize { get; init; }
    /// <summary>Payload types in m= order, each with its rtpmap, rtcp-fb and fmtp.</summary>
    public EquatableList<Codec> Codecs { get; init; } = [];
    /// <summary><c>a=rtcp-fb:*</c> lines, which apply to every payload type (RFC 4585 §4.2).</summary>
    public EquatableList<RtcpFeedback> WildcardFeedback { get; init; } = [];
    /// <summary><c>a=ssrc-group</c> lines.</summary>
    public EquatableList<SsrcGroup> SsrcGroups { get; init; } = [];
    /// <summary><c>a=ssrc</c> lines.</summary>
    public EquatableList<SsrcAttribute> Ssrcs { get; init; } = [];
    /// <summary><c>a=rid</c> lines.</summary>
    public EquatableList<RidDescription> Rids { get; init; } = [];
    /// <summary><c>a=simulcast</c>.</summary>
    public SimulcastDescription? Simulcast { get; init; }
    /// <summary>Unknown attributes, verbatim, written last.</summary>
    public EquatableList<SdpAttribute> OtherAttributes { get; init; } = [];

    /// <summary>The recognised media kind.</summary>
    public MediaKind Kind => Media switch
    {
        "audio" => MediaKind.Audio,
        "video" => MediaKind.Video,
        "application" => MediaKind.Application,
        _ => MediaKind.Other,
    };

    /// <summary>True when <see cref="Protocol"/> carries RTP, so formats are payload types.</summary>
    public bool IsRtp => IsRtpProtocol(Protocol);

    /// <summary>The direction in force: absent means sendrecv (RFC 8866 §6.7).</summary>
    public MediaDirection EffectiveDirection => Direction ?? MediaDirection.SendRecv;

    /// <summary>The m= line formats, in order.</summary>
    public IEnumerable<string> FormatTokens => IsRtp
        ? Codecs.Select(c => c.PayloadType.ToString(System.Globalization.CultureInfo.InvariantCulture))
        : Formats;

    /// <summary>The codec with payload type <paramref name="payloadType"/>, or null.</summary>
    public Codec? FindCodec(int payloadType) => Codecs.FirstOrDefault(c => c.PayloadType == payloadType);

    internal static bool IsRtpProtocol(string proto) => proto.Contains("RTP/", StringComparison.Ordinal);
}
