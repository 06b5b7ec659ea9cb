namespace Conclave.Bench.Sfu;

/// <summary>The scratch space of the thread that sends every publisher's packets: one packet, one extension block,
/// the random bytes payloads are cut from, and the random source for sizes. Allocated once.</summary>
internal sealed class PacketBuffers
{
    /// <summary>A datagram plus the SRTP tag that protection appends in place.</summary>
    public byte[] Packet { get; } = new byte[1_500 + 64];

    /// <summary>RFC 8285 extension body: mid, rid and a dependency descriptor with its structure fit easily.</summary>
    public byte[] Extension { get; } = new byte[512];

    /// <summary>Opaque payload bytes (the SFU never reads them).</summary>
    public byte[] Payload { get; } = new byte[1_500];

    public Random Random { get; } = new(0x5F0);

    public PacketBuffers() => Random.NextBytes(Payload);
}
