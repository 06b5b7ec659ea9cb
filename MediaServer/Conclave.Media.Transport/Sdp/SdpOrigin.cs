namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 8866 §5.2 <c>o=&lt;username&gt; &lt;sess-id&gt; &lt;sess-version&gt; &lt;nettype&gt; &lt;addrtype&gt; &lt;unicast-address&gt;</c>.</summary>
/// <remarks>The session id is kept as text: Chromium writes 19-digit ids and the RFC only requires digits.</remarks>
public sealed record SdpOrigin(string Username, string SessionId, ulong SessionVersion, string NetType, string AddressType, string Address)
{
    /// <summary>The origin a server-made description uses (<c>o=- id version IN IP4 127.0.0.1</c>, as JSEP §5.2.1).</summary>
    public static SdpOrigin ForServer(ulong sessionId, ulong version) => new("-", sessionId.ToString(System.Globalization.CultureInfo.InvariantCulture), version, "IN", "IP4", "127.0.0.1");
}
