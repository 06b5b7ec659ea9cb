namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 5576 §4.2 <c>a=ssrc-group:&lt;semantics&gt; *(SP ssrc-id)</c>: FID (RTX, RFC 4588), SIM, FEC-FR.</summary>
public sealed record SsrcGroup(string Semantics, EquatableList<uint> Ssrcs);
