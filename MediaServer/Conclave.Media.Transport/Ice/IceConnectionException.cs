namespace Conclave.Media.Transport.Ice;

/// <summary>ICE could not select a candidate pair; see <see cref="Reason"/>.</summary>
public sealed class IceConnectionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IceConnectionException(IceConnectionFailure reason, string message)
        : base($"ICE failed ({reason}): {message}")
    {
        Reason = reason;
    }

    /// <summary>The failure class.</summary>
    public IceConnectionFailure Reason { get; }
}
