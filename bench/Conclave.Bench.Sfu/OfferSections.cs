using System.Globalization;
using Conclave.Media.Transport.Sdp;
using Conclave.Sfu.Routing;

namespace Conclave.Bench.Sfu;

/// <summary>The m= sections of the simulated participants' offers, as Chromium writes them for a microphone, a
/// simulcast camera and one receiving section per remote track (the transport attributes are added by
/// <c>ClientMediaConnection.CreateOffer</c>). Receiving sections offer transport-wide congestion control (the
/// extension and <c>a=rtcp-fb:&lt;pt&gt; transport-cc</c>, as Chromium does on Opus and VP8); publishing sections do not,
/// since the SFU gives publishers no transport-cc feedback.</summary>
internal static class OfferSections
{
    private static readonly Codec Opus = new(MediaProfile.OpusPayloadType, "opus", MediaProfile.AudioClockRate, 2,
        [new("minptime", "10"), new("useinbandfec", "1")], []);

    private static readonly Codec Vp8 = new(MediaProfile.Vp8PayloadType, "VP8", MediaProfile.VideoClockRate, null, [],
        [new("nack", null), new("nack", "pli"), new("ccm", "fir")]);

    /// <summary>RFC 4585 §4.2 feedback type of transport-cc (draft-holmer-rmcat-transport-wide-cc-extensions-01 §4).</summary>
    public const string TransportCcFeedbackType = "transport-cc";

    private static readonly RtcpFeedback TransportCcFeedback = new(TransportCcFeedbackType, null);

    private static readonly Codec ReceivingOpus = Opus with { Feedback = [TransportCcFeedback] };

    private static readonly Codec ReceivingVp8 = Vp8 with { Feedback = [TransportCcFeedback, .. Vp8.Feedback] };

    private static readonly RtpHeaderExtension Mid = new(MediaProfile.MidExtensionId, null, RtpHeaderExtension.MidUri, null);
    private static readonly RtpHeaderExtension Rid = new(MediaProfile.RidExtensionId, null, RtpHeaderExtension.RtpStreamIdUri, null);
    private static readonly RtpHeaderExtension AudioLevel = new(MediaProfile.AudioLevelExtensionId, null, RtpHeaderExtension.AudioLevelUri, null);
    private static readonly RtpHeaderExtension Descriptor = new(MediaProfile.DescriptorExtensionId, null, RtpHeaderExtension.DependencyDescriptorUri, null);
    private static readonly RtpHeaderExtension TransportCc = new(MediaProfile.TransportCcExtensionId, null, RtpHeaderExtension.TransportWideCcUri, null);

    /// <summary>What a publisher asks the router to publish.</summary>
    public static IReadOnlyList<PublishRequest> PublishRequests { get; } =
        [new PublishRequest(MediaProfile.AudioMid, TrackSource.Microphone), new PublishRequest(MediaProfile.VideoMid, TrackSource.Camera)];

    /// <summary>A publisher's microphone and camera: sendonly; the camera in three encodings, lowest first
    /// (<c>a=rid:q send</c>, <c>a=rid:h send</c>, <c>a=rid:f send</c>, <c>a=simulcast:send q;h;f</c>, RFC 8853 §5.1).</summary>
    public static IEnumerable<MediaDescription> Publish()
    {
        yield return new MediaDescription
        {
            Media = "audio",
            Mid = MediaProfile.AudioMid,
            Direction = MediaDirection.SendOnly,
            Extensions = [Mid, AudioLevel],
            Codecs = [Opus],
        };
        yield return new MediaDescription
        {
            Media = "video",
            Mid = MediaProfile.VideoMid,
            Direction = MediaDirection.SendOnly,
            Extensions = [Mid, Rid, Descriptor],
            Codecs = [Vp8],
            Rids = [.. MediaProfile.Encodings.Select(e => new RidDescription(e.Rid, RidDirection.Send, []))],
            Simulcast = new SimulcastDescription([.. MediaProfile.Encodings.Select(e => (EquatableList<SimulcastStream>)[new SimulcastStream(e.Rid, false)])], []),
        };
    }

    /// <summary>One recvonly section per track, with mids from <paramref name="firstMid"/> on, each offering
    /// transport-cc; the requests name the track each section receives.</summary>
    public static (IReadOnlyList<MediaDescription> Sections, IReadOnlyList<SubscribeRequest> Requests) Subscribe(IEnumerable<Producer> tracks, int firstMid)
    {
        var sections = new List<MediaDescription>();
        var requests = new List<SubscribeRequest>();
        int mid = firstMid;
        foreach (Producer track in tracks)
        {
            string name = (mid++).ToString(CultureInfo.InvariantCulture);
            bool audio = track.Source.IsAudio();
            sections.Add(new MediaDescription
            {
                Media = audio ? "audio" : "video",
                Mid = name,
                Direction = MediaDirection.RecvOnly,
                Extensions = audio ? [Mid, AudioLevel, TransportCc] : [Mid, Descriptor, TransportCc],
                Codecs = [audio ? ReceivingOpus : ReceivingVp8],
            });
            requests.Add(new SubscribeRequest(name, track.Id));
        }
        return (sections, requests);
    }
}
