using Conclave.Media.Transport.Sdp;

namespace Conclave.Media.Transport.Tests.Sdp;

public class SdpRoundTripTests
{
    [Fact]
    public void Chromium_offer_is_reproduced_line_for_line()
    {
        string written = SdpWriter.Write(SdpParser.Parse(SdpSamples.ChromiumOffer));
        Assert.Equal(SdpSamples.ChromiumOffer.Split("\r\n"), written.Split("\r\n"));
    }

    [Theory]
    [InlineData("chromium")]
    [InlineData("firefox")]
    public void Parse_write_parse_gives_an_equal_model(string which)
    {
        string text = which == "chromium" ? SdpSamples.ChromiumOffer : SdpSamples.FirefoxOffer;
        var first = SdpParser.Parse(text);
        string written = SdpWriter.Write(first);
        Assert.Equal(first, SdpParser.Parse(written));
        Assert.EndsWith("\r\n", written);
        Assert.DoesNotContain("\n", written.Replace("\r\n", ""));
    }

    [Fact]
    public void Unknown_attributes_and_optional_lines_survive()
    {
        string text = SdpSamples.Join(
            "v=0", "o=- 7 1 IN IP6 ::1", "s=Call", "i=info", "u=https://example.org", "e=a@example.org", "p=+33 1 00",
            "c=IN IP6 ::1", "b=AS:300", "t=0 0", "r=604800 3600 0 90000", "a=x-session-thing:1 2 3", "a=recvonly-session",
            "m=video 9/2 UDP/TLS/RTP/SAVPF 96", "i=camera", "c=IN IP4 0.0.0.0", "b=TIAS:500000",
            "a=mid:v", "a=rtpmap:96 VP8/90000", "a=rtcp-fb:* nack", "a=x-google-flag:conference", "a=framerate:30");
        var sdp = SdpParser.Parse(text);
        Assert.Equal([new SdpAttribute("x-session-thing", "1 2 3"), new SdpAttribute("recvonly-session", null)], sdp.OtherAttributes);
        Assert.Equal(new SdpBandwidth("AS", 300), Assert.Single(sdp.Bandwidths));
        Assert.Equal(["604800 3600 0 90000"], sdp.Timings[0].Repeats);
        var m = sdp.Media[0];
        Assert.Equal((9, (int?)2), (m.Port, m.PortCount));
        Assert.Equal([new RtcpFeedback("nack", null)], m.WildcardFeedback);
        Assert.Equal(2, m.OtherAttributes.Count);
        Assert.Equal(text, SdpWriter.Write(sdp));
    }

    [Fact]
    public void Equality_is_structural()
    {
        var a = SdpParser.Parse(SdpSamples.ChromiumOffer);
        var b = SdpParser.Parse(SdpSamples.ChromiumOffer);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        var changed = a with { Media = [a.Media[0] with { Mid = "x" }, a.Media[1]] };
        Assert.NotEqual(a, changed);
    }
}
