namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 5576 §4.1 <c>a=ssrc:&lt;ssrc-id&gt; &lt;attribute&gt;[:&lt;value&gt;]</c>, e.g. <c>cname:abc</c>, <c>msid:s t</c>.</summary>
public sealed record SsrcAttribute(uint Ssrc, string Name, string? Value);
