namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 8866 §5.8 <c>b=&lt;bwtype&gt;:&lt;bandwidth&gt;</c> (e.g. AS, TIAS), bandwidth in the type's unit.</summary>
public sealed record SdpBandwidth(string Type, ulong Value);
