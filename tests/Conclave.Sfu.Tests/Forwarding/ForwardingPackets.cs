using System.Buffers.Binary;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Sfu.Tests.Forwarding;

/// <summary>Builds and reads RTP packets (RFC 3550 §5.1) for the forwarding tests.</summary>
internal static class ForwardingPackets
{
    /// <summary>Microsecond arrival timestamps keep the elapsed-time arithmetic readable.</summary>
    public const long Frequency = 1_000_000;

    public const int VideoClockRate = 90_000;

    /// <summary>
    /// An RTP packet whose payload bytes are derived from SSRC and sequence number, so every packet is distinct.
    /// </summary>
    public static byte[] Rtp(uint ssrc, ushort seq, uint ts, bool marker = false, int payloadLength = 40,
        int csrcCount = 0, bool extension = false, byte padding = 0, byte payloadType = 96)
    {
        Span<uint> csrcs = stackalloc uint[csrcCount];
        for (int i = 0; i < csrcCount; i++) csrcs[i] = 0xC0000000u + (uint)i;
        byte[] extensionData = [0x10, 0xAA, 0x21, 0xBB, 0xCC, 0x00, 0x00, 0x00];   // RFC 8285 one-byte: id 1 L=0, id 2 L=1
        byte[] payload = new byte[payloadLength];
        for (int i = 0; i < payload.Length; i++) payload[i] = (byte)(ssrc + seq * 7u + (uint)i);
        var writer = new RtpPacketWriter
        {
            Marker = marker,
            PayloadType = payloadType,
            SequenceNumber = seq,
            Timestamp = ts,
            Ssrc = ssrc,
            Csrcs = csrcs,
            HasExtension = extension,
            ExtensionProfile = 0xBEDE,
            ExtensionData = extension ? extensionData : default,
            Payload = payload,
            PaddingLength = padding,
        };
        byte[] packet = new byte[writer.GetWrittenLength()];
        if (!writer.TryWrite(packet, out _)) throw new InvalidOperationException("test packet");
        return packet;
    }

    public static ushort Seq(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);

    public static uint Ts(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);

    public static uint Ssrc(ReadOnlySpan<byte> packet) => BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);

    /// <summary>Microseconds to 90 kHz ticks.</summary>
    public static uint VideoTicks(long microseconds) => (uint)(microseconds * VideoClockRate / Frequency);
}
