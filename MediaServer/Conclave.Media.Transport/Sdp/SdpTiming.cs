namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 8866 §5.9 <c>t=&lt;start-time&gt; &lt;stop-time&gt;</c> with its §5.10 <c>r=</c> lines kept verbatim.</summary>
public sealed record SdpTiming(ulong Start, ulong Stop, EquatableList<string> Repeats)
{
    /// <summary><c>t=0 0</c>, the only timing WebRTC uses (JSEP §5.2.1).</summary>
    public static SdpTiming Unbounded { get; } = new(0, 0, []);
}
