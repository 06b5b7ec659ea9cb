using System.Globalization;
using Conclave.Media.Transport.Sdp;
using Conclave.Sfu.Routing;

namespace Conclave.Bench.Sfu;

/// <summary>The m= sections of the simulated participants' offers, as Chromium writes them for a microphone, a
/// simulcast camera and one receiving section per remote track (the transport attributes are added by
/// <c>ClientMediaConnection.CreateOffer</c>).</summary>
internal static class OfferSections
{
    private static readonly Codec Opus = new(MediaProfile.OpusPayloadType, "opus", MediaProfile.AudioClockRate, 2,
        [new("minptime", "10"), new("useinbandfec", "1")], []);

    private static readonly Codec Vp8 = new(MediaProfile.Vp8PayloadType, "VP8", MediaProfile.VideoClockRate, null, [],
        [new("nack", null), new("nack", "pli"), new("ccm", "fir")]);

    private static readonly RtpHeaderExtension Mid = new(MediaProfile.MidExtensionId, null, RtpHeaderExtension.MidUri, null);
    private static readonly RtpHeaderExtension Rid = new(MediaProfile.RidExtensionId, null, RtpHeaderExtension.RtpStreamIdUri, null);
    private static readonly RtpHeaderExtension AudioLevel = new(MediaProfile.AudioLevelExtensionId, null, RtpHeaderExtension.AudioLevelUri, null);
    private static readonly RtpHeaderExtension Descriptor = new(MediaProfile.DescriptorExtensionId, null, RtpHeaderExtension.DependencyDescriptorUri, null);

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

    /// <summary>One recvonly section per track, with mids from <paramref name="firstMid"/> on; the requests name the
    /// track each section receives.</summary>
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
                Extensions = audio ? [Mid, AudioLevel] : [Mid, Descriptor],
                Codecs = [audio ? Opus : Vp8],
            });
            requests.Add(new SubscribeRequest(name, track.Id));
        }
        return (sections, requests);
    }
}
