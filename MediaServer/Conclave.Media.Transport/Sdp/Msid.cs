namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 8830 §2 <c>a=msid:&lt;stream id&gt; [&lt;track id&gt;]</c>; Chromium writes <c>-</c> for "no stream".</summary>
public sealed record Msid(string StreamId, string? TrackId)
{
    /// <inheritdoc/>
    public override string ToString() => TrackId is null ? StreamId : $"{StreamId} {TrackId}";
}
