namespace Conclave.Media.Transport.Sdp;

/// <summary>RFC 8839 §5.1 <c>cand-type</c>.</summary>
public enum IceCandidateType
{
    /// <summary><c>host</c>.</summary>
    Host,
    /// <summary><c>srflx</c> (server reflexive).</summary>
    ServerReflexive,
    /// <summary><c>prflx</c> (peer reflexive).</summary>
    PeerReflexive,
    /// <summary><c>relay</c> (TURN).</summary>
    Relay,
}
