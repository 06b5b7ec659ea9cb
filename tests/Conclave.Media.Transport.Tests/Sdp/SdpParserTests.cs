using Conclave.Media.Transport.Sdp;

namespace Conclave.Media.Transport.Tests.Sdp;

public class SdpParserTests
{
    [Fact]
    public void Chromium_offer_session_level()
    {
        var sdp = SdpParser.Parse(SdpSamples.ChromiumOffer);
        Assert.Equal("4611731400430051336", sdp.Origin.SessionId);
        Assert.Equal(2UL, sdp.Origin.SessionVersion);
        Assert.Equal(new SdpGroup("BUNDLE", ["0", "1"]), sdp.BundleGroup);
        Assert.True(sdp.ExtmapAllowMixed);
        Assert.Equal(new MsidSemantic("WMS", []), sdp.MsidSemantic);
        Assert.False(sdp.IceLite);
        Assert.Equal(2, sdp.Media.Count);
        Assert.Empty(sdp.OtherAttributes);
    }

    [Fact]
    public void Chromium_offer_audio_section()
    {
        var audio = SdpParser.Parse(SdpSamples.ChromiumOffer).Media[0];
        Assert.Equal(MediaKind.Audio, audio.Kind);
        Assert.Equal(54400, audio.Port);
        Assert.Equal("UDP/TLS/RTP/SAVPF", audio.Protocol);
        Assert.Equal([111, 63, 9, 0, 8, 13, 110, 126], audio.Codecs.Select(c => c.PayloadType));
        Assert.Equal(new RtcpAddress(9, new SdpConnection("IN", "IP4", "0.0.0.0")), audio.Rtcp);
        Assert.Equal("0", audio.Mid);
        Assert.Equal(MediaDirection.SendRecv, audio.Direction);
        Assert.True(audio.RtcpMux);
        Assert.True(audio.RtcpReducedSize);
        Assert.Equal(DtlsSetup.ActPass, audio.Setup);
        Assert.Equal("7oJq", audio.IceUfrag);
        Assert.Equal(["trickle"], audio.IceOptions);
        var fp = Assert.Single(audio.Fingerprints);
        Assert.Equal("sha-256", fp.HashFunction);
        Assert.Equal(32, fp.Value.Count);
        Assert.Equal(0x8A, fp.Value[0]);
        Assert.Equal(SdpSamples.Fingerprint, fp.HexValue);

        var opus = audio.Codecs[0];
        Assert.Equal(CodecKind.Opus, opus.Kind);
        Assert.Equal((48000, (int?)2), (opus.ClockRate, opus.Channels));
        Assert.Equal(10, CodecInfo.OpusMinPtime(opus));
        Assert.True(CodecInfo.OpusUseInbandFec(opus));
        Assert.Equal([new RtcpFeedback("transport-cc", null)], opus.Feedback);
        Assert.Equal([new FormatParameter("minptime", "10"), new FormatParameter("useinbandfec", "1")], opus.Parameters);

        var red = audio.Codecs[1];
        Assert.Equal(CodecKind.Other, red.Kind);
        Assert.True(CodecInfo.IsRepairFormat(red));
        Assert.Equal([new FormatParameter("111/111", null)], red.Parameters);
        Assert.Equal("telephone-event", audio.Codecs[6].Name);

        Assert.Equal(
            [AudioLevel(1), new(2, null, RtpHeaderExtension.AbsSendTimeUri, null), new(3, null, RtpHeaderExtension.TransportWideCcUri, null), new(4, null, RtpHeaderExtension.MidUri, null)],
            audio.Extensions);
        Assert.Equal(2, audio.Ssrcs.Count);
        Assert.Equal(new SsrcAttribute(3570614608, "cname", "4TOk42mSjXCkVIa6"), audio.Ssrcs[0]);

        Assert.Equal(2, audio.Candidates.Count);
        var host = audio.Candidates[0];
        Assert.Equal(("3510228213", 1, "udp", 2113937151u, "127.0.0.1", 54400, IceCandidateType.Host),
            (host.Foundation, host.Component, host.Transport, host.Priority, host.Address, host.Port, host.Type));
        Assert.Equal([new("generation", "0"), new("network-cost", "999")], host.Extensions);
        var srflx = audio.Candidates[1];
        Assert.Equal((IceCandidateType.ServerReflexive, "127.0.0.1", (int?)54400), (srflx.Type, srflx.RelatedAddress, srflx.RelatedPort));
    }

    private static RtpHeaderExtension AudioLevel(int id) => new(id, null, RtpHeaderExtension.AudioLevelUri, null);

    [Fact]
    public void Chromium_offer_video_section_codecs()
    {
        var video = SdpParser.Parse(SdpSamples.ChromiumOffer).Media[1];
        Assert.Equal(MediaKind.Video, video.Kind);
        Assert.Equal(17, video.Codecs.Count);
        Assert.Equal(
            [CodecKind.Vp8, CodecKind.Rtx, CodecKind.H264, CodecKind.Rtx, CodecKind.H264, CodecKind.Rtx, CodecKind.H264, CodecKind.Rtx,
             CodecKind.Av1, CodecKind.Rtx, CodecKind.Vp9, CodecKind.Rtx, CodecKind.Vp9, CodecKind.Rtx, CodecKind.Other, CodecKind.Rtx, CodecKind.Other],
            video.Codecs.Select(c => c.Kind));
        var vp8 = video.FindCodec(96)!;
        Assert.Equal(5, vp8.Feedback.Count);
        Assert.Equal(new RtcpFeedback("nack", "pli"), vp8.Feedback[4]);
        Assert.Equal(96, video.FindCodec(97)!.AssociatedPayloadType);
        Assert.Null(vp8.AssociatedPayloadType);

        var h264 = video.FindCodec(109)!;
        Assert.Equal(1, CodecInfo.H264PacketizationMode(h264));
        Assert.True(CodecInfo.H264LevelAsymmetryAllowed(h264));
        Assert.Equal(((byte)0x42, (byte)0xE0, (byte)0x1F), CodecInfo.H264ProfileLevelId(h264));
        Assert.Equal(0, CodecInfo.H264PacketizationMode(video.FindCodec(107)!));
        Assert.Equal(0, CodecInfo.Vp9ProfileId(video.FindCodec(98)!));
        Assert.Equal(2, CodecInfo.Vp9ProfileId(video.FindCodec(100)!));
        Assert.Equal(0, CodecInfo.Av1Profile(video.FindCodec(39)!));
        Assert.True(CodecInfo.IsRepairFormat(video.FindCodec(118)!));
    }

    [Fact]
    public void Chromium_offer_video_simulcast_and_extmap()
    {
        var video = SdpParser.Parse(SdpSamples.ChromiumOffer).Media[1];
        Assert.Equal(
            [new RidDescription("q", RidDirection.Send, []), new RidDescription("h", RidDirection.Send, []), new RidDescription("f", RidDirection.Send, [])],
            video.Rids);
        Assert.Equal(new SimulcastDescription([[new("q", false)], [new("h", false)], [new("f", false)]], []), video.Simulcast);
        Assert.Equal(11, video.Extensions.Count);
        Assert.Equal(new RtpHeaderExtension(10, null, RtpHeaderExtension.RtpStreamIdUri, null), video.Extensions[9]);
        Assert.Equal(new Msid("f4c1e3a0-5d2b-4a8e-9b7c-1e2d3f4a5b6c", "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d"), Assert.Single(video.Msids));
        Assert.Empty(video.Ssrcs);
        Assert.Empty(video.OtherAttributes);
    }

    [Fact]
    public void Firefox_offer()
    {
        var sdp = SdpParser.Parse(SdpSamples.FirefoxOffer);
        Assert.Equal("mozilla...THIS_IS_SDPARTA-99.0", sdp.Origin.Username);
        Assert.Equal(new MsidSemantic("WMS", ["*"]), sdp.MsidSemantic);
        Assert.Single(sdp.Fingerprints);
        Assert.Equal(["trickle"], sdp.IceOptions);
        Assert.Equal(3, sdp.Media.Count);

        var audio = sdp.Media[0];
        Assert.Equal([109, 9, 0, 8, 101], audio.Codecs.Select(c => c.PayloadType));
        Assert.Equal((int?)1, audio.FindCodec(9)!.Channels);
        Assert.Equal("1", audio.FindCodec(109)!.GetParameter("stereo"));
        Assert.Equal(new RtpHeaderExtension(2, MediaDirection.RecvOnly, "urn:ietf:params:rtp-hdrext:csrc-audio-level", null), audio.Extensions[1]);

        var video = sdp.Media[1];
        Assert.Equal(120, video.FindCodec(124)!.AssociatedPayloadType);
        Assert.Equal(5, video.FindCodec(120)!.Feedback.Count);
        Assert.Equal(new SsrcGroup("FID", [1349129416u, 2281232217u]), Assert.Single(video.SsrcGroups));

        var data = sdp.Media[2];
        Assert.Equal(MediaKind.Application, data.Kind);
        Assert.False(data.IsRtp);
        Assert.Equal(["webrtc-datachannel"], data.Formats);
        Assert.Empty(data.Codecs);
        Assert.Equal([new SdpAttribute("sctp-port", "5000"), new SdpAttribute("max-message-size", "1073741823")], data.OtherAttributes);
    }

    [Fact]
    public void Accepts_LF_line_ends()
    {
        var crlf = SdpParser.Parse(SdpSamples.ChromiumOffer);
        var lf = SdpParser.Parse(SdpSamples.ChromiumOffer.Replace("\r\n", "\n"));
        Assert.Equal(crlf, lf);
    }

    [Fact]
    public void Static_payload_type_without_rtpmap_is_implicit()
    {
        var sdp = SdpParser.Parse(SdpSamples.Join("v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0", "m=audio 9 RTP/AVP 0 8", "a=rtpmap:8 PCMA/8000"));
        var pcmu = sdp.Media[0].Codecs[0];
        Assert.Equal(("PCMU", 8000, false), (pcmu.Name, pcmu.ClockRate, pcmu.HasRtpmap));
        Assert.True(sdp.Media[0].Codecs[1].HasRtpmap);
        Assert.Equal(SdpSamples.Join("v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0", "m=audio 9 RTP/AVP 0 8", "a=rtpmap:8 PCMA/8000"), SdpWriter.Write(sdp));
    }

    [Fact]
    public void Rid_restrictions_and_paused_simulcast()
    {
        var sdp = SdpParser.Parse(SdpSamples.Join(
            "v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0",
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "a=rtpmap:96 VP8/90000", "a=rtpmap:97 VP9/90000",
            "a=rid:lo send pt=96,97;max-width=320;max-height=180", "a=rid:hi send", "a=rid:r1 recv",
            "a=simulcast:recv r1 send lo,~hi"));
        var m = sdp.Media[0];
        Assert.Equal([96, 97], m.Rids[0].PayloadTypes!);
        Assert.Equal(new FormatParameter("max-width", "320"), m.Rids[0].Restrictions[1]);
        Assert.Null(m.Rids[1].PayloadTypes);
        Assert.Equal(new SimulcastDescription([[new("lo", false), new("hi", true)]], [[new("r1", false)]]), m.Simulcast);
        Assert.Equal("send lo,~hi recv r1", SdpWriter.FormatSimulcast(m.Simulcast!));
    }

    [Fact]
    public void Mutated_offers_from_fixed_seed_only_throw_SdpParseException_and_round_trip_when_accepted()
    {
        var rng = new Random(8866);
        string[] lines = SdpSamples.ChromiumOffer.Split("\r\n");
        for (int i = 0; i < 5000; i++)
        {
            // Drop, duplicate, or corrupt characters of 1–3 random lines of a real offer.
            var copy = lines.ToList();
            for (int n = rng.Next(1, 4); n > 0; n--)
            {
                int k = rng.Next(copy.Count);
                switch (rng.Next(3))
                {
                    case 0: copy.RemoveAt(k); break;
                    case 1: copy.Insert(rng.Next(copy.Count), copy[k]); break;
                    default:
                        if (copy[k].Length > 0)
                        {
                            char[] c = copy[k].ToCharArray();
                            c[rng.Next(c.Length)] = (char)rng.Next(32, 127);
                            copy[k] = new string(c);
                        }
                        break;
                }
            }
            AssertParsesOrFailsCleanly(string.Join("\r\n", copy));
        }
    }

    [Fact]
    public void Random_text_from_fixed_seed_only_throws_SdpParseException()
    {
        var rng = new Random(4566);
        const string alphabet = "vosticbmaz=: /;,~-_0123456789\r\nABCDEFabcdef";
        for (int i = 0; i < 5000; i++)
        {
            var chars = new char[rng.Next(0, 400)];
            for (int j = 0; j < chars.Length; j++) chars[j] = rng.Next(10) == 0 ? (char)rng.Next(0, 0x3000) : alphabet[rng.Next(alphabet.Length)];
            string header = rng.Next(2) == 0 ? "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n" : "";
            AssertParsesOrFailsCleanly(header + new string(chars));
        }
    }

    private static void AssertParsesOrFailsCleanly(string text)
    {
        SessionDescription parsed;
        try
        {
            parsed = SdpParser.Parse(text);
        }
        catch (SdpParseException)
        {
            return;
        }
        Assert.Equal(parsed, SdpParser.Parse(SdpWriter.Write(parsed)));
    }
}
