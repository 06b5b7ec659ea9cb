using System.Buffers.Binary;

namespace Conclave.Bench.Sfu;

/*  The last 14 bytes of every payload the tool sends (the SFU copies payloads unread, and rebuilds headers, so only
    the payload tells a subscriber which publisher and which simulcast encoding a packet came from):
    |  magic 0xC1AE  |  publisher index  | kind |flags |   send time (Stopwatch ticks, 8 bytes) ...   |
    kind: 0 audio, 1 + the encoding's index (q 1, h 2, f 3); flags bit 0: the packet belongs to a keyframe. */
/// <summary>Writes and reads the tool's tag at the end of a payload.</summary>
internal static class PayloadTag
{
    public const int Length = 14;

    /// <summary>The kind of an audio packet; video encodings are 1 + their index.</summary>
    public const byte Audio = 0;

    /// <summary>Kinds: audio and three encodings.</summary>
    public const int KindCount = 4;

    private const ushort Magic = 0xC1AE;

    /// <summary>"audio", or the encoding's rid.</summary>
    public static string KindName(int kind) => kind == Audio ? "audio" : MediaProfile.Encodings[kind - 1].Rid;

    public static void Write(Span<byte> payloadEnd, int publisher, byte kind, bool keyframe, long sendTimestamp)
    {
        Span<byte> tag = payloadEnd[^Length..];
        BinaryPrimitives.WriteUInt16BigEndian(tag, Magic);
        BinaryPrimitives.WriteUInt16BigEndian(tag[2..], (ushort)publisher);
        tag[4] = kind;
        tag[5] = keyframe ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64BigEndian(tag[6..], sendTimestamp);
    }

    public static bool TryRead(ReadOnlySpan<byte> payload, out int publisher, out byte kind, out bool keyframe, out long sendTimestamp)
    {
        publisher = 0;
        kind = 0;
        keyframe = false;
        sendTimestamp = 0;
        if (payload.Length < Length) return false;
        ReadOnlySpan<byte> tag = payload[^Length..];
        if (BinaryPrimitives.ReadUInt16BigEndian(tag) != Magic || tag[4] >= KindCount) return false;
        publisher = BinaryPrimitives.ReadUInt16BigEndian(tag[2..]);
        kind = tag[4];
        keyframe = (tag[5] & 1) != 0;
        sendTimestamp = BinaryPrimitives.ReadInt64BigEndian(tag[6..]);
        return true;
    }
}
