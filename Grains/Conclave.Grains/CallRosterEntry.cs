namespace Conclave.Grains;

/// <summary>One roster entry of <see cref="CallGrain"/>: the participant, the connection that receives its events, and
/// the numbering of the e2ee messages relayed to that connection.</summary>
internal sealed record CallRosterEntry(Participant Participant, ISessionObserver Observer, E2eeChannel Channel);

/// <summary>
/// The numbering of the e2ee messages relayed to one connection (<see cref="ISessionObserver.OnE2eeMessage"/>): a random
/// stream id and the next sequence number. A new channel starts whenever a connection starts receiving for a participant
/// (join, resume); updates of the entry keep it.
/// </summary>
internal sealed class E2eeChannel
{
    /// <summary>The stream id.</summary>
    public long Id { get; } = Random.Shared.NextInt64();

    /// <summary>The sequence number of the next message.</summary>
    public long Next { get; set; }
}
