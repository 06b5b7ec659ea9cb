using System.Globalization;

namespace Conclave.Media.Transport.Sdp;

public static partial class SdpParser
{
    private static void ParseMediaAttribute(MediaBuilder m, Line line, string value)
    {
        var (name, attr) = SplitAttributeLine(line, value);
        switch (name)
        {
            case "rtcp":
            {
                // RFC 3605 §2.1: rtcp-attribute = "a=rtcp:" port [nettype space addrtype space connection-address]
                string[] f = RequireValue(line, name, attr).Split(' ');
                if (f.Length is not (1 or 4) || f.Any(x => x.Length == 0)) throw line.Error("a=rtcp needs <port> [<nettype> <addrtype> <address>] (RFC 3605 §2.1)");
                int port = ParseInt(line, f[0], "a=rtcp port", 0, 65535);
                m.Rtcp = Single(line, name, m.Rtcp, new RtcpAddress(port, f.Length == 4 ? new SdpConnection(f[1], f[2], f[3]) : null));
                break;
            }
            case "candidate": m.Candidates.Add(ParseCandidate(line, RequireValue(line, name, attr))); break;
            case "end-of-candidates": m.EndOfCandidates = Flag(line, name, attr, m.EndOfCandidates); break;
            case "ice-ufrag": m.IceUfrag = Single(line, name, m.IceUfrag, ParseIceChars(line, name, attr, 4)); break;
            case "ice-pwd": m.IcePwd = Single(line, name, m.IcePwd, ParseIceChars(line, name, attr, 22)); break;
            case "ice-options": m.IceOptions.AddRange(RequireValue(line, name, attr).Split(' ', StringSplitOptions.RemoveEmptyEntries)); break;
            case "fingerprint": m.Fingerprints.Add(ParseFingerprint(line, attr)); break;
            case "setup": m.Setup = Single(line, name, m.Setup, ParseSetup(line, attr)); break;
            case "mid":
                // RFC 5888 §4 / RFC 8843 §15.2: identification-tag = token (at most 16 chars so it fits the MID extension).
                if (m.Mid is not null) throw line.Error("duplicate a=mid in one m= section");
                if (RequireValue(line, name, attr).Any(c => c <= ' ' || c >= 0x7F))
                    throw line.Error("a=mid must be a token (RFC 5888 §4)");
                m.Mid = (attr!, line);
                break;
            case "extmap-allow-mixed": m.ExtmapAllowMixed = Flag(line, name, attr, m.ExtmapAllowMixed); break;
            case "extmap": m.Extensions.Add(ParseExtmap(m, line, RequireValue(line, name, attr))); break;
            case "sendrecv" or "sendonly" or "recvonly" or "inactive":
                if (attr is not null) throw line.Error($"a={name} takes no value");
                if (m.Direction is not null) throw line.Error("more than one direction attribute (RFC 8866 §6.7)");
                m.Direction = name switch
                {
                    "sendonly" => MediaDirection.SendOnly,
                    "recvonly" => MediaDirection.RecvOnly,
                    "inactive" => MediaDirection.Inactive,
                    _ => MediaDirection.SendRecv,
                };
                break;
            case "msid":
            {
                string[] f = RequireValue(line, name, attr).Split(' ');
                if (f.Length > 2 || f.Any(x => x.Length == 0)) throw line.Error("a=msid needs <stream id> [<track id>] (RFC 8830 §2)");
                m.Msids.Add(new Msid(f[0], f.Length == 2 ? f[1] : null));
                break;
            }
            case "rtcp-mux": m.RtcpMux = Flag(line, name, attr, m.RtcpMux); break;
            case "rtcp-rsize": m.RtcpReducedSize = Flag(line, name, attr, m.RtcpReducedSize); break;
            case "rtpmap": ParseRtpmap(m, line, RequireValue(line, name, attr)); break;
            case "fmtp" when m.IsRtp: ParseFmtp(m, line, attr); break;
            case "rtcp-fb": ParseRtcpFeedback(m, line, RequireValue(line, name, attr)); break;
            case "ssrc":
            {
                // RFC 5576 §4.1: ssrc-attr = "ssrc:" ssrc-id SP attribute [":" value]
                string v = RequireValue(line, name, attr);
                int sp = v.IndexOf(' ');
                if (sp <= 0 || !uint.TryParse(v[..sp], NumberStyles.None, CultureInfo.InvariantCulture, out uint ssrc))
                    throw line.Error("a=ssrc needs <ssrc-id> <attribute>[:<value>] (RFC 5576 §4.1)");
                var (an, av) = SplitAttribute(v[(sp + 1)..]);
                if (an.Length == 0) throw line.Error("a=ssrc needs an attribute name (RFC 5576 §4.1)");
                m.Ssrcs.Add(new SsrcAttribute(ssrc, an, av));
                break;
            }
            case "ssrc-group":
            {
                // RFC 5576 §4.2: ssrc-group-attr = "ssrc-group:" semantics *(SP ssrc-id)
                string[] f = RequireValue(line, name, attr).Split(' ');
                var ssrcs = new uint[f.Length - 1];
                for (int i = 1; i < f.Length; i++)
                    if (!uint.TryParse(f[i], NumberStyles.None, CultureInfo.InvariantCulture, out ssrcs[i - 1]))
                        throw line.Error("a=ssrc-group SSRCs must be 32-bit integers (RFC 5576 §4.2)");
                m.SsrcGroups.Add(new SsrcGroup(f[0], EquatableList<uint>.Wrap(ssrcs)));
                break;
            }
            case "rid": m.Rids.Add(ParseRid(m, line, RequireValue(line, name, attr))); break;
            case "simulcast":
                if (m.Simulcast is not null) throw line.Error("duplicate a=simulcast (RFC 8853 §5.1)");
                m.Simulcast = (ParseSimulcast(line, RequireValue(line, name, attr)), line);
                break;
            default: m.Other.Add(new SdpAttribute(name, attr)); break;
        }
    }

    private static IceCandidate ParseCandidate(Line line, string v)
    {
        // RFC 8839 §5.1
        string[] f = v.Split(' ');
        if (f.Length < 8 || f[6] != "typ" || f.Any(x => x.Length == 0)) throw line.Error("a=candidate needs <foundation> <component> <transport> <priority> <address> <port> typ <type> (RFC 8839 §5.1)");
        if (f[0].Length is 0 or > 32) throw line.Error("a=candidate foundation must be 1–32 ice-chars (RFC 8839 §5.1)");
        int component = ParseInt(line, f[1], "a=candidate component-id", 1, 256);
        if (!uint.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out uint priority) || priority == 0)
            throw line.Error("a=candidate priority must be an integer 1–2^31-1 (RFC 8839 §5.1)");
        int port = ParseInt(line, f[5], "a=candidate port", 0, 65535);
        var type = f[7] switch
        {
            "host" => IceCandidateType.Host,
            "srflx" => IceCandidateType.ServerReflexive,
            "prflx" => IceCandidateType.PeerReflexive,
            "relay" => IceCandidateType.Relay,
            _ => throw line.Error("a=candidate type must be host, srflx, prflx or relay (RFC 8839 §5.1)"),
        };
        string? raddr = null;
        int? rport = null;
        int i = 8;
        if (i + 1 < f.Length && f[i] == "raddr") { raddr = f[i + 1]; i += 2; }
        if (i + 1 < f.Length && f[i] == "rport") { rport = ParseInt(line, f[i + 1], "a=candidate rport", 0, 65535); i += 2; }
        if ((f.Length - i) % 2 != 0) throw line.Error("a=candidate extension attributes must be name/value pairs (RFC 8839 §5.1)");
        var ext = new List<KeyValuePair<string, string>>();
        for (; i < f.Length; i += 2) ext.Add(new(f[i], f[i + 1]));
        return new IceCandidate(f[0], component, f[2], priority, f[4], port, type, raddr, rport, ext.ToEquatableList());
    }

    private static RtpHeaderExtension ParseExtmap(MediaBuilder m, Line line, string v)
    {
        // RFC 8285 §8: extmap = mapentry SP extensionname [SP extensionattributes]; mapentry = "extmap:" 1*5DIGIT ["/" direction]
        string[] f = v.Split(' ', 3);
        if (f.Length < 2 || f[1].Length == 0) throw line.Error("a=extmap needs <id>[/<direction>] <URI> (RFC 8285 §8)");
        string idText = f[0];
        MediaDirection? direction = null;
        int slash = idText.IndexOf('/');
        if (slash >= 0)
        {
            direction = idText[(slash + 1)..] switch
            {
                "sendrecv" => MediaDirection.SendRecv,
                "sendonly" => MediaDirection.SendOnly,
                "recvonly" => MediaDirection.RecvOnly,
                "inactive" => MediaDirection.Inactive,
                _ => throw line.Error("a=extmap direction must be sendrecv, sendonly, recvonly or inactive (RFC 8285 §8)"),
            };
            idText = idText[..slash];
        }
        // RFC 8285 §5: one-byte ids 1–14, two-byte ids 1–255.
        int id = ParseInt(line, idText, "a=extmap id (RFC 8285 §5)", 1, 255);
        foreach (var e in m.Extensions)
            if (e.Id == id) throw line.Error($"a=extmap id {id} is already mapped to {e.Uri} (RFC 8285 §6)");
        return new RtpHeaderExtension(id, direction, f[1], f.Length == 3 ? f[2] : null);
    }

    private static CodecBuilder CodecFor(MediaBuilder m, Line line, string ptText, string attribute)
    {
        if (!m.IsRtp) throw line.Error($"a={attribute} in a non-RTP m= section");
        if (!int.TryParse(ptText, NumberStyles.None, CultureInfo.InvariantCulture, out int pt))
            throw line.Error($"a={attribute} needs a payload type (RFC 8866 §6)");
        return m.PayloadTypes.TryGetValue(pt, out var codec)
            ? codec
            : throw line.Error($"a={attribute} for payload type {pt}, which the m= line does not list (RFC 8866 §6)");
    }

    private static void ParseRtpmap(MediaBuilder m, Line line, string v)
    {
        // RFC 8866 §6.6: a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
        int sp = v.IndexOf(' ');
        if (sp < 0) throw line.Error("a=rtpmap needs <payload type> <encoding name>/<clock rate> (RFC 8866 §6.6)");
        var codec = CodecFor(m, line, v[..sp], "rtpmap");
        if (codec.Rtpmap is not null) throw line.Error($"duplicate a=rtpmap for payload type {codec.PayloadType}");
        string[] f = v[(sp + 1)..].Split('/');
        if (f.Length is < 2 or > 3 || f[0].Length == 0)
            throw line.Error("a=rtpmap needs <encoding name>/<clock rate>[/<encoding parameters>] (RFC 8866 §6.6)");
        int clock = ParseInt(line, f[1], "a=rtpmap clock rate", 1, int.MaxValue);
        int? channels = f.Length == 3 ? ParseInt(line, f[2], "a=rtpmap encoding parameters", 1, 255) : null;
        codec.Rtpmap = (f[0], clock, channels);
    }

    private static void ParseFmtp(MediaBuilder m, Line line, string? attr)
    {
        // RFC 8866 §6.15: a=fmtp:<format> <format specific parameters>
        string v = RequireValue(line, "fmtp", attr);
        int sp = v.IndexOf(' ');
        if (sp < 0) throw line.Error("a=fmtp needs <payload type> <parameters> (RFC 8866 §6.15)");
        var codec = CodecFor(m, line, v[..sp], "fmtp");
        if (codec.Parameters is not null) throw line.Error($"duplicate a=fmtp for payload type {codec.PayloadType}");
        codec.Parameters = ParseParameters(v[(sp + 1)..]);
    }

    private static List<FormatParameter> ParseParameters(string text)
    {
        var list = new List<FormatParameter>();
        foreach (string raw in text.Split(';'))
        {
            string p = raw.Trim();
            if (p.Length == 0) continue;
            int eq = p.IndexOf('=');
            list.Add(eq < 0 ? new FormatParameter(p, null) : new FormatParameter(p[..eq], p[(eq + 1)..]));
        }
        return list;
    }

    private static void ParseRtcpFeedback(MediaBuilder m, Line line, string v)
    {
        // RFC 4585 §4.2: rtcp-fb-syntax = "a=rtcp-fb:" rtcp-fb-pt SP rtcp-fb-val; rtcp-fb-pt = "*" / fmt
        string[] f = v.Split(' ', 3);
        if (f.Length < 2 || f[1].Length == 0) throw line.Error("a=rtcp-fb needs <payload type> <type> [<parameter>] (RFC 4585 §4.2)");
        var fb = new RtcpFeedback(f[1], f.Length == 3 ? f[2] : null);
        if (f[0] == "*")
        {
            m.WildcardFeedback.Add(fb);
            return;
        }
        if (!m.IsRtp) throw line.Error("a=rtcp-fb in a non-RTP m= section");
        if (!int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pt)) throw line.Error("a=rtcp-fb needs a payload type (RFC 8866 §6)");
        // Feedback for a payload type the m= line does not list describes nothing and is ignored: Firefox keeps
        // such lines for the codecs setCodecPreferences removed.
        if (m.PayloadTypes.TryGetValue(pt, out var codec)) codec.Feedback.Add(fb);
    }

    private static RidDescription ParseRid(MediaBuilder m, Line line, string v)
    {
        // RFC 8851 §10: rid-syntax = "a=rid:" rid-id SP rid-dir [SP rid-param-list]; rid-id = 1*(alpha-numeric / "-" / "_")
        string[] f = v.Split(' ', 3);
        if (f.Length < 2) throw line.Error("a=rid needs <rid-id> send|recv (RFC 8851 §10)");
        string id = f[0];
        if (!IsRidId(id)) throw line.Error("a=rid id must be alphanumerics, '-' or '_' (RFC 8851 §10)");
        var dir = f[1] switch
        {
            "send" => RidDirection.Send,
            "recv" => RidDirection.Recv,
            _ => throw line.Error("a=rid direction must be send or recv (RFC 8851 §10)"),
        };
        if (m.Rids.Any(r => r.Id == id)) throw line.Error($"duplicate a=rid '{id}' (RFC 8851 §4)");
        var restrictions = f.Length == 3 ? ParseParameters(f[2]) : [];
        foreach (var r in restrictions)
        {
            if (r.Key != "pt") continue;
            foreach (string pt in (r.Value ?? "").Split(','))
            {
                if (!int.TryParse(pt, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || !m.PayloadTypes.ContainsKey(n))
                    throw line.Error($"a=rid pt= names '{pt}', which the m= line does not list (RFC 8851 §4)");
            }
        }
        return new RidDescription(id, dir, restrictions.ToEquatableList());
    }

    private static bool IsRidId(string id) => id.Length > 0 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static SimulcastDescription ParseSimulcast(Line line, string v)
    {
        // RFC 8853 §5.1: sc-value = ( sc-send [SP sc-recv] ) / ( sc-recv [SP sc-send] )
        string[] f = v.Trim().Split(' ');
        if (f.Length is not (2 or 4)) throw line.Error("a=simulcast needs send <list> and/or recv <list> (RFC 8853 §5.1)");
        EquatableList<EquatableList<SimulcastStream>>? send = null, recv = null;
        for (int i = 0; i < f.Length; i += 2)
        {
            var list = ParseSimulcastList(line, f[i + 1]);
            switch (f[i])
            {
                case "send" when send is null: send = list; break;
                case "recv" when recv is null: recv = list; break;
                default: throw line.Error("a=simulcast direction must be send or recv, each at most once (RFC 8853 §5.1)");
            }
        }
        return new SimulcastDescription(send ?? [], recv ?? []);
    }

    private static EquatableList<EquatableList<SimulcastStream>> ParseSimulcastList(Line line, string text)
    {
        var streams = new List<EquatableList<SimulcastStream>>();
        foreach (string alt in text.Split(';'))
        {
            var alternatives = new List<SimulcastStream>();
            foreach (string token in alt.Split(','))
            {
                bool paused = token.StartsWith('~');
                string rid = paused ? token[1..] : token;
                if (!IsRidId(rid)) throw line.Error($"a=simulcast rid '{token}' is not a valid rid-id (RFC 8853 §5.1)");
                alternatives.Add(new SimulcastStream(rid, paused));
            }
            streams.Add(alternatives.ToEquatableList());
        }
        return streams.ToEquatableList();
    }
}
