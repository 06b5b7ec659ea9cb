namespace Conclave.Media.Transport.Rtp;

/*  RFC 6464 §3 Client-to-Mixer Audio Level (urn:ietf:params:rtp-hdrext:ssrc-audio-level)
     0                   1
    |  ID   | len=0 |V| level       |
    V: voice activity; level: 0–127 in -dBov (0 = loudest, 127 = silence).
*/
/// <summary>Reader/writer for the RFC 6464 audio level element.</summary>
public static class AudioLevelExtension
{
    /// <summary>Value length in bytes.</summary>
    public const int Length = 1;

    /// <summary>The extmap URI.</summary>
    public const string Uri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

    /// <summary>Reads V and level. False if the value is empty.</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, out bool voiceActivity, out byte level)
    {
        // RFC 6464 §3: one byte; a longer element (zero padded, two-byte form) still starts with it.
        if (value.IsEmpty) { voiceActivity = false; level = 0; return false; }
        voiceActivity = (value[0] & 0x80) != 0;
        level = (byte)(value[0] & 0x7F);
        return true;
    }

    /// <summary>Writes V and level (level clamped to 127).</summary>
    public static bool TryWrite(Span<byte> destination, bool voiceActivity, byte level)
    {
        if (destination.IsEmpty) return false;
        destination[0] = (byte)((voiceActivity ? 0x80 : 0) | Math.Min(level, (byte)127));
        return true;
    }
}
