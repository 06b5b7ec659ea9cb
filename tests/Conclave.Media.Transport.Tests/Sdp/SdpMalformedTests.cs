using Conclave.Media.Transport.Sdp;

namespace Conclave.Media.Transport.Tests.Sdp;

public class SdpMalformedTests
{
    private static readonly string[] Valid =
    [
        "v=0",                                                   // 1
        "o=- 1 1 IN IP4 127.0.0.1",                              // 2
        "s=-",                                                   // 3
        "t=0 0",                                                 // 4
        "a=group:BUNDLE 0",                                      // 5
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97",                     // 6
        "c=IN IP4 0.0.0.0",                                      // 7
        "a=mid:0",                                               // 8
        "a=fingerprint:sha-256 " + SdpSamples.Fingerprint,       // 9
        "a=rtpmap:96 VP8/90000",                                 // 10
        "a=rtpmap:97 rtx/90000",                                 // 11
        "a=fmtp:97 apt=96",                                      // 12
        "a=rid:q send",                                          // 13
        "a=rid:h send",                                          // 14
        "a=simulcast:send q;h",                                  // 15
    ];

    private static string With(int line, string? replacement)
    {
        var lines = Valid.ToList();
        if (replacement is null) lines.RemoveAt(line - 1);
        else lines[line - 1] = replacement;
        return SdpSamples.Join([.. lines]);
    }

    private static string Append(params string[] extra) => SdpSamples.Join([.. Valid, .. extra]);

    public static TheoryData<string, string, int, string> Malformed => new()
    {
        { "missing v=",                    With(1, null),                                           1,  "v= must be the first line" },
        { "v= not 0",                      With(1, "v=1"),                                          1,  "v= must be 0" },
        { "o= missing a field",            With(2, "o=- 1 1 IN IP4"),                               2,  "o= needs 6 fields" },
        { "s= before o=",                  SdpSamples.Join("v=0", "s=-", "o=- 1 1 IN IP4 0.0.0.0"), 2,  "o= must follow v=" },
        { "attribute before t=",           SdpSamples.Join("v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "a=ice-lite", "t=0 0"), 4, "t= is required before attributes" },
        { "unknown session line type",     With(5, "x=whatever"),                                   5,  "unknown session-level line type 'x='" },
        { "s= line in media",              Append("s=again"),                                       16, "not allowed in a media description" },
        { "c= after a= in media",          Append("c=IN IP4 0.0.0.0"),                              16, "out of order" },
        { "not a type=value line",         With(7, "garbage"),                                      7,  "<type>=<value>" },
        { "m= line too short",             With(6, "m=video 9 UDP/TLS/RTP/SAVPF"),                  6,  "m= line needs at least 4 fields" },
        { "bad m= port",                   With(6, "m=video 9x UDP/TLS/RTP/SAVPF 96 97"),           6,  "m= port must be an integer" },
        { "m= port out of range",          With(6, "m=video 70000 UDP/TLS/RTP/SAVPF 96 97"),        6,  "m= port must be an integer 0–65535" },
        { "payload type above 127",        With(6, "m=video 9 UDP/TLS/RTP/SAVPF 96 200"),           6,  "payload type 0–127" },
        { "rtpmap for unknown pt",         With(11, "a=rtpmap:98 rtx/90000"),                       11, "payload type 98, which the m= line does not list" },
        { "dynamic pt without rtpmap",     With(11, "a=rtcp-mux"),                                  6,  "payload type 97 has no a=rtpmap" },
        { "rtpmap without clock rate",     With(10, "a=rtpmap:96 VP8"),                             10, "<encoding name>/<clock rate>" },
        { "fmtp without pt",               With(12, "a=fmtp:apt=96"),                               12, "a=fmtp needs <payload type>" },
        { "fmtp with non-numeric pt",      With(12, "a=fmtp:x apt=96"),                             12, "a=fmtp needs a payload type" },
        { "duplicate fmtp",                Append("a=fmtp:97 apt=96"),                              16, "duplicate a=fmtp for payload type 97" },
        { "bad fingerprint hex",           With(9, "a=fingerprint:sha-256 8A:1C:ZZ"),               9,  "hex byte pairs" },
        { "fingerprint wrong length",      With(9, "a=fingerprint:sha-256 8A:1C:3E"),               9,  "must have 32 bytes, not 3" },
        { "duplicate mid",                 Append("m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:0", "a=rtpmap:111 opus/48000/2"), 17, "duplicate mid '0'" },
        { "two mids in a section",         Append("a=mid:1"),                                       16, "duplicate a=mid" },
        { "bundle names unknown mid",      With(5, "a=group:BUNDLE 0 7"),                           5,  "names mid '7'" },
        { "simulcast undeclared rid",      With(15, "a=simulcast:send q;h;f"),                      15, "references rid 'f'" },
        { "simulcast rid wrong direction", With(14, "a=rid:h recv"),                                15, "references rid 'h'" },
        { "rid with bad direction",        With(14, "a=rid:h both"),                                14, "send or recv" },
        { "rid pt not in m= line",         With(14, "a=rid:h send pt=100"),                         14, "pt= names '100'" },
        { "extmap id zero",                Append("a=extmap:0 urn:ietf:params:rtp-hdrext:sdes:mid"), 16, "a=extmap id" },
        { "extmap id reused",              Append("a=extmap:3 urn:a", "a=extmap:3 urn:b"),          17, "already mapped" },
        { "candidate missing typ",         Append("a=candidate:1 1 udp 2122260223 127.0.0.1 5000 host"), 16, "typ <type>" },
        { "candidate bad type",            Append("a=candidate:1 1 udp 2122260223 127.0.0.1 5000 typ cloud"), 16, "host, srflx, prflx or relay" },
        { "setup bad value",               Append("a=setup:both"),                                  16, "a=setup must be" },
        { "two directions",                Append("a=sendonly", "a=recvonly"),                      17, "more than one direction" },
        { "attribute without a name",      Append("a=:x"),                                          16, "attribute name" },
        { "mid with a space",              With(8, "a=mid:0 1"),                                    8,  "a=mid must be a token" },
        { "bare CR inside a line",         With(7, "c=IN IP4\r0.0.0.0"),                            7,  "bare CR" },
        { "candidate with empty field",    Append("a=candidate:1 1 udp  127.0.0.1 5000 typ host"),  16, "typ <type>" },
        { "ice-pwd too short",             Append("a=ice-pwd:short"),                               16, "22–256 ice-chars" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Error_names_the_line_and_rule(string name, string sdp, int line, string rule)
    {
        var ex = Assert.Throws<SdpParseException>(() => SdpParser.Parse(sdp));
        Assert.True(ex.LineNumber == line, $"{name}: expected line {line}, got: {ex.Message}");
        Assert.Contains(rule, ex.Message);
        Assert.StartsWith($"line {line}: ", ex.Message);
    }

    [Fact]
    public void Valid_base_parses()
    {
        var sdp = SdpParser.Parse(SdpSamples.Join(Valid));
        Assert.Equal(2, sdp.Media[0].Codecs.Count);
    }

    [Fact]
    public void Oversized_input_is_rejected_before_parsing()
    {
        string huge = SdpSamples.Join(Valid) + string.Concat(Enumerable.Repeat("a=x-padding:0123456789012345678901234567890123456789\r\n", 2000));
        var ex = Assert.Throws<SdpParseException>(() => SdpParser.Parse(huge));
        Assert.Equal(0, ex.LineNumber);
        Assert.Contains($"the limit is {SdpParser.MaxLength}", ex.Message);
    }

    [Fact]
    public void Too_many_lines_is_rejected()
    {
        string many = SdpSamples.Join(Valid) + string.Concat(Enumerable.Repeat("a=x\r\n", SdpParser.MaxLines));
        var ex = Assert.Throws<SdpParseException>(() => SdpParser.Parse(many));
        Assert.Contains($"the limit is {SdpParser.MaxLines}", ex.Message);
    }

    [Fact]
    public void Too_many_media_sections_is_rejected()
    {
        var lines = new List<string> { "v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0" };
        for (int i = 0; i <= SdpParser.MaxMediaSections; i++) lines.Add("m=application 9 UDP/DTLS/SCTP webrtc-datachannel");
        var ex = Assert.Throws<SdpParseException>(() => SdpParser.Parse(SdpSamples.Join([.. lines])));
        Assert.Equal(4 + SdpParser.MaxMediaSections + 1, ex.LineNumber);
        Assert.Contains($"more than {SdpParser.MaxMediaSections} m= sections", ex.Message);
    }

    [Fact]
    public void Long_offending_line_is_truncated_in_the_message()
    {
        var ex = Assert.Throws<SdpParseException>(() => SdpParser.Parse(With(9, "a=fingerprint:sha-256 " + new string('G', 500))));
        Assert.Contains("…", ex.Message);
        Assert.True(ex.Message.Length < 250, ex.Message);
    }

    [Fact]
    public void Empty_input_is_rejected()
    {
        Assert.Throws<SdpParseException>(() => SdpParser.Parse(""));
    }
}
