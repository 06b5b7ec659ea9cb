namespace Conclave.Media.Transport.Ice;

/// <summary>RFC 8445 §6.1.2.6: the state of one candidate pair in the check list.</summary>
internal enum IceCandidatePairState
{
    /// <summary>Not checked until no pair of its foundation is Waiting or In-Progress (§6.1.4.2).</summary>
    Frozen,
    /// <summary>Checked as soon as it is the best Waiting pair at a pacing tick.</summary>
    Waiting,
    /// <summary>Its check is outstanding.</summary>
    InProgress,
    /// <summary>Its check succeeded: the pair is valid (§7.2.5.3.2).</summary>
    Succeeded,
    /// <summary>Its check or nomination failed.</summary>
    Failed,
}
