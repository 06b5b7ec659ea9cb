using System.Security.Cryptography;
using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Sdp;
using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Routing;

/// <summary>One answer of the <see cref="Router"/> to one peer's offer (JSEP, RFC 8829 §5.3), and the routing
/// changes it implies. Sections the client sends on become <see cref="Producer"/>s (answered recvonly); sections it
/// receives on get a <see cref="Consumer"/> of the named track (answered sendonly, with the consumer's
/// <c>a=ssrc</c> and <c>a=msid</c> = participant and track, RFC 8830); anything else is rejected (port 0).
/// Called under the router's lock.</summary>
internal sealed class SfuAnswer
{
    /// <summary>Opus for audio (RFC 7587); VP8 for video with NACK, PLI and FIR (RFC 4585, RFC 5104), and RTX
    /// (RFC 4588) toward subscribers that offer it, for retransmissions.</summary>
    private static readonly EquatableList<CodecCapability> AudioCodecs = [new CodecCapability("opus", 48000, 2, [], [])];

    private static readonly EquatableList<CodecCapability> VideoCodecs =
        [
            new CodecCapability("VP8", 90000, null, [], [new RtcpFeedback("nack", null), new RtcpFeedback("nack", "pli"), new RtcpFeedback("ccm", "fir")]),
            new CodecCapability("rtx", 90000, null, [], []),
        ];

    /// <summary>RFC 4585 §4.2 feedback value for transport-cc (draft-holmer-rmcat-transport-wide-cc-extensions-01 §4).</summary>
    private static readonly RtcpFeedback TransportCcFeedback = new("transport-cc", null);

    /// <summary>mid (RFC 8843) and rtp-stream-id (RFC 8852) bind streams to sections and simulcast encodings; the
    /// audio level (RFC 6464) drives the active speaker; the dependency descriptor tells keyframes and resolutions
    /// without reading payloads, and is forwarded to subscribers for their decoders.</summary>
    private static readonly EquatableList<string> Extensions =
        [RtpHeaderExtension.MidUri, RtpHeaderExtension.AudioLevelUri, RtpHeaderExtension.RtpStreamIdUri, RtpHeaderExtension.DependencyDescriptorUri];

    /// <summary>RFC 8285 §4.2: a one-byte extension element carries at most 16 bytes, so mids are kept to that.</summary>
    private const int MaxMidLength = 16;

    private readonly Router _router;
    private readonly SfuPeer _peer;
    private readonly SessionDescription _offer;
    private readonly IceCredentials _local;
    private readonly MediaEndpoint _endpoint;
    private readonly TimeProvider _time;

    internal SfuAnswer(Router router, SfuPeer peer, SessionDescription offer, IceCredentials local, MediaEndpoint endpoint, TimeProvider time)
    {
        _router = router;
        _peer = peer;
        _offer = offer;
        _local = local;
        _endpoint = endpoint;
        _time = time;
    }

    internal NegotiationResult Build(IReadOnlyList<PublishRequest> publish, IReadOnlyList<SubscribeRequest> subscribe)
    {
        if (publish.Select(p => p.Mid).Concat(subscribe.Select(s => s.Mid)).GroupBy(m => m, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            return NegotiationResult.Fail(NegotiationResult.BadTrack, $"mid '{twice.Key}' is both published or subscribed twice");
        if (_offer.Media.FirstOrDefault(m => m.Mid is { Length: > MaxMidLength }) is { } longMid)
            return NegotiationResult.Fail(NegotiationResult.BadSdp, $"a=mid:{longMid.Mid} is longer than {MaxMidLength} characters");
        var published = publish.ToDictionary(p => p.Mid, StringComparer.Ordinal);
        var subscribed = subscribe.ToDictionary(s => s.Mid, StringComparer.Ordinal);
        foreach (PublishRequest request in publish)
        {
            MediaDescription? section = _offer.Media.FirstOrDefault(m => m.Mid == request.Mid && m.Port != 0);
            if (section is null) return NegotiationResult.Fail(NegotiationResult.BadTrack, $"the offer has no active section with mid '{request.Mid}' to publish");
            if (section.Kind != (request.Source.IsAudio() ? MediaKind.Audio : MediaKind.Video))
                return NegotiationResult.Fail(NegotiationResult.BadTrack, $"mid '{request.Mid}' is {section.Media}, which cannot carry {request.Source.ToWire()}");
            if (section.EffectiveDirection is not (MediaDirection.SendOnly or MediaDirection.SendRecv))
                return NegotiationResult.Fail(NegotiationResult.BadTrack, $"mid '{request.Mid}' does not send (a=sendonly or a=sendrecv), so it cannot be published");
        }

        SessionDescription baseAnswer = SdpAnswerBuilder.CreateAnswer(_offer, new AnswerOptions
        {
            AudioCodecs = AudioCodecs,
            VideoCodecs = VideoCodecs,
            HeaderExtensions = Extensions,
            IceUfrag = _local.Ufrag,
            IcePwd = _local.Password,
            Fingerprint = SdpFingerprint.From(_endpoint.Certificate.Fingerprint),
            Candidates = [_endpoint.Listener.Options.CreateHostCandidate(_endpoint.Listener.LocalPort)],
            SessionId = (ulong)RandomNumberGenerator.GetInt32(int.MaxValue),
        });
        var offeredExtensions = WebRtcOffer.MediaSections(_offer).SelectMany(m => m.Extensions).ToList();
        int Offered(string uri) => offeredExtensions.FirstOrDefault(e => e.Uri == uri)?.Id ?? 0;
        _peer.Extensions = new PeerExtensions(Offered(RtpHeaderExtension.MidUri), Offered(RtpHeaderExtension.AudioLevelUri),
            Offered(RtpHeaderExtension.RtpStreamIdUri), Offered(RtpHeaderExtension.DependencyDescriptorUri));

        bool changed = false;
        var sections = new List<MediaDescription>(_offer.Media.Count);
        for (int i = 0; i < _offer.Media.Count; i++)
        {
            MediaDescription offered = _offer.Media[i], answered = baseAnswer.Media[i];
            string? mid = offered.Mid;
            if (mid is not null && answered.Port != 0 && published.TryGetValue(mid, out PublishRequest? publishing))
            {
                sections.Add(Publish(offered, answered, publishing, ref changed));
            }
            else if (mid is not null && answered.Port != 0 && subscribed.TryGetValue(mid, out SubscribeRequest? subscribing) && Subscribe(offered, answered, subscribing) is { } sending)
            {
                sections.Add(sending);
            }
            else
            {
                if (mid is not null) DropAt(mid, ref changed);
                sections.Add(answered.Port == 0 ? answered : SdpAnswerBuilder.Reject(offered));
            }
        }
        // Tracks and subscriptions whose sections left the offer end too.
        var offeredMids = _offer.Media.Where(m => m.Port != 0 && m.Mid is not null).Select(m => m.Mid!).ToHashSet(StringComparer.Ordinal);
        foreach (Producer gone in _peer.Producers.Where(p => !offeredMids.Contains(p.Mid) || !published.ContainsKey(p.Mid)).ToList())
        {
            _router.RemoveProducerLocked(gone);
            changed = true;
        }
        foreach (Consumer gone in _peer.Consumers.Where(c => !offeredMids.Contains(c.Mid) || !subscribed.ContainsKey(c.Mid)).ToList())
        {
            _router.RemoveConsumerLocked(gone);
        }

        var accepted = sections.Where(m => m.Port != 0 && m.Mid is not null).Select(m => m.Mid!).ToEquatableList();
        SessionDescription answer = baseAnswer with
        {
            Groups = accepted.Count > 0 ? [new SdpGroup(SdpGroup.Bundle, accepted)] : [],
            Media = sections.ToEquatableList(),
        };
        return new NegotiationResult(SdpWriter.Write(answer), null, null, changed);
    }

    private MediaDescription Publish(MediaDescription offered, MediaDescription answered, PublishRequest request, ref bool changed)
    {
        Codec chosen = answered.Codecs.First(c => c.Kind != CodecKind.Rtx);
        var codec = new RtpCodecParameters(chosen.Name, chosen.ClockRate, (byte)chosen.PayloadType);
        // RFC 8853 §5.3: the encodings the answer accepted, lowest first as the offer listed them (first alternatives).
        List<string> rids = answered.Simulcast is { } simulcast ? [.. simulcast.Recv.Where(a => a.Count > 0).Select(a => a[0].Rid)] : [];
        if (rids.Count > ProducerLayers.MaxLayerCount) rids.RemoveRange(ProducerLayers.MaxLayerCount, rids.Count - ProducerLayers.MaxLayerCount);
        Producer? existing = _peer.Producers.FirstOrDefault(p => p.Mid == offered.Mid);
        if (existing is null || existing.Source != request.Source || existing.Codec != codec
            || !existing.Streams.Select(s => s.Rid).Where(r => r is not null).SequenceEqual(rids))
        {
            if (existing is not null) _router.RemoveProducerLocked(existing);
            _router.AddProducerLocked(_peer, new Producer("t-" + RandomId(), _peer, offered.Mid!, request.Source, codec, rids, _time));
            changed = true;
        }
        // One codec in the answer: the publisher then sends exactly what subscribers will be offered.
        return answered with { Direction = MediaDirection.RecvOnly, Codecs = [chosen] };
    }

    private MediaDescription? Subscribe(MediaDescription offered, MediaDescription answered, SubscribeRequest request)
    {
        Producer? producer = _router.FindProducer(request.TrackId);
        bool sameKind = producer is not null && offered.Kind == (producer.Source.IsAudio() ? MediaKind.Audio : MediaKind.Video);
        Codec? theirs = producer is null ? null
            : offered.Codecs.FirstOrDefault(c => string.Equals(c.Name, producer.Codec.Name, StringComparison.OrdinalIgnoreCase) && c.ClockRate == producer.Codec.ClockRate);
        if (producer is null || producer.Peer == _peer || !sameKind || theirs is null
            || offered.EffectiveDirection is not (MediaDirection.RecvOnly or MediaDirection.SendRecv))
        {
            bool unused = false;
            DropAt(offered.Mid!, ref unused);
            return null;
        }
        var codec = new RtpCodecParameters(theirs.Name, theirs.ClockRate, (byte)theirs.PayloadType);
        // RFC 4588 §8.6: their rtx whose apt is the chosen codec, if the answer kept it (video only).
        Codec? rtx = answered.Codecs.FirstOrDefault(c => c.Kind == CodecKind.Rtx && c.AssociatedPayloadType == theirs.PayloadType);
        byte? rtxPayloadType = rtx is null ? null : (byte)rtx.PayloadType;
        Consumer? consumer = _peer.Consumers.FirstOrDefault(c => c.Mid == offered.Mid);
        // draft-holmer-rmcat-transport-wide-cc-extensions-01 §4: the extension and the feedback are negotiated
        // together; only on sections the SFU sends on, since the SFU gives publishers no transport-cc feedback.
        RtpHeaderExtension? transportCc = theirs.Feedback.Any(f => f.Type == TransportCcFeedback.Type && f.Parameter is null)
            ? offered.Extensions.FirstOrDefault(e => e.Uri == RtpHeaderExtension.TransportWideCcUri && e.Direction is null or MediaDirection.RecvOnly or MediaDirection.SendRecv)
            : null;
        var extensions = new ConsumerExtensions(
            offered.Extensions.FirstOrDefault(e => e.Uri == RtpHeaderExtension.MidUri)?.Id ?? 0,
            // RFC 8285 §5: an extension the subscriber offers sendonly is not one it wants to receive (Firefox's receivers).
            offered.Extensions.FirstOrDefault(e => e.Uri == RtpHeaderExtension.DependencyDescriptorUri
                && e.Direction is null or MediaDirection.RecvOnly or MediaDirection.SendRecv)?.Id ?? 0,
            _offer.ExtmapAllowMixed || offered.ExtmapAllowMixed,                    // RFC 8285 §6: session or section level
            transportCc?.Id ?? 0);
        if (consumer is null || consumer.Producer != producer || consumer.Codec != codec || consumer.RtxPayloadType != rtxPayloadType || consumer.Extensions != extensions)
        {
            if (consumer is not null) _router.RemoveConsumerLocked(consumer);
            uint ssrc = NewSsrc();
            (byte PayloadType, uint Ssrc)? retransmission = rtxPayloadType is byte pt ? (pt, NewSsrc(ssrc)) : null;
            consumer = new Consumer(producer, _peer, offered.Mid!, codec, extensions, ssrc, retransmission, _time);
            _router.AddConsumerLocked(consumer);
        }
        string stream = producer.Peer.ParticipantId;
        string msid = $"{stream} {producer.Id}";
        Codec answeredCodec = answered.Codecs.FirstOrDefault(c => c.PayloadType == theirs.PayloadType) ?? theirs with { Feedback = [] };
        if (transportCc is not null) answeredCodec = answeredCodec with { Feedback = [.. answeredCodec.Feedback, TransportCcFeedback] };
        var ssrcs = new List<SsrcAttribute> { new(consumer.Ssrc, "cname", stream), new(consumer.Ssrc, "msid", msid) };
        if (consumer.RtxSsrc is uint rtxSsrc)
        {
            ssrcs.Add(new SsrcAttribute(rtxSsrc, "cname", stream));
            ssrcs.Add(new SsrcAttribute(rtxSsrc, "msid", msid));
        }
        return answered with
        {
            Direction = MediaDirection.SendOnly,
            Extensions = transportCc is null ? answered.Extensions : [.. answered.Extensions, transportCc with { Direction = null }],
            Codecs = rtx is null ? [answeredCodec] : [answeredCodec, rtx],
            Msids = [new Msid(stream, producer.Id)],
            Ssrcs = ssrcs.ToEquatableList(),
            // RFC 5576 §4.2 / RFC 4588 §8.1: the retransmission stream is tied to its media stream.
            SsrcGroups = consumer.RtxSsrc is uint paired ? [new SsrcGroup("FID", [consumer.Ssrc, paired])] : [],
        };
    }

    private void DropAt(string mid, ref bool changed)
    {
        if (_peer.Producers.FirstOrDefault(p => p.Mid == mid) is { } producer)
        {
            _router.RemoveProducerLocked(producer);
            changed = true;
        }
        if (_peer.Consumers.FirstOrDefault(c => c.Mid == mid) is { } consumer) _router.RemoveConsumerLocked(consumer);
    }

    /// <summary>A random SSRC (RFC 3550 §8) not used by this peer's consumers (nor <paramref name="besides"/>).</summary>
    private uint NewSsrc(uint besides = 0)
    {
        while (true)
        {
            uint ssrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue) * 2u + (uint)RandomNumberGenerator.GetInt32(2);
            if (ssrc != besides && _peer.Consumers.All(c => c.Ssrc != ssrc && c.RtxSsrc != ssrc)) return ssrc;
        }
    }

    private static string RandomId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
