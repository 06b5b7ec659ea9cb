namespace Conclave.Media.Transport.Tests.Rtcp;

/// <summary>Hand-built packets following the RFC figures cited beside each one.</summary>
internal static class RtcpVectors
{
    public static byte[] Hex(string s) => Convert.FromHexString(s.Replace(" ", "", StringComparison.Ordinal));

    // RFC 3550 §6.4.1 SR with one report block: length = 52/4 - 1 = 12.
    public static readonly byte[] SrVector = Hex(
        "81 C8 00 0C" +   // V=2 P=0 RC=1 | PT=200 | length 12
        "12 34 56 78" +   // SSRC of sender
        "E5 4E 2A 3B" +   // NTP timestamp, most significant word
        "80 00 00 00" +   // NTP timestamp, least significant word (.5 s)
        "00 01 E2 40" +   // RTP timestamp 123456
        "00 00 00 64" +   // sender's packet count 100
        "00 00 3E 80" +   // sender's octet count 16000
        "AB CD EF 01" +   // report block: SSRC_1
        "19 FF FF FE" +   // fraction lost 25/256 | cumulative lost -2 (24-bit signed)
        "00 01 00 2A" +   // extended highest sequence number: 1 cycle, seq 42
        "00 00 00 10" +   // interarrival jitter 16
        "2A 3B 80 00" +   // LSR
        "00 01 00 00");   // DLSR 1 s

    // RFC 3550 §6.4.2 RR with one report block: length = 32/4 - 1 = 7.
    public static readonly byte[] RrVector = Hex(
        "81 C9 00 07" +   // V=2 P=0 RC=1 | PT=201 | length 7
        "9A BC DE F0" +   // SSRC of packet sender
        "12 34 56 78" +   // SSRC_1
        "00 00 00 00" +   // no loss
        "00 00 FF FF" +   // extended highest sequence 65535
        "00 00 00 00" +   // jitter
        "00 00 00 00" +   // LSR (no SR yet)
        "00 00 00 00");   // DLSR

    // RFC 3550 §6.4.2 RR with no report blocks (a receiver that has heard nobody yet).
    public static readonly byte[] EmptyRrVector = Hex("80 C9 00 01  9A BC DE F0");

    // RFC 3550 §6.5 SDES, one chunk with a 16-byte CNAME: 4 + 2 + 16 = 22 → 24 (two null octets).
    public static readonly byte[] SdesVector = Hex(
        "81 CA 00 06" +   // V=2 P=0 SC=1 | PT=202 | length 6
        "12 34 56 78" +   // SSRC
        "01 10" +         // CNAME, 16 bytes
        "41 42 43 44 45 46 47 48 49 4A 4B 4C 4D 4E 4F 50" +   // "ABCDEFGHIJKLMNOP"
        "00 00");         // end of list + pad to 32 bits

    // RFC 3550 §6.5 SDES, two chunks: CNAME "abc" (9 → 12 bytes, three nulls) and
    // CNAME "x" + NOTE "hi" (11 → 12 bytes, a single null octet ends the list and aligns).
    public static readonly byte[] SdesTwoChunksVector = Hex(
        "82 CA 00 06" +              // SC=2, length 6 (28 bytes)
        "11 11 11 11 01 03 61 62 63 00 00 00" +
        "22 22 22 22 01 01 78 07 02 68 69 00");

    // RFC 3550 §6.6 BYE with one SSRC and the reason "bye" (1 + 3 = 4 bytes, no padding).
    public static readonly byte[] ByeWithReasonVector = Hex("81 CB 00 02  12 34 56 78  03 62 79 65");

    // RFC 3550 §6.6 BYE with two SSRCs and a 5-byte reason "gone!" (6 → 8 bytes).
    public static readonly byte[] ByeTwoSourcesVector = Hex("82 CB 00 04  11 11 11 11  22 22 22 22  05 67 6F 6E 65 21 00 00");

    // RFC 4585 §6.2.1 Generic NACK: PID 100, BLP 0b0000_0000_0000_0101 → lost 100, 101, 103.
    public static readonly byte[] NackVector = Hex(
        "81 CD 00 03" +   // V=2 P=0 FMT=1 | PT=205 | length 3
        "00 00 00 01" +   // SSRC of packet sender
        "12 34 56 78" +   // SSRC of media source
        "00 64 00 05");   // PID 100 | BLP

    // RFC 4585 §6.3.1 PLI: length MUST be 2.
    public static readonly byte[] PliVector = Hex("81 CE 00 02  00 00 00 01  12 34 56 78");

    // RFC 5104 §4.3.1 FIR: media source 0, one FCI entry (SSRC, seq nr 7, reserved 0).
    public static readonly byte[] FirVector = Hex(
        "84 CE 00 04" +   // V=2 P=0 FMT=4 | PT=206 | length 4
        "00 00 00 01" +   // SSRC of packet sender
        "00 00 00 00" +   // SSRC of media source: SHALL be 0
        "12 34 56 78" +   // FCI SSRC
        "07 00 00 00");   // Seq nr. 7 | reserved

    // draft-alvestrand-rmcat-remb-03 §2.2: 1,000,000 bps = 250000 (0x3D090) << 2.
    public static readonly byte[] RembVector = Hex(
        "8F CE 00 05" +   // V=2 P=0 FMT=15 | PT=206 | length 5
        "00 00 00 01" +   // SSRC of packet sender
        "00 00 00 00" +   // SSRC of media source (0)
        "52 45 4D 42" +   // 'R' 'E' 'M' 'B'
        "01 0B D0 90" +   // Num SSRC 1 | exp 2 (000010) mantissa 0x3D090
        "12 34 56 78");   // SSRC feedback

    // draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1, 41 packets from seq 100:
    //   20 × small delta            → run-length chunk     0 01 0000000010100          = 0x2014
    //   0110 1010 1110 01 (14)      → 1-bit status vector  1 0 01101010111001          = 0x9AB9
    //   2,1,0,2,1,1,0 (7)           → 2-bit status vector  1 1 10 01 00 10 01 01 00    = 0xE494
    // 35 delta bytes; 61 bytes in all, padded to 64 with P=1 and count 3 (as libwebrtc does).
    public static readonly byte[] TwccVector = Hex(
        "AF CD 00 0F" +   // V=2 P=1 FMT=15 | PT=205 | length 15
        "00 00 00 01" +   // SSRC of packet sender
        "AA BB CC DD" +   // SSRC of media source
        "00 64 00 29" +   // base sequence number 100 | packet status count 41
        "12 34 56 07" +   // reference time 0x123456 (× 64 ms) | fb pkt count 7
        "20 14 9A B9 E4 94" +                                                 // three chunks
        "01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14" +       // 20 small deltas
        "FF 00 10 20 30 40 50 60" +                                           // 8 small deltas (1-bit vector)
        "FF FC 05 13 88 06 07" +                                              // -1 ms large, 5, 1.25 s large, 6, 7
        "00 00 03");                                                          // padding, count 3
}
