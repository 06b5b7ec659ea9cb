namespace Conclave.Media.Transport.Rtcp;

/// <summary>An SDES item to write (the text is usually a cached CNAME, so no per-packet allocation).</summary>
public readonly record struct SdesItemContent(SdesItemType Type, ReadOnlyMemory<byte> Value);
