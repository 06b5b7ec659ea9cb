using System.Buffers.Binary;

namespace Conclave.Client.Media.Video;

/// <summary>
/// The VP8 payload descriptor (RFC 7741 §4.2) this client writes and reads: X = 1 with a 15-bit PictureID (I = 1,
/// M = 1), S = 1 on the first packet of a frame, partition index 0. Four bytes.
/// <code>
///   |X|R|N|S|R| PID |   X = 1, S = start of frame, PID = 0
///   |I|L|T|K| RSV   |   I = 1
///   |M| PictureID   |   M = 1: 15 bits
///   |   PictureID   |
/// </code>
/// </summary>
public static class Vp8PayloadDescriptor
{
    /// <summary>Bytes written.</summary>
    public const int Length = 4;

    /// <summary>Writes the descriptor of a packet of picture <paramref name="pictureId"/> (its low 15 bits).</summary>
    public static void Write(Span<byte> destination, bool startOfFrame, ushort pictureId)
    {
        destination[0] = (byte)(0x80 | (startOfFrame ? 0x10 : 0));
        destination[1] = 0x80;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(0x8000 | (pictureId & 0x7FFF)));
    }

    /// <summary>
    /// Reads any RFC 7741 descriptor (every optional field): its length, and whether the packet starts a frame
    /// (S = 1 and partition 0). False when it is truncated. Never throws.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out int length, out bool startOfFrame)
    {
        length = 0;
        startOfFrame = false;
        if (payload.Length < 1) return false;
        byte first = payload[0];
        int at = 1;
        if ((first & 0x80) != 0)                                          // X: the extension byte follows
        {
            if (payload.Length < 2) return false;
            byte flags = payload[1];
            at = 2;
            if ((flags & 0x80) != 0)                                      // I: PictureID, 7 or 15 bits
            {
                if (payload.Length < at + 1) return false;
                at += (payload[at] & 0x80) != 0 ? 2 : 1;
            }
            if ((flags & 0x40) != 0) at++;                                // L: TL0PICIDX
            if ((flags & 0x30) != 0) at++;                                // T or K: TID/Y/KEYIDX
        }
        if (payload.Length < at) return false;
        length = at;
        startOfFrame = (first & 0x10) != 0 && (first & 0x0F) == 0;
        return true;
    }
}
