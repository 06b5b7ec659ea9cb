using Conclave.Media.Transport.Sdp;

namespace Conclave.Media.Transport.Tests.Sdp;

/// <summary>
/// The forms in which Firefox's offers differ from Chromium's, applied to the captured Chromium offer: sections other
/// than the first marked <c>a=bundle-only</c> with port 0 (RFC 8843 §6, Firefox under max-bundle),
/// <c>a=extmap-allow-mixed</c> per section instead of per session (RFC 8285 §6), and <c>a=rtcp-fb</c> lines for
/// payload types the m= line no longer lists (left by <c>setCodecPreferences</c>). Each is accepted as meant.
/// </summary>
public sealed class FirefoxOfferFormsTests
{
    private static readonly string ChromiumOffer = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Sdp", "Captured", "chromium-156-offer.sdp"));

    [Fact]
    public void Bundle_only_sections_join_the_bundle_and_are_answered()
    {
        SessionDescription offer = SdpParser.Parse(FirefoxForm(ChromiumOffer));
        Assert.Equal(0, offer.Media[1].Port);

        SessionDescription active = WebRtcOffer.WithBundleOnlySectionsActive(offer);
        Assert.Equal([offer.Media[0].Port, 9], active.Media.Select(m => m.Port));
        Assert.True(WebRtcOffer.TryRead(active, out _, out string? problem), problem);
        SessionDescription answer = SdpAnswerBuilder.CreateAnswer(active, Options(active));
        Assert.All(answer.Media, m => Assert.NotEqual(0, m.Port));
        Assert.Equal(["0", "1"], answer.BundleGroup!.Mids);
    }

    [Fact]
    public void Section_level_extmap_allow_mixed_is_answered_per_section()
    {
        SessionDescription offer = SdpParser.Parse(FirefoxForm(ChromiumOffer));
        Assert.False(offer.ExtmapAllowMixed);
        Assert.All(offer.Media, m => Assert.True(m.ExtmapAllowMixed));

        SessionDescription answer = SdpAnswerBuilder.CreateAnswer(WebRtcOffer.WithBundleOnlySectionsActive(offer), Options(offer));
        Assert.False(answer.ExtmapAllowMixed);
        Assert.All(answer.Media, m => Assert.True(m.ExtmapAllowMixed));
    }

    [Fact]
    public void Feedback_for_an_unlisted_payload_type_is_ignored()
    {
        SessionDescription offer = SdpParser.Parse(FirefoxForm(ChromiumOffer));
        Assert.DoesNotContain(offer.Media[1].Codecs, c => c.PayloadType == 126);
        Assert.Contains(new RtcpFeedback("nack", "pli"), offer.Media[1].Codecs.Single(c => c.Name == "VP8").Feedback);
        // A payload type that is not a number is still an error.
        string bad = ChromiumOffer.Replace("a=rtcp-fb:96 goog-remb", "a=rtcp-fb:vp8 goog-remb", StringComparison.Ordinal);
        Assert.Contains("payload type", Assert.Throws<SdpParseException>(() => SdpParser.Parse(bad)).Message, StringComparison.Ordinal);
    }

    /// <summary>The Chromium offer rewritten in Firefox's forms.</summary>
    private static string FirefoxForm(string sdp)
    {
        string[] lines = sdp.Split("\r\n");
        var result = new List<string>();
        int section = -1;
        foreach (string line in lines)
        {
            if (line == "a=extmap-allow-mixed") continue;                          // session level: moved below
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                section++;
                string[] fields = line.Split(' ');
                if (section == 1) fields[1] = "0";
                result.Add(string.Join(' ', fields));
                continue;
            }
            result.Add(line);
            if (section >= 0 && line.StartsWith("c=", StringComparison.Ordinal))    // attributes follow c= (RFC 8866 §5)
            {
                result.Add("a=extmap-allow-mixed");
                if (section == 1) result.AddRange(["a=bundle-only", "a=rtcp-fb:126 nack"]);    // 126 is not on the video m= line
            }
        }
        return string.Join("\r\n", result);
    }

    private static AnswerOptions Options(SessionDescription offer) => new()
    {
        AudioCodecs = [new CodecCapability("opus", 48000, 2, [], [])],
        VideoCodecs = [new CodecCapability("VP8", 90000, null, [], [new RtcpFeedback("nack", null), new RtcpFeedback("nack", "pli")])],
        HeaderExtensions = [RtpHeaderExtension.MidUri],
        IceUfrag = "srvU",
        IcePwd = "serverpasswordserverpw",
        Fingerprint = offer.Media[0].Fingerprints[0],
        Candidates = [new IceCandidate("1", 1, "udp", 2130706431, "127.0.0.1", 40000, IceCandidateType.Host, null, null, [])],
    };
}
