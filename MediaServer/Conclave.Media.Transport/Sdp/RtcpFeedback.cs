namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 4585 §4.2 <c>a=rtcp-fb:&lt;pt&gt; &lt;type&gt; [&lt;parameter&gt;]</c>, e.g. <c>nack pli</c>, <c>ccm fir</c>, <c>transport-cc</c>.</summary>
public sealed record RtcpFeedback(string Type, string? Parameter)
{
    /// <inheritdoc/>
    public override string ToString() => Parameter is null ? Type : $"{Type} {Parameter}";
}
