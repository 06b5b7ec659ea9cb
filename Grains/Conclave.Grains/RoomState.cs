namespace Conclave.Grains;

/// <summary>Persistent state of <see cref="RoomGrain"/>.</summary>
[GenerateSerializer, Immutable, Alias("room-state")]
public sealed record RoomState
{
    /// <summary>The room, or null while it has not been created.</summary>
    [Id(0)] public RoomInfo? Room { get; init; }
}
