namespace Conclave.Sfu.Bandwidth;

/// <summary>The over-use detector's signal (draft-ietf-rmcat-gcc-02 §5.4).</summary>
public enum BandwidthUsage
{
    /// <summary>Queuing delay is steady: the path carries what is sent.</summary>
    Normal,

    /// <summary>Queuing delay is growing: more is sent than the path carries.</summary>
    Overusing,

    /// <summary>Queuing delay is draining: a queue built earlier empties.</summary>
    Underusing,
}
