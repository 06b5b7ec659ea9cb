namespace Conclave.Sfu.Routing;

/// <summary>The codec of one leg of a track, as negotiated on that leg: payload types are per peer (RFC 3264 §5.1),
/// so the same Opus is 111 for one browser and may be another number for the next.</summary>
/// <param name="Name">Encoding name, e.g. <c>opus</c>, <c>VP8</c>.</param>
/// <param name="ClockRate">RTP clock rate (Hz).</param>
/// <param name="PayloadType">The payload type on this leg.</param>
public sealed record RtpCodecParameters(string Name, int ClockRate, byte PayloadType)
{
    /// <summary>Same codec, whatever the payload type.</summary>
    public bool IsSameCodec(RtpCodecParameters other) =>
        string.Equals(Name, other.Name, StringComparison.OrdinalIgnoreCase) && ClockRate == other.ClockRate;
}
