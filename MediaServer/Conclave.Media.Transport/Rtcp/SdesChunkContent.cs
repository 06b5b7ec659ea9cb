namespace Conclave.Media.Transport.Rtcp;

/// <summary>An SDES chunk to write: a source and its items.</summary>
public readonly record struct SdesChunkContent(uint Source, ReadOnlyMemory<SdesItemContent> Items);
