namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// One payload type of an RTP m= section, grouping its lines:
/// <code>
/// a=rtpmap:&lt;payload type&gt; &lt;encoding name&gt;/&lt;clock rate&gt;[/&lt;encoding parameters&gt;]   ; RFC 8866 §6.6
/// a=rtcp-fb:&lt;payload type&gt; &lt;type&gt; [&lt;parameter&gt;]                                  ; RFC 4585 §4.2
/// a=fmtp:&lt;payload type&gt; &lt;format specific parameters&gt;                                  ; RFC 8866 §6.15
/// </code>
/// <see cref="HasRtpmap"/> is false for a static payload type (RFC 3551 §6) listed without an rtpmap line; the name and
/// clock rate then come from the static table, and the writer emits no rtpmap line.
/// </summary>
public sealed record Codec(
    int PayloadType,
    string Name,
    int ClockRate,
    int? Channels,
    EquatableList<FormatParameter> Parameters,
    EquatableList<RtcpFeedback> Feedback,
    bool HasRtpmap = true)
{
    /// <summary>The recognised codec family (case-insensitive on the encoding name).</summary>
    public CodecKind Kind => CodecInfo.Classify(Name);

    /// <summary>The value of fmtp parameter <paramref name="key"/> (case-insensitive, RFC 8866 §6.15), or null.</summary>
    public string? GetParameter(string key)
    {
        foreach (var p in Parameters)
            if (string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase)) return p.Value;
        return null;
    }

    /// <summary>For RTX, the primary payload type from <c>apt=</c> (RFC 4588 §8.6); otherwise null.</summary>
    public int? AssociatedPayloadType => Kind == CodecKind.Rtx && int.TryParse(GetParameter("apt"), out int apt) ? apt : null;

    /// <summary>The rtpmap value, e.g. <c>opus/48000/2</c>.</summary>
    public string RtpmapValue => Channels is { } ch ? $"{Name}/{ClockRate}/{ch}" : $"{Name}/{ClockRate}";
}
