namespace Conclave.Grains;

/// <summary>A file a user owns and the bytes it reserves against their quota.</summary>
[GenerateSerializer, Immutable, Alias("owned-file")]
public sealed record OwnedFile([property: Id(0)] string FileId, [property: Id(1)] long Bytes);
