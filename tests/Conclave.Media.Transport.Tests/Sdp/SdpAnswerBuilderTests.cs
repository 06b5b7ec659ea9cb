using Conclave.Media.Transport.Sdp;

namespace Conclave.Media.Transport.Tests.Sdp;

public class SdpAnswerBuilderTests
{
    private static readonly EquatableList<RtcpFeedback> VideoFeedback =
        [new("transport-cc", null), new("ccm", "fir"), new("nack", null), new("nack", "pli")];

    private static readonly EquatableList<CodecCapability> VideoCodecs =
    [
        new("VP8", 90000, null, [], VideoFeedback),
        new("H264", 90000, null, [new("packetization-mode", "1"), new("profile-level-id", "42e01f")], VideoFeedback),
        new("rtx", 90000, null, [], []),
    ];

    private static readonly EquatableList<CodecCapability> AudioCodecs =
    [
        new("opus", 48000, 2, [], [new("transport-cc", null)]),
        new("red", 48000, 2, [], []),
    ];

    private static readonly EquatableList<string> Extensions =
    [
        RtpHeaderExtension.MidUri, RtpHeaderExtension.RtpStreamIdUri, RtpHeaderExtension.RepairedRtpStreamIdUri,
        RtpHeaderExtension.TransportWideCcUri, RtpHeaderExtension.AudioLevelUri, RtpHeaderExtension.DependencyDescriptorUri,
    ];

    private static readonly SessionDescription Offer = SdpParser.Parse(SdpSamples.ChromiumOffer);

    [Fact]
    public void Codecs_intersect_in_offer_order_with_rtx_kept_only_for_kept_primaries()
    {
        var answer = SdpAnswerBuilder.NegotiateCodecs(Offer.Media[1].Codecs, VideoCodecs);
        // 96 VP8 + 97 its RTX; 109 H264 42e01f mode 1 + 114 its RTX. 103 (42001f: other profile-iop) and 107 (mode 0) are
        // not the server's H264; VP9/AV1 are unsupported so their RTX (99, 101, 40) goes too; red/ulpfec not supported.
        Assert.Equal([96, 97, 109, 114], answer.Select(c => c.PayloadType));
        Assert.Equal(VideoFeedback, answer[0].Feedback);                         // goog-remb dropped
        Assert.Equal(Offer.Media[1].FindCodec(109)!.Parameters, answer[2].Parameters);
        Assert.Empty(answer[1].Feedback);
    }

    [Fact]
    public void Red_kept_only_when_its_primaries_are_kept()
    {
        var audio = Offer.Media[0].Codecs;
        Assert.Equal([111, 63], SdpAnswerBuilder.NegotiateCodecs(audio, AudioCodecs).Select(c => c.PayloadType));
        Assert.Empty(SdpAnswerBuilder.NegotiateCodecs(audio, [AudioCodecs[1]]));
    }

    [Fact]
    public void H264_level_may_differ_but_profile_and_mode_must_match()
    {
        var offered = new Codec(102, "H264", 90000, null, [new("profile-level-id", "42e034"), new("packetization-mode", "1")], []);
        Assert.True(VideoCodecs[1].Matches(offered));
        Assert.False(VideoCodecs[1].Matches(offered with { Parameters = [new("profile-level-id", "640c34"), new("packetization-mode", "1")] }));
        Assert.False(VideoCodecs[1].Matches(offered with { Parameters = [new("profile-level-id", "42e034")] }));
    }

    [Fact]
    public void Extensions_intersect_by_uri_keeping_offer_ids()
    {
        var answer = SdpAnswerBuilder.NegotiateExtensions(Offer.Media[1].Extensions, Extensions);
        Assert.Equal(
            [new RtpHeaderExtension(3, null, RtpHeaderExtension.TransportWideCcUri, null),
             new RtpHeaderExtension(4, null, RtpHeaderExtension.MidUri, null),
             new RtpHeaderExtension(10, null, RtpHeaderExtension.RtpStreamIdUri, null),
             new RtpHeaderExtension(11, null, RtpHeaderExtension.RepairedRtpStreamIdUri, null)],
            answer);
        var withDirection = SdpAnswerBuilder.NegotiateExtensions([new(5, MediaDirection.SendOnly, RtpHeaderExtension.MidUri, null)], Extensions);
        Assert.Equal(MediaDirection.RecvOnly, withDirection[0].Direction);
    }

    public static TheoryData<string, MediaDirection, MediaDirection, MediaDirection> Directions => new()
    {
        { "sendrecv offer, server sendrecv", MediaDirection.SendRecv, MediaDirection.SendRecv, MediaDirection.SendRecv },
        { "sendrecv offer, server recv only", MediaDirection.SendRecv, MediaDirection.RecvOnly, MediaDirection.RecvOnly },
        { "sendonly offer",                  MediaDirection.SendOnly, MediaDirection.SendRecv, MediaDirection.RecvOnly },
        { "recvonly offer",                  MediaDirection.RecvOnly, MediaDirection.SendRecv, MediaDirection.SendOnly },
        { "sendonly offer, server sends",    MediaDirection.SendOnly, MediaDirection.SendOnly, MediaDirection.Inactive },
        { "inactive offer",                  MediaDirection.Inactive, MediaDirection.SendRecv, MediaDirection.Inactive },
    };

    [Theory]
    [MemberData(nameof(Directions))]
    public void Direction_answer(string name, MediaDirection offered, MediaDirection desired, MediaDirection expected)
    {
        Assert.True(expected == SdpAnswerBuilder.AnswerDirection(offered, desired), name);
    }

    [Fact]
    public void Simulcast_send_becomes_recv_with_the_rids()
    {
        var video = Offer.Media[1];
        var codecs = SdpAnswerBuilder.NegotiateCodecs(video.Codecs, VideoCodecs);
        var rids = SdpAnswerBuilder.AnswerRids(video.Rids, codecs);
        Assert.Equal(["q", "h", "f"], rids.Select(r => r.Id));
        Assert.All(rids, r => Assert.Equal(RidDirection.Recv, r.Direction));
        var sim = SdpAnswerBuilder.AnswerSimulcast(video.Simulcast, rids)!;
        Assert.Equal("recv q;h;f", SdpWriter.FormatSimulcast(sim));
    }

    [Fact]
    public void Rid_pt_restriction_is_narrowed_and_paused_state_kept()
    {
        Codec vp8 = new(96, "VP8", 90000, null, [], []);
        var rids = SdpAnswerBuilder.AnswerRids(
            [new("a", RidDirection.Send, [new("pt", "96,98"), new("max-width", "640")]), new("b", RidDirection.Send, [new("pt", "98")])],
            [vp8]);
        Assert.Equal([new RidDescription("a", RidDirection.Recv, [new("pt", "96"), new("max-width", "640")])], rids);
        var sim = SdpAnswerBuilder.AnswerSimulcast(new([[new("a", false)], [new("b", false)], [new("~x", false)]], []), rids);
        Assert.Equal("recv a", SdpWriter.FormatSimulcast(sim!));
        var paused = SdpAnswerBuilder.AnswerSimulcast(new([[new("a", true)]], []), rids);
        Assert.Equal("recv ~a", SdpWriter.FormatSimulcast(paused!));
        Assert.Null(SdpAnswerBuilder.AnswerSimulcast(new([[new("b", false)]], []), rids));
    }

    [Fact]
    public void Setup_answer_for_ice_lite_dtls_server()
    {
        Assert.Equal(DtlsSetup.Passive, SdpAnswerBuilder.AnswerSetup(DtlsSetup.ActPass));
        Assert.Equal(DtlsSetup.Passive, SdpAnswerBuilder.AnswerSetup(DtlsSetup.Active));
        Assert.Equal(DtlsSetup.Active, SdpAnswerBuilder.AnswerSetup(DtlsSetup.Passive));
        Assert.Throws<ArgumentException>(() => SdpAnswerBuilder.AnswerSetup(DtlsSetup.HoldConn));
    }

    private static AnswerOptions Options => new()
    {
        AudioCodecs = AudioCodecs,
        VideoCodecs = VideoCodecs,
        HeaderExtensions = Extensions,
        DesiredDirection = MediaDirection.RecvOnly,
        IceUfrag = "srvU",
        IcePwd = "serverpasswordserverpw",
        Fingerprint = new SdpFingerprint("sha-256", Convert.FromHexString(SdpSamples.Fingerprint.Replace(":", "")).ToEquatableList()),
        Candidates = [new IceCandidate("1", 1, "udp", 2130706431, "127.0.0.1", 50000, IceCandidateType.Host, null, null, [])],
        SessionId = 42,
    };

    [Fact]
    public void Full_answer_to_a_Chromium_offer()
    {
        var answer = SdpAnswerBuilder.CreateAnswer(Offer, Options);
        Assert.True(answer.IceLite);
        Assert.True(answer.ExtmapAllowMixed);
        Assert.Equal(new SdpGroup("BUNDLE", ["0", "1"]), answer.BundleGroup);
        var video = answer.Media[1];
        Assert.Equal(("1", DtlsSetup.Passive, MediaDirection.RecvOnly), (video.Mid, video.Setup, video.Direction));
        Assert.True(video.RtcpMux && video.RtcpReducedSize && video.EndOfCandidates);
        Assert.Equal("recv q;h;f", SdpWriter.FormatSimulcast(video.Simulcast!));

        string text = SdpWriter.Write(answer);
        Assert.Contains("\r\na=ice-lite\r\n", text);
        Assert.Contains("\r\na=setup:passive\r\n", text);
        Assert.Contains("\r\na=rid:q recv\r\n", text);
        Assert.Contains("\r\na=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\n", text);
        Assert.Equal(answer, SdpParser.Parse(text));
    }

    [Fact]
    public void Data_channel_and_unsupported_sections_are_rejected_and_left_out_of_bundle()
    {
        var answer = SdpAnswerBuilder.CreateAnswer(SdpParser.Parse(SdpSamples.FirefoxOffer), Options with { AudioCodecs = [] });
        Assert.Equal([0, 9, 0], answer.Media.Select(m => m.Port));
        Assert.Equal(["0", "1", "2"], answer.Media.Select(m => m.Mid));
        Assert.Equal(new SdpGroup("BUNDLE", ["1"]), answer.BundleGroup);
        Assert.Equal(["webrtc-datachannel"], answer.Media[2].FormatTokens);
        Assert.Equal([120, 124, 126, 127], answer.Media[1].Codecs.Select(c => c.PayloadType));
        Assert.False(answer.ExtmapAllowMixed);
        Assert.Equal(answer, SdpParser.Parse(SdpWriter.Write(answer)));
    }
}
