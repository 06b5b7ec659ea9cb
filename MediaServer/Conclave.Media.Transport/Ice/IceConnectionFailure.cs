namespace Conclave.Media.Transport.Ice;

/// <summary>Why <see cref="IceControllingAgent.ConnectAsync"/> failed.</summary>
public enum IceConnectionFailure
{
    /// <summary>None of the remote candidates could form a pair: no UDP candidate of component 1 with an IP address.</summary>
    NoUsableCandidates,
    /// <summary>Every candidate pair failed: checks timed out (the peer does not know our ufrag, our password is
    /// wrong, or it is unreachable), were rejected with an authenticated error, or could not be sent.</summary>
    ChecksFailed,
    /// <summary>The agent was disposed before a pair was selected.</summary>
    Closed,
}
