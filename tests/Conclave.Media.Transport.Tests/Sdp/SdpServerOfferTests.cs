using Conclave.Media.Transport.Sdp;

namespace Conclave.Media.Transport.Tests.Sdp;

/// <summary>The SFU-made offer of issue 4: simulcast recv, DD extmap with extmap-allow-mixed, ICE-lite.</summary>
public class SdpServerOfferTests
{
    private static SessionDescription BuildOffer() => new()
    {
        Origin = SdpOrigin.ForServer(7, 1),
        Groups = [new SdpGroup(SdpGroup.Bundle, ["0"])],
        ExtmapAllowMixed = true,
        MsidSemantic = new MsidSemantic("WMS", []),
        IceLite = true,
        Media =
        [
            new MediaDescription
            {
                Media = "video",
                Connections = [SdpConnection.Placeholder],
                IceUfrag = "srvU",
                IcePwd = "serverpasswordserverpw",
                Fingerprints = [new SdpFingerprint("sha-256", Convert.FromHexString(SdpSamples.Fingerprint.Replace(":", "")).ToEquatableList())],
                Setup = DtlsSetup.ActPass,
                Mid = "0",
                Extensions =
                [
                    new(1, null, RtpHeaderExtension.MidUri, null),
                    new(2, null, RtpHeaderExtension.RtpStreamIdUri, null),
                    new(3, null, RtpHeaderExtension.RepairedRtpStreamIdUri, null),
                    new(4, null, RtpHeaderExtension.TransportWideCcUri, null),
                    new(5, null, RtpHeaderExtension.DependencyDescriptorUri, null),
                ],
                Direction = MediaDirection.RecvOnly,
                RtcpMux = true,
                RtcpReducedSize = true,
                Codecs =
                [
                    new Codec(96, "VP8", 90000, null, [], [new("transport-cc", null), new("ccm", "fir"), new("nack", null), new("nack", "pli")]),
                    new Codec(97, "rtx", 90000, null, [new("apt", "96")], []),
                ],
                Rids = [new("q", RidDirection.Recv, []), new("h", RidDirection.Recv, []), new("f", RidDirection.Recv, [])],
                Simulcast = new SimulcastDescription([], [[new("q", false)], [new("h", false)], [new("f", false)]]),
            },
        ],
    };

    [Fact]
    public void Server_offer_writes_the_lines_Chromium_needs()
    {
        string text = SdpWriter.Write(BuildOffer());
        Assert.Equal(SdpSamples.Join(
            "v=0", "o=- 7 1 IN IP4 127.0.0.1", "s=-", "t=0 0",
            "a=group:BUNDLE 0", "a=extmap-allow-mixed", "a=msid-semantic: WMS", "a=ice-lite",
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "c=IN IP4 0.0.0.0",
            "a=ice-ufrag:srvU", "a=ice-pwd:serverpasswordserverpw", "a=fingerprint:sha-256 " + SdpSamples.Fingerprint,
            "a=setup:actpass", "a=mid:0",
            "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=extmap:2 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
            "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
            "a=extmap:4 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
            "a=extmap:5 https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension",
            "a=recvonly", "a=rtcp-mux", "a=rtcp-rsize",
            "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 transport-cc", "a=rtcp-fb:96 ccm fir", "a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli",
            "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96",
            "a=rid:q recv", "a=rid:h recv", "a=rid:f recv", "a=simulcast:recv q;h;f"), text);
        Assert.Equal(BuildOffer(), SdpParser.Parse(text));
    }

    [Fact]
    public void Ssrc_group_sim_and_fid_round_trip()
    {
        string text = SdpSamples.Join(
            "v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0",
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "a=mid:v", "a=rtpmap:96 VP8/90000", "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96",
            "a=ssrc-group:SIM 1 2 3", "a=ssrc-group:FID 1 4",
            "a=ssrc:1 cname:c", "a=ssrc:1 msid:s t", "a=ssrc:4 cname:c");
        var m = SdpParser.Parse(text).Media[0];
        Assert.Equal([new SsrcGroup("SIM", [1u, 2u, 3u]), new SsrcGroup("FID", [1u, 4u])], m.SsrcGroups);
        Assert.Equal(new SsrcAttribute(1, "msid", "s t"), m.Ssrcs[1]);
        Assert.Equal(text, SdpWriter.Write(SdpParser.Parse(text)));
    }

    [Fact]
    public void Writer_refuses_formats_on_an_rtp_section()
    {
        var offer = BuildOffer();
        var bad = offer with { Media = [offer.Media[0] with { Formats = ["96"] }] };
        Assert.Throws<ArgumentException>(() => SdpWriter.Write(bad));
    }
}
