using Conclave.Media.Transport.Sdp;

namespace Conclave.Media.Transport.Tests.Sdp;

/// <summary>
/// The offer a real Chromium 156 made for the echo interop test (fake camera and microphone, both sendrecv, gathered
/// on loopback in the test's network namespace): captured byte for byte in Sdp/Captured/chromium-156-offer.sdp, so
/// the parser and the answer builder are held to what the browser really sends, not to a hand-written sample.
/// </summary>
public sealed class CapturedChromiumOfferTests
{
    private static readonly string Offer = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Sdp", "Captured", "chromium-156-offer.sdp"));

    [Fact]
    public void Parses_every_section_codec_and_attribute_chromium_sends()
    {
        SessionDescription offer = SdpParser.Parse(Offer);

        Assert.Equal(new SdpGroup(SdpGroup.Bundle, ["0", "1"]), offer.BundleGroup);
        Assert.True(offer.ExtmapAllowMixed);
        Assert.Equal(["audio", "video"], offer.Media.Select(m => m.Media));
        foreach (MediaDescription m in offer.Media)
        {
            Assert.Equal("WFL1", m.IceUfrag);
            Assert.Equal(DtlsSetup.ActPass, m.Setup);
            Assert.True(m.RtcpMux && m.RtcpReducedSize);
            Assert.Equal(MediaDirection.SendRecv, m.Direction);
            SdpFingerprint fingerprint = Assert.Single(m.Fingerprints);
            Assert.True(fingerprint.TryGetDtlsFingerprint(out _));
            Assert.Contains(m.Candidates, c => c is { Transport: "udp", Address: "127.0.0.1", Type: IceCandidateType.Host });
            Assert.Contains(m.Extensions, e => e.Uri == RtpHeaderExtension.MidUri);
        }

        MediaDescription audio = offer.Media[0];
        Assert.Equal(["opus", "red", "G722", "PCMU", "PCMA", "CN", "telephone-event", "telephone-event"], audio.Codecs.Select(c => c.Name));
        Assert.Contains(audio.Extensions, e => e.Uri == RtpHeaderExtension.AudioLevelUri);

        MediaDescription video = offer.Media[1];
        Assert.Equal(["VP8", "H264", "AV1", "VP9", "red", "ulpfec"], video.Codecs.Where(c => c.Name != "rtx").Select(c => c.Name).Distinct());
        Assert.All(video.Codecs.Where(c => c.Name == "rtx"), rtx => Assert.Contains(video.Codecs, c => c.PayloadType == rtx.AssociatedPayloadType));
        SsrcGroup fid = Assert.Single(video.SsrcGroups);
        Assert.Equal("FID", fid.Semantics);
    }

    [Fact]
    public void Writing_and_parsing_again_gives_the_same_description()
    {
        SessionDescription offer = SdpParser.Parse(Offer);
        Assert.Equal(offer, SdpParser.Parse(SdpWriter.Write(offer)));
    }

    [Fact]
    public void The_echo_answer_keeps_the_offer_ids_and_one_codec_per_section()
    {
        SessionDescription offer = SdpParser.Parse(Offer);
        var options = new AnswerOptions
        {
            AudioCodecs = [new CodecCapability("opus", 48000, 2, [], [])],
            VideoCodecs = [new CodecCapability("VP8", 90000, null, [], [new RtcpFeedback("nack", null), new RtcpFeedback("nack", "pli")])],
            HeaderExtensions = [RtpHeaderExtension.MidUri],
            IceUfrag = "srvU",
            IcePwd = "serverpasswordserverpw",
            Fingerprint = offer.Media[0].Fingerprints[0],
            Candidates = [new IceCandidate("1", 1, "udp", 2130706431, "127.0.0.1", 40000, IceCandidateType.Host, null, null, [])],
        };

        SessionDescription answer = SdpAnswerBuilder.CreateAnswer(offer, options);

        Assert.Equal(offer.BundleGroup, answer.BundleGroup);
        Assert.Equal([111], answer.Media[0].Codecs.Select(c => c.PayloadType));
        Assert.Equal([96], answer.Media[1].Codecs.Select(c => c.PayloadType));
        Assert.Equal([new RtcpFeedback("nack", null), new RtcpFeedback("nack", "pli")], answer.Media[1].Codecs[0].Feedback);
        int offeredMidId = offer.Media[0].Extensions.Single(e => e.Uri == RtpHeaderExtension.MidUri).Id;
        Assert.All(answer.Media, m => Assert.Equal(offeredMidId, Assert.Single(m.Extensions).Id));
        Assert.All(answer.Media, m => Assert.Equal(DtlsSetup.Passive, m.Setup));
    }
}
