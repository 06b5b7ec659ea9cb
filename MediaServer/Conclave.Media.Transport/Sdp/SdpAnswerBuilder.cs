using System.Globalization;

namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// Pure JSEP (RFC 8829 §5.3) answer building blocks for an ICE-lite, DTLS-server SFU, in the style of mediasoup's ortc.ts.
/// Each takes the offer's values and what the server supports and returns the answer's values.
/// </summary>
public static class SdpAnswerBuilder
{
    /// <summary>
    /// Codecs for the answer (JSEP §5.3.1): offered codecs the server supports, in offer order with the offer's payload
    /// types and fmtp; RTX only if its <c>apt</c> primary is kept (RFC 4588 §8.6); RED only if every payload type its fmtp
    /// names is kept; rtcp-fb intersected with the server's.
    /// </summary>
    public static EquatableList<Codec> NegotiateCodecs(IReadOnlyList<Codec> offered, IReadOnlyList<CodecCapability> supported)
    {
        var kept = new List<(Codec Codec, CodecCapability Cap)>();
        foreach (var codec in offered)
        {
            if (codec.Kind == CodecKind.Rtx || IsRed(codec)) continue;
            var cap = supported.FirstOrDefault(s => s.Matches(codec));
            if (cap is not null) kept.Add((codec, cap));
        }
        var keptPts = kept.Select(k => k.Codec.PayloadType).ToHashSet();
        var result = new List<Codec>();
        foreach (var codec in offered)
        {
            if (keptPts.Contains(codec.PayloadType))
            {
                var cap = kept.First(k => k.Codec.PayloadType == codec.PayloadType).Cap;
                result.Add(codec with { Feedback = IntersectFeedback(codec.Feedback, cap.Feedback) });
            }
            else if (codec.Kind == CodecKind.Rtx && codec.AssociatedPayloadType is { } apt && keptPts.Contains(apt)
                     && supported.FirstOrDefault(s => s.Matches(codec)) is { } rtxCap)
            {
                result.Add(codec with { Feedback = IntersectFeedback(codec.Feedback, rtxCap.Feedback) });
            }
            else if (IsRed(codec) && supported.FirstOrDefault(s => s.Matches(codec)) is { } redCap && RedPrimariesKept(codec, keptPts))
            {
                result.Add(codec with { Feedback = IntersectFeedback(codec.Feedback, redCap.Feedback) });
            }
        }
        return result.ToEquatableList();
    }

    private static bool IsRed(Codec c) => string.Equals(c.Name, "red", StringComparison.OrdinalIgnoreCase);

    private static bool RedPrimariesKept(Codec red, HashSet<int> kept)
    {
        // RFC 2198 §5 / RFC 8866: audio RED fmtp is "pt/pt/..."; video RED usually has no fmtp.
        foreach (var p in red.Parameters)
            foreach (string pt in p.Key.Split('/'))
                if (!int.TryParse(pt, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || !kept.Contains(n)) return false;
        return true;
    }

    /// <summary>Feedback present in both lists, in offer order.</summary>
    public static EquatableList<RtcpFeedback> IntersectFeedback(IReadOnlyList<RtcpFeedback> offered, IReadOnlyList<RtcpFeedback> supported) =>
        offered.Where(supported.Contains).ToEquatableList();

    /// <summary>
    /// Header extensions for the answer: offered URIs the server understands, keeping the offer's ids (RFC 8285 §6: the
    /// answerer may only use ids from the offer). An offered per-extension direction is mirrored.
    /// </summary>
    public static EquatableList<RtpHeaderExtension> NegotiateExtensions(IReadOnlyList<RtpHeaderExtension> offered, IReadOnlyList<string> supportedUris) =>
        offered.Where(e => supportedUris.Contains(e.Uri))
               .Select(e => e with { Direction = e.Direction is { } d ? Reverse(d) : null, Attributes = null })
               .ToEquatableList();

    /// <summary>The direction seen from the other side: sendonly ↔ recvonly.</summary>
    public static MediaDirection Reverse(MediaDirection d) => d switch
    {
        MediaDirection.SendOnly => MediaDirection.RecvOnly,
        MediaDirection.RecvOnly => MediaDirection.SendOnly,
        _ => d,
    };

    /// <summary>
    /// The answer direction (RFC 3264 §6.1, JSEP §5.3.1): the answerer may send only if the offerer receives and may
    /// receive only if the offerer sends; within that, <paramref name="desired"/> decides.
    /// </summary>
    public static MediaDirection AnswerDirection(MediaDirection offered, MediaDirection desired)
    {
        bool offerSends = offered is MediaDirection.SendRecv or MediaDirection.SendOnly;
        bool offerRecvs = offered is MediaDirection.SendRecv or MediaDirection.RecvOnly;
        bool send = offerRecvs && (desired is MediaDirection.SendRecv or MediaDirection.SendOnly);
        bool recv = offerSends && (desired is MediaDirection.SendRecv or MediaDirection.RecvOnly);
        return (send, recv) switch
        {
            (true, true) => MediaDirection.SendRecv,
            (true, false) => MediaDirection.SendOnly,
            (false, true) => MediaDirection.RecvOnly,
            _ => MediaDirection.Inactive,
        };
    }

    /// <summary>
    /// The answer's rids (RFC 8851 §5.4): each offered rid with its direction reversed; a <c>pt=</c> restriction is
    /// narrowed to the kept payload types, and a rid left with none is dropped.
    /// </summary>
    public static EquatableList<RidDescription> AnswerRids(IReadOnlyList<RidDescription> offered, IReadOnlyList<Codec> answerCodecs)
    {
        var pts = answerCodecs.Select(c => c.PayloadType.ToString(CultureInfo.InvariantCulture)).ToHashSet();
        var result = new List<RidDescription>();
        foreach (var rid in offered)
        {
            var restrictions = new List<FormatParameter>();
            bool drop = false;
            foreach (var r in rid.Restrictions)
            {
                if (r.Key == "pt")
                {
                    var keep = (r.Value ?? "").Split(',').Where(pts.Contains).ToList();
                    if (keep.Count == 0) { drop = true; break; }
                    restrictions.Add(r with { Value = string.Join(',', keep) });
                }
                else restrictions.Add(r);
            }
            if (!drop)
                result.Add(new RidDescription(rid.Id, rid.Direction == RidDirection.Send ? RidDirection.Recv : RidDirection.Send, restrictions.ToEquatableList()));
        }
        return result.ToEquatableList();
    }

    /// <summary>
    /// The answer's simulcast (RFC 8853 §5.3): the offer's <c>send</c> list becomes <c>recv</c> and vice versa, keeping
    /// only rids present in <paramref name="answerRids"/> and their paused state. Null when nothing is left.
    /// </summary>
    public static SimulcastDescription? AnswerSimulcast(SimulcastDescription? offered, IReadOnlyList<RidDescription> answerRids)
    {
        if (offered is null) return null;
        EquatableList<EquatableList<SimulcastStream>> Filter(EquatableList<EquatableList<SimulcastStream>> list, RidDirection dir) =>
            list.Select(alt => alt.Where(s => answerRids.Any(r => r.Id == s.Rid && r.Direction == dir)).ToEquatableList())
                .Where(alt => alt.Count > 0)
                .ToEquatableList();
        var answer = new SimulcastDescription(Filter(offered.Recv, RidDirection.Send), Filter(offered.Send, RidDirection.Recv));
        return answer.Send.Count + answer.Recv.Count == 0 ? null : answer;
    }

    /// <summary>
    /// The answer's <c>a=setup</c> (RFC 8842 §5.3): actpass or active → passive (the ICE-lite server is the DTLS
    /// server); passive → active.
    /// </summary>
    /// <exception cref="ArgumentException">holdconn, which WebRTC does not allow (RFC 8842 §5.1).</exception>
    public static DtlsSetup AnswerSetup(DtlsSetup offered) => offered switch
    {
        DtlsSetup.ActPass or DtlsSetup.Active => DtlsSetup.Passive,
        DtlsSetup.Passive => DtlsSetup.Active,
        _ => throw new ArgumentException("a=setup:holdconn cannot be answered (RFC 8842 §5.1)", nameof(offered)),
    };

    /// <summary>
    /// The answer's BUNDLE group (RFC 8843 §7.3): the offer's first BUNDLE group restricted to accepted mids, in order.
    /// </summary>
    public static SdpGroup? AnswerBundle(SessionDescription offer, IReadOnlySet<string> acceptedMids) =>
        offer.BundleGroup is { } g && g.Mids.Where(acceptedMids.Contains).ToEquatableList() is { Count: > 0 } mids
            ? new SdpGroup(SdpGroup.Bundle, mids)
            : null;

    /// <summary>
    /// A full answer for an ICE-lite DTLS server (JSEP §5.3): session-level <c>a=ice-lite</c>, the BUNDLE group echoed,
    /// each audio/video section answered with the blocks above; sections with no common codec, data channels and others
    /// are rejected with port 0 (JSEP §5.3.1).
    /// </summary>
    public static SessionDescription CreateAnswer(SessionDescription offer, AnswerOptions options)
    {
        var media = new List<MediaDescription>();
        var accepted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in offer.Media)
        {
            var caps = m.Kind switch
            {
                MediaKind.Audio => options.AudioCodecs,
                MediaKind.Video => options.VideoCodecs,
                _ => [],
            };
            var codecs = m.IsRtp && m.Port != 0 ? NegotiateCodecs(m.Codecs, caps) : [];
            if (codecs.Count == 0 || codecs.All(c => c.Kind == CodecKind.Rtx || CodecInfo.IsRepairFormat(c)))
            {
                media.Add(Reject(m));
                continue;
            }
            var setup = m.Setup ?? offer.Setup ?? DtlsSetup.ActPass;
            var rids = AnswerRids(m.Rids, codecs);
            if (m.Mid is not null) accepted.Add(m.Mid);
            media.Add(new MediaDescription
            {
                Media = m.Media,
                Port = 9,
                Protocol = m.Protocol,
                Connections = [SdpConnection.Placeholder],
                Candidates = options.Candidates,
                EndOfCandidates = options.Candidates.Count > 0,       // ICE-lite: all candidates are known (RFC 8838 §8.2)
                IceUfrag = options.IceUfrag,
                IcePwd = options.IcePwd,
                Fingerprints = [options.Fingerprint],
                Setup = AnswerSetup(setup),
                Mid = m.Mid,
                Extensions = NegotiateExtensions(m.Extensions, options.HeaderExtensions),
                ExtmapAllowMixed = m.ExtmapAllowMixed && options.ExtmapAllowMixed,       // RFC 8285 §6, as offered per section
                Direction = AnswerDirection(m.EffectiveDirection, options.DesiredDirection),
                RtcpMux = m.RtcpMux,
                RtcpReducedSize = m.RtcpReducedSize,
                Codecs = codecs,
                Rids = rids,
                Simulcast = AnswerSimulcast(m.Simulcast, rids),
            });
        }
        var bundle = AnswerBundle(offer, accepted);
        return new SessionDescription
        {
            Origin = SdpOrigin.ForServer(options.SessionId, 2),
            Groups = bundle is null ? [] : [bundle],
            ExtmapAllowMixed = offer.ExtmapAllowMixed && options.ExtmapAllowMixed,
            MsidSemantic = new MsidSemantic("WMS", []),
            IceLite = true,
            Media = media.ToEquatableList(),
        };
    }

    /// <summary>A rejected m= section (JSEP §5.3.1): port 0, the offer's formats, and its mid.</summary>
    public static MediaDescription Reject(MediaDescription offered) => new()
    {
        Media = offered.Media,
        Port = 0,
        Protocol = offered.Protocol,
        Formats = offered.Formats,
        Codecs = offered.Codecs.Take(1).Select(c => c with { Parameters = [], Feedback = [] }).ToEquatableList(),
        Connections = [SdpConnection.Placeholder],
        Mid = offered.Mid,
        Direction = MediaDirection.Inactive,
    };
}
