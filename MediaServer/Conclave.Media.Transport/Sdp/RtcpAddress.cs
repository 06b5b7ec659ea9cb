namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 3605 §2.1 <c>a=rtcp:&lt;port&gt; [nettype addrtype address]</c> (Chromium writes <c>a=rtcp:9 IN IP4 0.0.0.0</c>).</summary>
public sealed record RtcpAddress(int Port, SdpConnection? Connection);
