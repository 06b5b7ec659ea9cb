namespace Conclave.Sfu.Forwarding;

/// <summary>Outcome of <see cref="RtpStreamRewriter.TryRewrite"/>. Only <see cref="Forwarded"/> rewrote the packet.</summary>
public enum RtpRewriteStatus
{
    /// <summary>The header now carries the output SSRC, sequence number and timestamp; send it.</summary>
    Forwarded = 0,
    /// <summary>
    /// The packet would open a new segment (first packet, another source SSRC, or after
    /// <see cref="RtpStreamRewriter.Resync"/>) but the caller did not mark it as a switch point. Dropped.
    /// </summary>
    AwaitingSwitchPoint,
    /// <summary>The packet belongs to the current source but precedes the packet that opened its segment. Dropped.</summary>
    Stale,
    /// <summary>
    /// The packet is at least <see cref="RtpStreamRewriter.HistorySize"/> sequence numbers behind the newest forwarded
    /// one, beyond the output-to-source history. Dropped.
    /// </summary>
    TooOld,
    /// <summary>The packet was already forwarded (same source sequence number in the current segment). Dropped.</summary>
    Duplicate,
    /// <summary>RFC 3550 §5.1: shorter than the fixed header or not version 2. Dropped.</summary>
    Malformed,
}
