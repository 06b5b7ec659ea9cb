using Conclave.Media.Transport.Mux;

namespace Conclave.Media.Transport.Tests.Mux;

/// <summary>RFC 7983 §7 ranges, checked at every boundary; RFC 5761 §4 for RTP vs RTCP.</summary>
public sealed class PacketDemuxTests
{
    public static TheoryData<string, string, PacketKind> Boundaries => new()
    {
        { "empty",                                 "",         PacketKind.Unknown },
        { "0: STUN low edge",                      "00",       PacketKind.Stun },
        { "1: STUN binding",                       "0001",     PacketKind.Stun },
        { "3: STUN high edge",                     "03",       PacketKind.Stun },
        { "4: just past STUN",                     "04",       PacketKind.Unknown },
        { "15: below ZRTP",                        "0F",       PacketKind.Unknown },
        { "16: ZRTP low edge",                     "10",       PacketKind.Unknown },
        { "19: ZRTP high edge",                    "13",       PacketKind.Unknown },
        { "20: DTLS low edge (change_cipher_spec)","14FEFD",   PacketKind.Dtls },
        { "22: DTLS handshake",                    "16FEFD",   PacketKind.Dtls },
        { "63: DTLS high edge",                    "3F",       PacketKind.Dtls },
        { "64: TURN channel low edge",             "40",       PacketKind.Unknown },
        { "79: TURN channel high edge",            "4F",       PacketKind.Unknown },
        { "127: below RTP",                        "7F00",     PacketKind.Unknown },
        { "128: RTP low edge, PT 0",               "8000",     PacketKind.Rtp },
        { "128 alone: too short for RTP/RTCP",     "80",       PacketKind.Unknown },
        { "RTP PT 96",                             "8060",     PacketKind.Rtp },
        { "RTP marker + PT 127 (second byte 255)", "80FF",     PacketKind.Rtp },
        { "second byte 191: RTP",                  "80BF",     PacketKind.Rtp },
        { "second byte 192: RTCP low edge (FIR)",  "80C0",     PacketKind.Rtcp },
        { "RTCP SR 200",                           "80C8",     PacketKind.Rtcp },
        { "RTCP RR 201 with count",                "81C9",     PacketKind.Rtcp },
        { "RTCP PSFB 206",                         "81CE",     PacketKind.Rtcp },
        { "second byte 223: RTCP high edge",       "80DF",     PacketKind.Rtcp },
        { "second byte 224: RTP",                  "80E0",     PacketKind.Rtp },
        { "191: RTP/RTCP high edge",               "BF60",     PacketKind.Rtp },
        { "191 with RTCP type",                    "BFC8",     PacketKind.Rtcp },
        { "192: past RTP",                         "C0C8",     PacketKind.Unknown },
        { "255",                                   "FF",       PacketKind.Unknown },
    };

    [Theory]
    [MemberData(nameof(Boundaries))]
    public void ClassifiesByFirstByte(string name, string hex, PacketKind expected)
    {
        Assert.NotNull(name);
        Assert.Equal(expected, PacketDemux.Classify(Convert.FromHexString(hex)));
    }

    [Fact]
    public void EveryFirstByteMapsToItsRfc7983Range()
    {
        Span<byte> packet = stackalloc byte[2];
        for (int b = 0; b < 256; b++)
        {
            packet[0] = (byte)b;
            packet[1] = 0x60;
            PacketKind expected = b switch
            {
                <= 3 => PacketKind.Stun,
                >= 20 and <= 63 => PacketKind.Dtls,
                >= 128 and <= 191 => PacketKind.Rtp,
                _ => PacketKind.Unknown,
            };
            Assert.Equal(expected, PacketDemux.Classify(packet));
        }
    }

    [Fact]
    public void ClassifyAllocatesNothing()
    {
        byte[] rtp = [0x80, 0x60, 0, 1];
        int rtpCount = 0;
        for (int i = 0; i < 1000; i++) if (PacketDemux.Classify(rtp) == PacketKind.Rtp) rtpCount++;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) if (PacketDemux.Classify(rtp) == PacketKind.Rtp) rtpCount++;
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(11_000, rtpCount);
    }
}
