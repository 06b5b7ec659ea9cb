using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Ice;

namespace Conclave.Media.Transport.Sdp;

/// <summary>What an ICE-lite, single-transport server needs from a WebRTC offer beyond what the parser checks, and
/// the transport parameters it carries (RFC 8829 §5.8 applies them from the first BUNDLEd section).</summary>
public sealed record WebRtcOffer(IceCredentials RemoteIce, DtlsFingerprint RemoteFingerprint, DtlsSetup Setup)
{
    /// <summary>The audio and video sections that are not rejected (port ≠ 0).</summary>
    public static IEnumerable<MediaDescription> MediaSections(SessionDescription offer) =>
        offer.Media.Where(m => m.IsRtp && m.Port != 0 && m.Kind is MediaKind.Audio or MediaKind.Video);

    /// <summary>RFC 8843 §6, §7.2: an offered section with port 0 and <c>a=bundle-only</c> that is in the BUNDLE
    /// group joins the BUNDLE transport; it is not rejected. Firefox offers every section but the first so under
    /// max-bundle. Such sections get the discard port 9 here, so the answer treats them as any other bundled section.</summary>
    public static SessionDescription WithBundleOnlySectionsActive(SessionDescription offer)
    {
        if (offer.BundleGroup is not { } bundle || !offer.Media.Any(m => IsBundleOnly(m, bundle))) return offer;
        return offer with { Media = offer.Media.Select(m => IsBundleOnly(m, bundle) ? m with { Port = 9 } : m).ToEquatableList() };
    }

    private static bool IsBundleOnly(MediaDescription m, SdpGroup bundle) =>
        m.Port == 0 && m.Mid is { } mid && bundle.Mids.Contains(mid) && m.OtherAttributes.Any(a => a.Name == "bundle-only");

    /// <summary>Reads the transport parameters, or says what is missing (a message for an API error).</summary>
    public static bool TryRead(SessionDescription offer, out WebRtcOffer? transport, out string? problem)
    {
        transport = null;
        var rtp = MediaSections(offer).ToList();
        problem = Check(offer, rtp);
        if (problem is not null) return false;
        MediaDescription first = rtp[0];
        var ice = new IceCredentials(first.IceUfrag ?? offer.IceUfrag!, first.IcePwd ?? offer.IcePwd!);
        transport = new WebRtcOffer(ice, Fingerprint(offer, first)!, first.Setup ?? offer.Setup ?? DtlsSetup.ActPass);
        return true;
    }

    private static string? Check(SessionDescription offer, List<MediaDescription> rtp)
    {
        if (rtp.Count == 0) return "the offer has no audio or video section";
        if (rtp.Count > 1 && (offer.BundleGroup is not { } bundle || rtp.Any(m => m.Mid is null || !bundle.Mids.Contains(m.Mid))))
            return "every audio and video section must be in one a=group:BUNDLE (RFC 8843): the server has one transport per peer";
        MediaDescription first = rtp[0];
        string? ufrag = first.IceUfrag ?? offer.IceUfrag, password = first.IcePwd ?? offer.IcePwd;
        if (ufrag is null || password is null) return "the offer has no a=ice-ufrag and a=ice-pwd (RFC 8839 §5.4)";
        if (!IceCredentials.IsValidUfrag(ufrag) || password.Length is < IceCredentials.MinPasswordLength or > IceCredentials.MaxLength || !IceCredentials.IsIceChars(password))
            return "the offer's a=ice-ufrag or a=ice-pwd is not valid (RFC 8839 §5.4: 4 and 22 to 256 ice-chars)";
        if (Fingerprint(offer, first) is null)
            return "the offer has no a=fingerprint with a supported hash function such as sha-256 (RFC 8122 §5, RFC 8827 §6.5)";
        if (rtp.Any(m => !m.RtcpMux))
            return "every section must use a=rtcp-mux (RFC 8829 §4.1.1): RTP and RTCP share one port";
        if ((first.Setup ?? offer.Setup) == DtlsSetup.HoldConn)
            return "a=setup:holdconn cannot be answered (RFC 8842 §5.1)";
        return null;
    }

    /// <summary>RFC 8122 §5: the first fingerprint with a hash DTLS can check, media level before session level.</summary>
    private static DtlsFingerprint? Fingerprint(SessionDescription offer, MediaDescription media)
    {
        foreach (SdpFingerprint candidate in media.Fingerprints.Concat(offer.Fingerprints))
        {
            if (candidate.TryGetDtlsFingerprint(out DtlsFingerprint? fingerprint)) return fingerprint;
        }
        return null;
    }
}
