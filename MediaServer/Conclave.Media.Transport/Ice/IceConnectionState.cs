namespace Conclave.Media.Transport.Ice;

/// <summary>Where an <see cref="IceControllingAgent"/> is. <see cref="Failed"/>, <see cref="ConsentLost"/> and
/// <see cref="Closed"/> are final: a new agent (and an ICE restart in the signalling) is needed to go on.</summary>
public enum IceConnectionState
{
    /// <summary>Created; <see cref="IceControllingAgent.ConnectAsync"/> not called yet.</summary>
    New,
    /// <summary>Connectivity checks and nomination are running (RFC 8445 §6.1.4, §8.1.1).</summary>
    Checking,
    /// <summary>A pair is selected and consent is fresh (RFC 7675 §5.1): media may be sent to it.</summary>
    Connected,
    /// <summary>Every candidate pair failed, or no remote candidate was usable.</summary>
    Failed,
    /// <summary>RFC 7675 §5.1: no consent check was answered for 30 seconds; transmission must cease.</summary>
    ConsentLost,
    /// <summary>Disposed, or the connect was cancelled.</summary>
    Closed,
}
