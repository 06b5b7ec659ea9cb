namespace Conclave.Grains;

/// <summary>One roster entry of <see cref="CallGrain"/>: the participant and the connection that receives its events.</summary>
internal sealed record CallRosterEntry(Participant Participant, ISessionObserver Observer);
