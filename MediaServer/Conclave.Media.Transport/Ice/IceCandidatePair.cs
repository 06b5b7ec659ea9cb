using Conclave.Media.Transport.Stun;

namespace Conclave.Media.Transport.Ice;

/// <summary>One entry of an <see cref="IceControllingAgent"/>'s check list (RFC 8445 §6.1.2): the agent's single
/// local base paired with one remote candidate, and the one STUN transaction (an ordinary check or the nomination)
/// it may have outstanding. Only touched under the agent's lock.</summary>
internal sealed class IceCandidatePair
{
    public IceCandidatePair(IceTransportAddress remote, string foundation, ulong priority)
    {
        Remote = remote;
        Foundation = foundation;
        Priority = priority;
    }

    /// <summary>The remote candidate's transport address: where checks go and where responses must come from.</summary>
    public IceTransportAddress Remote { get; }

    /// <summary>The remote candidate's foundation. RFC 8445 §6.1.2.6: a pair's foundation joins the local and the
    /// remote ones; the local one is the same for every pair here, so the remote one alone tells pairs apart.</summary>
    public string Foundation { get; }

    /// <summary>RFC 8445 §6.1.2.3 pair priority.</summary>
    public ulong Priority { get; }

    public IceCandidatePairState State { get; set; } = IceCandidatePairState.Frozen;

    /// <summary>The outstanding transaction's id (RFC 8489 §6: 96 random bits, a fresh one per transaction).</summary>
    public byte[] TransactionId { get; } = new byte[StunMessage.TransactionIdLength];

    /// <summary>Whether <see cref="TransactionId"/> is outstanding.</summary>
    public bool HasTransaction { get; set; }

    /// <summary>Whether the outstanding transaction is the nomination (carries USE-CANDIDATE, RFC 8445 §8.1.1).</summary>
    public bool UseCandidate { get; set; }

    /// <summary>Transmissions of the outstanding transaction so far, the first included.</summary>
    public int Transmissions { get; set; }

    /// <summary>The current RTO.</summary>
    public TimeSpan RetransmissionTimeout { get; set; }

    /// <summary>When to retransmit, or fail once the last transmission is used up (agent time).</summary>
    public TimeSpan NextTransmissionAt { get; set; }

    /// <summary>When the outstanding transaction was first sent (agent time).</summary>
    public TimeSpan FirstSentAt { get; set; }

    /// <summary>RFC 8445 §7.2.5.3.1: our address as the peer saw it (XOR-MAPPED-ADDRESS), once the check succeeded.</summary>
    public IceTransportAddress MappedAddress { get; set; }

    /// <summary>RFC 8445 §6.1.2.3: priority = 2^32 × MIN(G, D) + 2 × MAX(G, D) + (G &gt; D ? 1 : 0), where G is the
    /// controlling agent's candidate priority and D the controlled agent's.</summary>
    public static ulong ComputePriority(uint controlling, uint controlled) =>
        ((ulong)Math.Min(controlling, controlled) << 32) + 2ul * Math.Max(controlling, controlled) + (controlling > controlled ? 1ul : 0ul);
}
