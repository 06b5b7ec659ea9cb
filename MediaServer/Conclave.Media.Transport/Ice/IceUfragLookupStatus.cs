namespace Conclave.Media.Transport.Ice;

/// <summary>Outcome of <see cref="IceUfragIndex{TValue}.Find"/>.</summary>
public enum IceUfragLookupStatus
{
    /// <summary>The local ufrag is registered.</summary>
    Found,
    /// <summary>Not a well-formed STUN message.</summary>
    Malformed,
    /// <summary>No USERNAME attribute.</summary>
    MissingUsername,
    /// <summary>USERNAME is not "ufrag:ufrag" made of ice-chars.</summary>
    InvalidUsername,
    /// <summary>Well formed, but no peer has this local ufrag: drop and count.</summary>
    UnknownUfrag,
}
