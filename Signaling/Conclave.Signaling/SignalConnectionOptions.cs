using Conclave.Signaling.Protocol;

namespace Conclave.Signaling;

/// <summary>Limits one signaling connection enforces (docs/signaling.md, "Limits").</summary>
public sealed class SignalConnectionOptions
{
    /// <summary>Largest message after reassembly; larger ones close the connection with 1009.</summary>
    public int MaxMessageBytes { get; set; } = SignalLimits.MaxMessageBytes;

    /// <summary>Time allowed between accepting the socket and a successful <c>hello</c>; then close 4001.</summary>
    public TimeSpan HelloTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Messages a client may send in a burst.</summary>
    public int RateBurst { get; set; } = 40;

    /// <summary>Sustained messages per second.</summary>
    public double RatePerSecond { get; set; } = 20;

    /// <summary>Invalid or refused messages tolerated in a burst before the connection is closed with 1008.</summary>
    public int StrikeBurst { get; set; } = 50;

    /// <summary>Strikes forgiven per second.</summary>
    public double StrikesForgivenPerSecond { get; set; } = 1;

    /// <summary>How long to wait for the client's close frame after sending ours.</summary>
    public TimeSpan CloseHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages queued for a slow client before it is disconnected.</summary>
    public int MaxQueuedMessages { get; set; } = 512;
}
