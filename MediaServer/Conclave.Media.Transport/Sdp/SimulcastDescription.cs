namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// RFC 8853 §5.1:
/// <code>
/// sc-value     = ( sc-send [SP sc-recv] ) / ( sc-recv [SP sc-send] )
/// sc-send      = %s"send" SP sc-str-list          ; sc-str-list = sc-alt-list *( ";" sc-alt-list )
/// sc-alt-list  = sc-id *( "," sc-id )             ; sc-id = [sc-id-paused] rid-id, sc-id-paused = "~"
/// </code>
/// Each entry of <see cref="Send"/>/<see cref="Recv"/> is one simulcast stream given as its list of alternative rids.
/// The writer puts <c>send</c> before <c>recv</c>.
/// </summary>
public sealed record SimulcastDescription(EquatableList<EquatableList<SimulcastStream>> Send, EquatableList<EquatableList<SimulcastStream>> Recv)
{
    /// <summary>Every rid named in either direction.</summary>
    public IEnumerable<SimulcastStream> AllRids => Send.Concat(Recv).SelectMany(alt => alt);
}
