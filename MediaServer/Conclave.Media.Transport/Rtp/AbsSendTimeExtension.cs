namespace Conclave.Media.Transport.Rtp;

/*  http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
    |  ID   | len=2 |              absolute send time               |
    24-bit 6.18 fixed point seconds: bits 14..37 of the 64-bit NTP timestamp.
*/
/// <summary>Reader/writer for the abs-send-time element.</summary>
public static class AbsSendTimeExtension
{
    /// <summary>Value length in bytes.</summary>
    public const int Length = 3;

    /// <summary>The extmap URI.</summary>
    public const string Uri = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";

    /// <summary>Reads the raw 24-bit 6.18 value.</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, out uint sendTime)
    {
        if (value.Length < Length) { sendTime = 0; return false; }
        sendTime = BitShifter.ReadUInt24BigEndian(value);
        return true;
    }

    /// <summary>Writes the raw 24-bit 6.18 value (low 24 bits).</summary>
    public static bool TryWrite(Span<byte> destination, uint sendTime)
    {
        if (destination.Length < Length) return false;
        BitShifter.WriteUInt24BigEndian(destination, sendTime);
        return true;
    }

    /// <summary>Converts a 64-bit NTP timestamp (32.32) to the 6.18 wire value.</summary>
    public static uint FromNtp(ulong ntpTimestamp) => (uint)(ntpTimestamp >> 14) & 0xFFFFFF;

    /// <summary>Converts the 6.18 value to microseconds within its 64-second wrap.</summary>
    public static long ToMicroseconds(uint sendTime) => (long)(sendTime & 0xFFFFFF) * 1_000_000 >> 18;
}
