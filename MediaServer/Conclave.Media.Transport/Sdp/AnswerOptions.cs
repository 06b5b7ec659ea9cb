namespace Conclave.Media.Transport.Sdp;

/// <summary>What the server puts into a JSEP answer made by <see cref="SdpAnswerBuilder.CreateAnswer"/>.</summary>
public sealed record AnswerOptions
{
    /// <summary>Audio codecs the server accepts.</summary>
    public EquatableList<CodecCapability> AudioCodecs { get; init; } = [];
    /// <summary>Video codecs the server accepts (include <c>rtx/90000</c> to keep RTX).</summary>
    public EquatableList<CodecCapability> VideoCodecs { get; init; } = [];
    /// <summary>Header extension URIs the server understands.</summary>
    public EquatableList<string> HeaderExtensions { get; init; } = [];
    /// <summary>Whether the server can receive mixed one- and two-byte header extensions (RFC 8285 §6).</summary>
    public bool ExtmapAllowMixed { get; init; } = true;
    /// <summary>The direction the server wants on each audio/video section before intersecting with the offer.</summary>
    public MediaDirection DesiredDirection { get; init; } = MediaDirection.SendRecv;
    /// <summary>The server's ICE username fragment.</summary>
    public required string IceUfrag { get; init; }
    /// <summary>The server's ICE password.</summary>
    public required string IcePwd { get; init; }
    /// <summary>The server's DTLS certificate fingerprint.</summary>
    public required SdpFingerprint Fingerprint { get; init; }
    /// <summary>The server's (ICE-lite) candidates, put in every accepted section.</summary>
    public EquatableList<IceCandidate> Candidates { get; init; } = [];
    /// <summary>The o= line session id.</summary>
    public ulong SessionId { get; init; } = 1;
}
