namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 8866 §5.7 <c>c=&lt;nettype&gt; &lt;addrtype&gt; &lt;connection-address&gt;</c>.</summary>
public sealed record SdpConnection(string NetType, string AddressType, string Address)
{
    /// <summary>The JSEP §5.2.1 placeholder <c>c=IN IP4 0.0.0.0</c>.</summary>
    public static SdpConnection Placeholder { get; } = new("IN", "IP4", "0.0.0.0");

    /// <inheritdoc/>
    public override string ToString() => $"{NetType} {AddressType} {Address}";
}
