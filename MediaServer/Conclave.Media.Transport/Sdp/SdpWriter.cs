using System.Globalization;
using System.Text;

namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// Writes a <see cref="SessionDescription"/> with CRLF line ends (RFC 8866 §5) in a canonical order: RFC 8866 §5 for
/// the line types, and for attributes the order Chromium's serializer (webrtc_sdp.cc) uses, so that a Chromium offer
/// comes back line for line:
/// <code>
/// session: group, extmap-allow-mixed, msid-semantic, ice-lite, ice-ufrag, ice-pwd, ice-options, fingerprint, setup, others
/// media:   rtcp, candidate*, end-of-candidates, ice-ufrag, ice-pwd, ice-options, fingerprint*, setup, mid,
///          extmap-allow-mixed, extmap*, direction, msid*, rtcp-mux, rtcp-rsize,
///          per payload type (m= order): rtpmap, rtcp-fb*, fmtp;  rtcp-fb:*, ssrc-group*, ssrc*, rid*, simulcast, others
/// </code>
/// </summary>
public static class SdpWriter
{
    /// <summary>Serialises <paramref name="sdp"/>.</summary>
    public static string Write(SessionDescription sdp)
    {
        ArgumentNullException.ThrowIfNull(sdp);
        var w = new StringBuilder(2048);
        var o = sdp.Origin;
        Line(w, $"v={sdp.Version}");
        Line(w, $"o={o.Username} {o.SessionId} {o.SessionVersion} {o.NetType} {o.AddressType} {o.Address}");
        Line(w, $"s={sdp.SessionName}");
        if (sdp.Information is not null) Line(w, $"i={sdp.Information}");
        if (sdp.Uri is not null) Line(w, $"u={sdp.Uri}");
        foreach (string e in sdp.Emails) Line(w, $"e={e}");
        foreach (string p in sdp.Phones) Line(w, $"p={p}");
        if (sdp.Connection is not null) Line(w, $"c={sdp.Connection}");
        foreach (var b in sdp.Bandwidths) Line(w, $"b={b.Type}:{b.Value}");
        if (sdp.Timings.Count == 0) throw new ArgumentException("a session description needs at least one t= line (RFC 8866 §5.9)", nameof(sdp));
        foreach (var t in sdp.Timings)
        {
            Line(w, $"t={t.Start} {t.Stop}");
            foreach (string r in t.Repeats) Line(w, $"r={r}");
        }
        if (sdp.TimeZones is not null) Line(w, $"z={sdp.TimeZones}");
        if (sdp.EncryptionKey is not null) Line(w, $"k={sdp.EncryptionKey}");

        foreach (var g in sdp.Groups) Line(w, g.Mids.Count == 0 ? $"a=group:{g.Semantics}" : $"a=group:{g.Semantics} {string.Join(' ', g.Mids)}");
        if (sdp.ExtmapAllowMixed) Line(w, "a=extmap-allow-mixed");
        if (sdp.MsidSemantic is { } ms)
            Line(w, ms.Identifiers.Count == 0 ? $"a=msid-semantic: {ms.Semantic}" : $"a=msid-semantic: {ms.Semantic} {string.Join(' ', ms.Identifiers)}");
        if (sdp.IceLite) Line(w, "a=ice-lite");
        WriteIceAndDtls(w, sdp.IceUfrag, sdp.IcePwd, sdp.IceOptions, sdp.Fingerprints, sdp.Setup);
        foreach (var a in sdp.OtherAttributes) Line(w, $"a={a}");

        foreach (var m in sdp.Media) WriteMedia(w, m);
        return w.ToString();
    }

    private static void WriteMedia(StringBuilder w, MediaDescription m)
    {
        string port = m.PortCount is { } n ? $"{m.Port}/{n}" : m.Port.ToString(CultureInfo.InvariantCulture);
        if (m.IsRtp && m.Formats.Count > 0)
            throw new ArgumentException($"m={m.Media} uses {m.Protocol}: its formats come from Codecs, not Formats", nameof(m));
        var formats = m.FormatTokens.ToList();
        if (formats.Count == 0) throw new ArgumentException($"m={m.Media} section has no formats (RFC 8866 §5.14)", nameof(m));
        Line(w, $"m={m.Media} {port} {m.Protocol} {string.Join(' ', formats)}");
        if (m.Information is not null) Line(w, $"i={m.Information}");
        foreach (var c in m.Connections) Line(w, $"c={c}");
        foreach (var b in m.Bandwidths) Line(w, $"b={b.Type}:{b.Value}");
        if (m.EncryptionKey is not null) Line(w, $"k={m.EncryptionKey}");

        if (m.Rtcp is { } rtcp) Line(w, rtcp.Connection is null ? $"a=rtcp:{rtcp.Port}" : $"a=rtcp:{rtcp.Port} {rtcp.Connection}");
        foreach (var c in m.Candidates) Line(w, "a=candidate:" + FormatCandidate(c));
        if (m.EndOfCandidates) Line(w, "a=end-of-candidates");
        WriteIceAndDtls(w, m.IceUfrag, m.IcePwd, m.IceOptions, m.Fingerprints, m.Setup);
        if (m.Mid is not null) Line(w, $"a=mid:{m.Mid}");
        if (m.ExtmapAllowMixed) Line(w, "a=extmap-allow-mixed");
        foreach (var e in m.Extensions)
        {
            string dir = e.Direction is { } d ? "/" + DirectionToken(d) : "";
            Line(w, e.Attributes is null ? $"a=extmap:{e.Id}{dir} {e.Uri}" : $"a=extmap:{e.Id}{dir} {e.Uri} {e.Attributes}");
        }
        if (m.Direction is { } direction) Line(w, "a=" + DirectionToken(direction));
        foreach (var msid in m.Msids) Line(w, $"a=msid:{msid}");
        if (m.RtcpMux) Line(w, "a=rtcp-mux");
        if (m.RtcpReducedSize) Line(w, "a=rtcp-rsize");
        foreach (var c in m.Codecs)
        {
            if (c.HasRtpmap) Line(w, $"a=rtpmap:{c.PayloadType} {c.RtpmapValue}");
            foreach (var fb in c.Feedback) Line(w, $"a=rtcp-fb:{c.PayloadType} {fb}");
            if (c.Parameters.Count > 0) Line(w, $"a=fmtp:{c.PayloadType} {string.Join(';', c.Parameters)}");
        }
        foreach (var fb in m.WildcardFeedback) Line(w, $"a=rtcp-fb:* {fb}");
        foreach (var g in m.SsrcGroups) Line(w, $"a=ssrc-group:{g.Semantics}" + string.Concat(g.Ssrcs.Select(s => " " + s.ToString(CultureInfo.InvariantCulture))));
        foreach (var s in m.Ssrcs) Line(w, s.Value is null ? $"a=ssrc:{s.Ssrc} {s.Name}" : $"a=ssrc:{s.Ssrc} {s.Name}:{s.Value}");
        foreach (var r in m.Rids)
        {
            string dir = r.Direction == RidDirection.Send ? "send" : "recv";
            Line(w, r.Restrictions.Count == 0 ? $"a=rid:{r.Id} {dir}" : $"a=rid:{r.Id} {dir} {string.Join(';', r.Restrictions)}");
        }
        if (m.Simulcast is { } sim) Line(w, "a=simulcast:" + FormatSimulcast(sim));
        foreach (var a in m.OtherAttributes) Line(w, $"a={a}");
    }

    private static void WriteIceAndDtls(StringBuilder w, string? ufrag, string? pwd, IReadOnlyList<string> options,
        IReadOnlyList<SdpFingerprint> fingerprints, DtlsSetup? setup)
    {
        if (ufrag is not null) Line(w, $"a=ice-ufrag:{ufrag}");
        if (pwd is not null) Line(w, $"a=ice-pwd:{pwd}");
        if (options.Count > 0) Line(w, $"a=ice-options:{string.Join(' ', options)}");
        foreach (var f in fingerprints) Line(w, $"a=fingerprint:{f}");
        if (setup is { } s) Line(w, "a=setup:" + SetupToken(s));
    }

    /// <summary>The candidate-attribute value (RFC 8839 §5.1), without <c>a=candidate:</c>.</summary>
    public static string FormatCandidate(IceCandidate c)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{c.Foundation} {c.Component} {c.Transport} {c.Priority} {c.Address} {c.Port} typ {IceCandidate.TypeToken(c.Type)}");
        if (c.RelatedAddress is not null) sb.Append(" raddr ").Append(c.RelatedAddress);
        if (c.RelatedPort is { } rport) sb.Append(" rport ").Append(rport.ToString(CultureInfo.InvariantCulture));
        foreach (var (k, v) in c.Extensions) sb.Append(' ').Append(k).Append(' ').Append(v);
        return sb.ToString();
    }

    /// <summary>The RFC 8853 §5.1 value, <c>send</c> list before <c>recv</c> list.</summary>
    public static string FormatSimulcast(SimulcastDescription sim)
    {
        static string List(EquatableList<EquatableList<SimulcastStream>> l) => string.Join(';', l.Select(alt => string.Join(',', alt)));
        var parts = new List<string>(2);
        if (sim.Send.Count > 0) parts.Add("send " + List(sim.Send));
        if (sim.Recv.Count > 0) parts.Add("recv " + List(sim.Recv));
        if (parts.Count == 0) throw new ArgumentException("a=simulcast needs a send or recv list (RFC 8853 §5.1)", nameof(sim));
        return string.Join(' ', parts);
    }

    /// <summary>The attribute name of a direction.</summary>
    public static string DirectionToken(MediaDirection d) => d switch
    {
        MediaDirection.SendRecv => "sendrecv",
        MediaDirection.SendOnly => "sendonly",
        MediaDirection.RecvOnly => "recvonly",
        MediaDirection.Inactive => "inactive",
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    /// <summary>The <c>a=setup</c> token of a role.</summary>
    public static string SetupToken(DtlsSetup s) => s switch
    {
        DtlsSetup.ActPass => "actpass",
        DtlsSetup.Active => "active",
        DtlsSetup.Passive => "passive",
        DtlsSetup.HoldConn => "holdconn",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    private static void Line(StringBuilder w, string line) => w.Append(line).Append("\r\n");
}
