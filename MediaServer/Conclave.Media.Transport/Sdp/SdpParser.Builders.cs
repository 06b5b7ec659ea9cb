namespace Conclave.Media.Transport.Sdp;

public static partial class SdpParser
{
    private sealed class SessionBuilder
    {
        public SdpOrigin? Origin;
        public string SessionName = "-";
        public string? Information, Uri, TimeZones, EncryptionKey, IceUfrag, IcePwd;
        public readonly List<string> Emails = [], Phones = [], IceOptions = [];
        public SdpConnection? Connection;
        public readonly List<SdpBandwidth> Bandwidths = [];
        public readonly List<(ulong Start, ulong Stop, List<string> Repeats)> Timings = [];
        public readonly List<SdpGroup> Groups = [];
        public readonly List<(SdpGroup Group, Line Line)> GroupLines = [];
        public bool ExtmapAllowMixed, IceLite;
        public MsidSemantic? MsidSemantic;
        public readonly List<SdpFingerprint> Fingerprints = [];
        public DtlsSetup? Setup;
        public readonly List<SdpAttribute> Other = [];

        public SessionDescription Build(List<MediaDescription> media) => new()
        {
            Version = 0,
            Origin = Origin!,                                     // lines 1–3 are checked to be v=, o=, s=
            SessionName = SessionName,
            Information = Information,
            Uri = Uri,
            Emails = Emails.ToEquatableList(),
            Phones = Phones.ToEquatableList(),
            Connection = Connection,
            Bandwidths = Bandwidths.ToEquatableList(),
            Timings = Timings.Select(t => new SdpTiming(t.Start, t.Stop, t.Repeats.ToEquatableList())).ToEquatableList(),
            TimeZones = TimeZones,
            EncryptionKey = EncryptionKey,
            Groups = Groups.ToEquatableList(),
            ExtmapAllowMixed = ExtmapAllowMixed,
            MsidSemantic = MsidSemantic,
            IceLite = IceLite,
            IceUfrag = IceUfrag,
            IcePwd = IcePwd,
            IceOptions = IceOptions.ToEquatableList(),
            Fingerprints = Fingerprints.ToEquatableList(),
            Setup = Setup,
            OtherAttributes = Other.ToEquatableList(),
            Media = media.ToEquatableList(),
        };
    }

    private sealed class CodecBuilder(int payloadType)
    {
        public readonly int PayloadType = payloadType;
        public (string Name, int ClockRate, int? Channels)? Rtpmap;
        public List<FormatParameter>? Parameters;
        public readonly List<RtcpFeedback> Feedback = [];
    }

    private sealed class MediaBuilder(Line mLine, string media, int port, int? portCount, string protocol)
    {
        public readonly bool IsRtp = MediaDescription.IsRtpProtocol(protocol);
        public readonly Dictionary<int, CodecBuilder> PayloadTypes = [];
        public readonly List<int> PayloadOrder = [];                            // m= order
        public readonly List<string> Formats = [];
        public string? Information, EncryptionKey, IceUfrag, IcePwd;
        public readonly List<SdpConnection> Connections = [];
        public readonly List<SdpBandwidth> Bandwidths = [];
        public RtcpAddress? Rtcp;
        public readonly List<IceCandidate> Candidates = [];
        public bool EndOfCandidates, ExtmapAllowMixed, RtcpMux, RtcpReducedSize;
        public readonly List<string> IceOptions = [];
        public readonly List<SdpFingerprint> Fingerprints = [];
        public DtlsSetup? Setup;
        public (string Value, Line Line)? Mid;
        public readonly List<RtpHeaderExtension> Extensions = [];
        public MediaDirection? Direction;
        public readonly List<Msid> Msids = [];
        public readonly List<RtcpFeedback> WildcardFeedback = [];
        public readonly List<SsrcGroup> SsrcGroups = [];
        public readonly List<SsrcAttribute> Ssrcs = [];
        public readonly List<RidDescription> Rids = [];
        public (SimulcastDescription Value, Line Line)? Simulcast;
        public readonly List<SdpAttribute> Other = [];

        public MediaDescription Build()
        {
            var codecs = new List<Codec>(PayloadTypes.Count);
            foreach (int pt in PayloadOrder)
            {
                var c = PayloadTypes[pt];
                var map = c.Rtpmap;
                bool implicitMap = false;
                if (map is null)
                {
                    // RFC 8866 §6.6: dynamic payload types need an rtpmap; static ones (RFC 3551 §6) may omit it.
                    map = CodecInfo.StaticPayloadType(c.PayloadType)
                        ?? throw mLine.Error($"payload type {c.PayloadType} has no a=rtpmap (RFC 8866 §6.6)");
                    implicitMap = true;
                }
                codecs.Add(new Codec(c.PayloadType, map.Value.Name, map.Value.ClockRate, map.Value.Channels,
                    (c.Parameters ?? []).ToEquatableList(), c.Feedback.ToEquatableList(), !implicitMap));
            }

            if (Simulcast is var (sim, simLine))
            {
                // RFC 8853 §5.1: every rid in a simulcast list must be declared by an a=rid line of the same direction.
                foreach (var (streams, dir) in new[] { (sim.Send, RidDirection.Send), (sim.Recv, RidDirection.Recv) })
                    foreach (var s in streams.SelectMany(a => a))
                        if (!Rids.Any(r => r.Id == s.Rid && r.Direction == dir))
                            throw simLine.Error($"a=simulcast references rid '{s.Rid}', which no a=rid:{s.Rid} {(dir == RidDirection.Send ? "send" : "recv")} line declares (RFC 8853 §5.1)");
            }

            return new MediaDescription
            {
                Media = media,
                Port = port,
                PortCount = portCount,
                Protocol = protocol,
                Formats = Formats.ToEquatableList(),
                Information = Information,
                Connections = Connections.ToEquatableList(),
                Bandwidths = Bandwidths.ToEquatableList(),
                EncryptionKey = EncryptionKey,
                Rtcp = Rtcp,
                Candidates = Candidates.ToEquatableList(),
                EndOfCandidates = EndOfCandidates,
                IceUfrag = IceUfrag,
                IcePwd = IcePwd,
                IceOptions = IceOptions.ToEquatableList(),
                Fingerprints = Fingerprints.ToEquatableList(),
                Setup = Setup,
                Mid = Mid?.Value,
                ExtmapAllowMixed = ExtmapAllowMixed,
                Extensions = Extensions.ToEquatableList(),
                Direction = Direction,
                Msids = Msids.ToEquatableList(),
                RtcpMux = RtcpMux,
                RtcpReducedSize = RtcpReducedSize,
                Codecs = codecs.ToEquatableList(),
                WildcardFeedback = WildcardFeedback.ToEquatableList(),
                SsrcGroups = SsrcGroups.ToEquatableList(),
                Ssrcs = Ssrcs.ToEquatableList(),
                Rids = Rids.ToEquatableList(),
                Simulcast = Simulcast?.Value,
                OtherAttributes = Other.ToEquatableList(),
            };
        }
    }
}
