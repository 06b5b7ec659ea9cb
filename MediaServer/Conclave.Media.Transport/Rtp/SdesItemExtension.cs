namespace Conclave.Media.Transport.Rtp;

/*  RFC 7941 §4 (SDES items in RTP header extensions), used by
    RFC 8843 §15 MID   urn:ietf:params:rtp-hdrext:sdes:mid
    RFC 8852 §3.1 RID  urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id
    RFC 8852 §3.2 RRID urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id
    |  ID   |  len  | ASCII string (no terminator) ...
*/
/// <summary>Readers for the string-valued MID / RID / repaired RID elements.</summary>
public static class SdesItemExtension
{
    /// <summary>extmap URI of MID.</summary>
    public const string MidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";
    /// <summary>extmap URI of RtpStreamId.</summary>
    public const string RidUri = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
    /// <summary>extmap URI of RepairedRtpStreamId.</summary>
    public const string RepairedRidUri = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";

    /// <summary>
    /// Reads a MID: RFC 8843 §15 carries the SDP "token" (RFC 8866 §9); one-byte form allows 1–16 bytes.
    /// Some senders pad with trailing zero bytes, which are trimmed.
    /// </summary>
    public static bool TryReadMid(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> mid)
    {
        mid = TrimZeros(value);
        if (mid.IsEmpty) return false;
        for (int i = 0; i < mid.Length; i++)
            if (!IsTokenChar(mid[i])) { mid = default; return false; }
        return true;
    }

    /// <summary>Reads a RID or repaired RID: RFC 8851 §10 rid-id = 1*(alpha-numeric / "-" / "_").</summary>
    public static bool TryReadRid(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> rid)
    {
        rid = TrimZeros(value);
        if (rid.IsEmpty) return false;
        for (int i = 0; i < rid.Length; i++)
        {
            byte c = rid[i];
            if (!(IsAlphaNumeric(c) || c == (byte)'-' || c == (byte)'_')) { rid = default; return false; }
        }
        return true;
    }

    /// <summary>Copies an identifier into an element value.</summary>
    public static bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> identifier)
        => !identifier.IsEmpty && identifier.TryCopyTo(destination);

    private static ReadOnlySpan<byte> TrimZeros(ReadOnlySpan<byte> value)
    {
        int end = value.Length;
        while (end > 0 && value[end - 1] == 0) end--;
        return value[..end];
    }

    private static bool IsAlphaNumeric(byte c)
        => (uint)(c - '0') <= 9 || (uint)((c | 0x20) - 'a') <= 25;

    // RFC 8866 §9: token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E
    private static bool IsTokenChar(byte c)
        => c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2A || c == 0x2B || c == 0x2D || c == 0x2E
           || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x5E && c <= 0x7E);
}
