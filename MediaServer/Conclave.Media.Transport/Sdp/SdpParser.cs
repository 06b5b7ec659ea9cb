using System.Globalization;

namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// Parses an RFC 8866 session description (as used by JSEP, RFC 8829) into a <see cref="SessionDescription"/>.
/// Strict: every error is an <see cref="SdpParseException"/> that names the line and the rule.
/// <code>
/// session-description = version-field origin-field session-name-field [information-field] [uri-field]
///                       *email-field *phone-field [connection-field] *bandwidth-field 1*time-description
///                       [key-field] *attribute-field *media-description          ; RFC 8866 §9
/// media-description   = media-field [information-field] *connection-field *bandwidth-field [key-field]
///                       *attribute-field
/// </code>
/// Allocation is fine here: SDP is signaling, not the packet path.
/// </summary>
public static partial class SdpParser
{
    /// <summary>Largest accepted input, in characters (signaling messages are capped well below this too).</summary>
    public const int MaxLength = 64 * 1024;
    /// <summary>Most lines accepted.</summary>
    public const int MaxLines = 4096;
    /// <summary>Most m= sections accepted.</summary>
    public const int MaxMediaSections = 64;

    // RFC 8866 §5: the order of session-level and media-level line types.
    private const string SessionOrder = "vosiuepcbtrzka";
    private const string MediaOrder = "micbka";

    /// <summary>Parses <paramref name="sdp"/>; accepts CRLF or LF line ends.</summary>
    /// <exception cref="SdpParseException">The description is malformed; the message names the line and the rule.</exception>
    public static SessionDescription Parse(string sdp)
    {
        ArgumentNullException.ThrowIfNull(sdp);
        if (sdp.Length > MaxLength)
            throw new SdpParseException(0, null, $"SDP is {sdp.Length} characters; the limit is {MaxLength}");

        string[] lines = sdp.Split('\n');
        int count = lines.Length;
        if (count > 0 && lines[count - 1].Length == 0) count--;           // final line end
        if (count > MaxLines)
            throw new SdpParseException(0, null, $"SDP has {count} lines; the limit is {MaxLines}");
        if (count == 0) throw new SdpParseException(0, null, "SDP is empty");

        var session = new SessionBuilder();
        MediaBuilder? media = null;
        var sections = new List<MediaBuilder>();
        char previous = '\0';

        for (int i = 0; i < count; i++)
        {
            var line = new Line(i + 1, lines[i].EndsWith('\r') ? lines[i][..^1] : lines[i]);
            string text = line.Text;
            if (text.Length < 2 || text[1] != '=' || !char.IsAsciiLetterLower(text[0]))
                throw line.Error("line must have the form <type>=<value> (RFC 8866 §5)");
            if (text.AsSpan().IndexOfAny('\0', '\r') >= 0)
                throw line.Error("line contains NUL or a bare CR (RFC 8866 §9: text excludes NUL, CR, LF)");
            char type = text[0];
            string value = text[2..];

            if (i == 0 && type != 'v') throw line.Error("v= must be the first line (RFC 8866 §5)");
            if (i == 1 && type != 'o') throw line.Error("o= must follow v= (RFC 8866 §5)");
            if (i == 2 && type != 's') throw line.Error("s= must follow o= (RFC 8866 §5)");

            if (type == 'm')
            {
                if (session.Timings.Count == 0) throw line.Error("t= is required before the first m= line (RFC 8866 §5.9)");
                if (sections.Count == MaxMediaSections)
                    throw line.Error($"more than {MaxMediaSections} m= sections");
                media = ParseMediaLine(line, value);
                sections.Add(media);
                previous = 'm';
                continue;
            }

            if (media is null)
            {
                int rank = SessionOrder.IndexOf(type);
                if (rank < 0) throw line.Error($"unknown session-level line type '{type}=' (RFC 8866 §5)");
                int prevRank = previous == '\0' ? -1 : SessionOrder.IndexOf(previous);
                bool timeRepeat = type == 't' && previous == 'r';                  // (t= *r=) may repeat
                if (i > 0 && (rank < prevRank || (rank == prevRank && !"epbtra".Contains(type))) && !timeRepeat)
                    throw line.Error($"{type}= is out of order or repeated (RFC 8866 §5)");
                if (type == 'a' && session.Timings.Count == 0)
                    throw line.Error("t= is required before attributes (RFC 8866 §5.9)");
                ParseSessionLine(session, line, type, value);
            }
            else
            {
                int rank = MediaOrder.IndexOf(type);
                if (rank < 0) throw line.Error($"line type '{type}=' is not allowed in a media description (RFC 8866 §5)");
                int prevRank = MediaOrder.IndexOf(previous);
                if (rank < prevRank || (rank == prevRank && !"cba".Contains(type)))
                    throw line.Error($"{type}= is out of order or repeated in the media description (RFC 8866 §5)");
                ParseMediaFieldLine(media, line, type, value);
            }
            previous = type;
        }

        if (session.Timings.Count == 0) throw new SdpParseException(count, null, "SDP has no t= line (RFC 8866 §5.9)");

        var built = new List<MediaDescription>(sections.Count);
        var mids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var section in sections)
        {
            built.Add(section.Build());
            if (section.Mid is { } mid)
            {
                if (!mids.TryAdd(mid.Value, mid.Line.Number))
                    throw mid.Line.Error($"duplicate mid '{mid.Value}' (first on line {mids[mid.Value]}; RFC 5888 §4)");
            }
        }
        foreach (var (group, groupLine) in session.GroupLines)
            foreach (string mid in group.Mids)
                if (!mids.ContainsKey(mid))
                    throw groupLine.Error($"group:{group.Semantics} names mid '{mid}' that no m= section has (RFC 5888 §5)");

        return session.Build(built);
    }

    private static void ParseSessionLine(SessionBuilder s, Line line, char type, string value)
    {
        switch (type)
        {
            case 'v':
                if (value != "0") throw line.Error("v= must be 0 (RFC 8866 §5.1)");
                break;
            case 'o':
            {
                string[] f = value.Split(' ');
                if (f.Length != 6) throw line.Error("o= needs 6 fields (RFC 8866 §5.2)");
                if (f[1].Length == 0 || !f[1].All(char.IsAsciiDigit)) throw line.Error("o= sess-id must be digits (RFC 8866 §5.2)");
                if (!ulong.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out ulong version))
                    throw line.Error("o= sess-version must be an integer (RFC 8866 §5.2)");
                s.Origin = new SdpOrigin(f[0], f[1], version, f[3], f[4], f[5]);
                break;
            }
            case 's':
                if (value.Length == 0) throw line.Error("s= must not be empty; use \"s= \" or \"s=-\" (RFC 8866 §5.3)");
                s.SessionName = value;
                break;
            case 'i': s.Information = value; break;
            case 'u': s.Uri = value; break;
            case 'e': s.Emails.Add(value); break;
            case 'p': s.Phones.Add(value); break;
            case 'c': s.Connection = ParseConnection(line, value); break;
            case 'b': s.Bandwidths.Add(ParseBandwidth(line, value)); break;
            case 't':
            {
                string[] f = value.Split(' ');
                if (f.Length != 2
                    || !ulong.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start)
                    || !ulong.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong stop))
                    throw line.Error("t= needs <start-time> <stop-time> (RFC 8866 §5.9)");
                s.Timings.Add((start, stop, new List<string>()));
                break;
            }
            case 'r':
                if (s.Timings.Count == 0) throw line.Error("r= must follow a t= line (RFC 8866 §5.10)");
                s.Timings[^1].Repeats.Add(value);
                break;
            case 'z': s.TimeZones = value; break;
            case 'k': s.EncryptionKey = value; break;
            case 'a': ParseSessionAttribute(s, line, value); break;
        }
    }

    private static void ParseSessionAttribute(SessionBuilder s, Line line, string value)
    {
        var (name, attr) = SplitAttributeLine(line, value);
        switch (name)
        {
            case "group":
            {
                string[] f = RequireValue(line, name, attr).Split(' ');
                var group = new SdpGroup(f[0], f.Skip(1).ToEquatableList());
                s.Groups.Add(group);
                s.GroupLines.Add((group, line));
                break;
            }
            case "extmap-allow-mixed": s.ExtmapAllowMixed = Flag(line, name, attr, s.ExtmapAllowMixed); break;
            case "ice-lite": s.IceLite = Flag(line, name, attr, s.IceLite); break;
            case "msid-semantic":
            {
                string[] f = RequireValue(line, name, attr).Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length == 0) throw line.Error("a=msid-semantic needs a semantic token");
                if (s.MsidSemantic is not null) throw line.Error("duplicate a=msid-semantic");
                s.MsidSemantic = new MsidSemantic(f[0], f.Skip(1).ToEquatableList());
                break;
            }
            case "ice-ufrag": s.IceUfrag = Single(line, name, s.IceUfrag, ParseIceChars(line, name, attr, 4)); break;
            case "ice-pwd": s.IcePwd = Single(line, name, s.IcePwd, ParseIceChars(line, name, attr, 22)); break;
            case "ice-options": s.IceOptions.AddRange(RequireValue(line, name, attr).Split(' ', StringSplitOptions.RemoveEmptyEntries)); break;
            case "fingerprint": s.Fingerprints.Add(ParseFingerprint(line, attr)); break;
            case "setup": s.Setup = Single(line, name, s.Setup, ParseSetup(line, attr)); break;
            default: s.Other.Add(new SdpAttribute(name, attr)); break;
        }
    }

    private static MediaBuilder ParseMediaLine(Line line, string value)
    {
        // RFC 8866 §5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ...
        string[] f = value.Split(' ');
        if (f.Length < 4 || f.Any(x => x.Length == 0)) throw line.Error("m= line needs at least 4 fields (RFC 8866 §5.14)");
        string portText = f[1];
        int? portCount = null;
        int slash = portText.IndexOf('/');
        if (slash >= 0)
        {
            if (!int.TryParse(portText[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
                throw line.Error("m= number of ports must be a positive integer (RFC 8866 §5.14)");
            portCount = n;
            portText = portText[..slash];
        }
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
            throw line.Error("m= port must be an integer 0–65535 (RFC 8866 §5.14)");

        var m = new MediaBuilder(line, f[0], port, portCount, f[2]);
        foreach (string fmt in f.Skip(3))
        {
            if (m.IsRtp)
            {
                if (!int.TryParse(fmt, NumberStyles.None, CultureInfo.InvariantCulture, out int pt) || pt > 127)
                    throw line.Error($"RTP format '{fmt}' must be a payload type 0–127 (RFC 3550 §5.1)");
                if (m.PayloadTypes.ContainsKey(pt)) throw line.Error($"payload type {pt} listed twice");
                m.PayloadTypes.Add(pt, new CodecBuilder(pt));
                m.PayloadOrder.Add(pt);
            }
            else
            {
                m.Formats.Add(fmt);
            }
        }
        return m;
    }

    private static void ParseMediaFieldLine(MediaBuilder m, Line line, char type, string value)
    {
        switch (type)
        {
            case 'i': m.Information = value; break;
            case 'c': m.Connections.Add(ParseConnection(line, value)); break;
            case 'b': m.Bandwidths.Add(ParseBandwidth(line, value)); break;
            case 'k': m.EncryptionKey = value; break;
            case 'a': ParseMediaAttribute(m, line, value); break;
        }
    }

    private static SdpConnection ParseConnection(Line line, string value)
    {
        string[] f = value.Split(' ');
        if (f.Length != 3 || f.Any(x => x.Length == 0)) throw line.Error("c= needs <nettype> <addrtype> <connection-address> (RFC 8866 §5.7)");
        return new SdpConnection(f[0], f[1], f[2]);
    }

    private static SdpBandwidth ParseBandwidth(Line line, string value)
    {
        int colon = value.IndexOf(':');
        if (colon <= 0 || !ulong.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out ulong bw))
            throw line.Error("b= needs <bwtype>:<bandwidth> (RFC 8866 §5.8)");
        return new SdpBandwidth(value[..colon], bw);
    }

    private static SdpFingerprint ParseFingerprint(Line line, string? attr)
    {
        // RFC 8122 §5: fingerprint-attribute = "fingerprint" ":" hash-func SP fingerprint; fingerprint = 2UHEX *(":" 2UHEX)
        string v = RequireValue(line, "fingerprint", attr);
        int sp = v.IndexOf(' ');
        if (sp <= 0) throw line.Error("a=fingerprint needs <hash-func> <hex> (RFC 8122 §5)");
        string hash = v[..sp];
        string[] pairs = v[(sp + 1)..].Split(':');
        var bytes = new byte[pairs.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            if (pairs[i].Length != 2 || !byte.TryParse(pairs[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
                throw line.Error("a=fingerprint value must be hex byte pairs separated by ':' (RFC 8122 §5)");
        }
        if (SdpFingerprint.ExpectedLength(hash) is { } expected && expected != bytes.Length)
            throw line.Error($"a=fingerprint {hash} must have {expected} bytes, not {bytes.Length} (RFC 8122 §5)");
        return new SdpFingerprint(hash, EquatableList<byte>.Wrap(bytes));
    }

    private static DtlsSetup ParseSetup(Line line, string? attr) => attr switch
    {
        "actpass" => DtlsSetup.ActPass,
        "active" => DtlsSetup.Active,
        "passive" => DtlsSetup.Passive,
        "holdconn" => DtlsSetup.HoldConn,
        _ => throw line.Error("a=setup must be actpass, active, passive or holdconn (RFC 4145 §4)"),
    };

    private static string ParseIceChars(Line line, string name, string? attr, int minLength)
    {
        // RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/"; ufrag 4–256 chars, pwd 22–256 chars.
        string v = RequireValue(line, name, attr);
        if (v.Length < minLength || v.Length > 256 || !v.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/'))
            throw line.Error($"a={name} must be {minLength}–256 ice-chars (RFC 8839 §5.4)");
        return v;
    }

    private static (string Name, string? Value) SplitAttribute(string value)
    {
        int colon = value.IndexOf(':');
        return colon < 0 ? (value, null) : (value[..colon], value[(colon + 1)..]);
    }

    private static (string Name, string? Value) SplitAttributeLine(Line line, string value)
    {
        // RFC 8866 §5.13: attribute = (attribute-name ":" attribute-value) / attribute-name; attribute-name = token
        var (name, attr) = SplitAttribute(value);
        if (name.Length == 0 || name.Any(c => c <= ' ' || c >= 0x7F))
            throw line.Error("a= needs an attribute name token (RFC 8866 §5.13)");
        return (name, attr);
    }

    private static string RequireValue(Line line, string name, string? value) =>
        string.IsNullOrEmpty(value) ? throw line.Error($"a={name} needs a value") : value;

    private static bool Flag(Line line, string name, string? value, bool already)
    {
        if (value is not null) throw line.Error($"a={name} takes no value");
        if (already) throw line.Error($"duplicate a={name}");
        return true;
    }

    private static T Single<T>(Line line, string name, T? existing, T value)
    {
        if (existing is not null) throw line.Error($"duplicate a={name}");
        return value;
    }

    private static int ParseInt(Line line, string text, string what, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
            throw line.Error($"{what} must be an integer {min}–{max}");
        return v;
    }

    private readonly record struct Line(int Number, string Text)
    {
        public SdpParseException Error(string rule) => new(Number, Text, rule);
    }
}
