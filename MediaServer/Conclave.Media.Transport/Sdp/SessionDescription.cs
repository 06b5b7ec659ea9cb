namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// RFC 8866 §5 session description, unified plan (JSEP RFC 8829):
/// <code>
/// v=  o=  s=  [i=] [u=] *e= *p= [c=] *b= 1*(t= *r=) [z=] [k=] *a=  *(media description)
/// </code>
/// Known session attributes are typed; anything else stays in <see cref="OtherAttributes"/>, verbatim and in order.
/// Records compare structurally, so parse → write → parse yields an equal value.
/// </summary>
public sealed record SessionDescription
{
    /// <summary><c>v=</c> (RFC 8866 §5.1: always 0).</summary>
    public int Version { get; init; }
    /// <summary><c>o=</c>.</summary>
    public required SdpOrigin Origin { get; init; }
    /// <summary><c>s=</c> (JSEP writes <c>-</c>).</summary>
    public string SessionName { get; init; } = "-";
    /// <summary><c>i=</c>, <c>u=</c>.</summary>
    public string? Information { get; init; }
    /// <summary><c>u=</c>.</summary>
    public string? Uri { get; init; }
    /// <summary><c>e=</c> lines.</summary>
    public EquatableList<string> Emails { get; init; } = [];
    /// <summary><c>p=</c> lines.</summary>
    public EquatableList<string> Phones { get; init; } = [];
    /// <summary>Session-level <c>c=</c>.</summary>
    public SdpConnection? Connection { get; init; }
    /// <summary>Session-level <c>b=</c> lines.</summary>
    public EquatableList<SdpBandwidth> Bandwidths { get; init; } = [];
    /// <summary><c>t=</c> lines with their <c>r=</c> lines; at least one.</summary>
    public EquatableList<SdpTiming> Timings { get; init; } = [SdpTiming.Unbounded];
    /// <summary><c>z=</c>, verbatim.</summary>
    public string? TimeZones { get; init; }
    /// <summary><c>k=</c> (obsolete), verbatim.</summary>
    public string? EncryptionKey { get; init; }

    /// <summary><c>a=group:</c> lines (BUNDLE, LS, ...).</summary>
    public EquatableList<SdpGroup> Groups { get; init; } = [];
    /// <summary>Session-level <c>a=extmap-allow-mixed</c> (RFC 8285 §6).</summary>
    public bool ExtmapAllowMixed { get; init; }
    /// <summary><c>a=msid-semantic</c>.</summary>
    public MsidSemantic? MsidSemantic { get; init; }
    /// <summary><c>a=ice-lite</c> (RFC 8839 §5.3): the server is an ICE-lite agent.</summary>
    public bool IceLite { get; init; }
    /// <summary>Session-level <c>a=ice-ufrag</c>.</summary>
    public string? IceUfrag { get; init; }
    /// <summary>Session-level <c>a=ice-pwd</c>.</summary>
    public string? IcePwd { get; init; }
    /// <summary>Session-level <c>a=ice-options</c> tokens.</summary>
    public EquatableList<string> IceOptions { get; init; } = [];
    /// <summary>Session-level <c>a=fingerprint</c> lines.</summary>
    public EquatableList<SdpFingerprint> Fingerprints { get; init; } = [];
    /// <summary>Session-level <c>a=setup</c>.</summary>
    public DtlsSetup? Setup { get; init; }
    /// <summary>Unknown session-level attributes, verbatim, written after the known ones.</summary>
    public EquatableList<SdpAttribute> OtherAttributes { get; init; } = [];

    /// <summary>m= sections, in order.</summary>
    public EquatableList<MediaDescription> Media { get; init; } = [];

    /// <summary>The first BUNDLE group, or null.</summary>
    public SdpGroup? BundleGroup => Groups.FirstOrDefault(g => g.Semantics == SdpGroup.Bundle);
}
