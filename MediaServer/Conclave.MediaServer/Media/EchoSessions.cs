using System.Collections.Concurrent;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Sdp;
using Conclave.MediaServer.Api;
using Conclave.MediaServer.Hosting;
using Conclave.Signaling.Protocol.Api;
using Microsoft.Extensions.Options;

namespace Conclave.MediaServer.Media;

/// <summary>The echo sessions of this node: answers a browser's offer (JSEP, RFC 8829 §5.3) as an ICE-lite DTLS
/// endpoint, within per-user and per-node limits, and ends sessions on request or when the host stops.</summary>
public sealed partial class EchoSessions : IDisposable
{
    /// <summary>What the echo accepts: Opus, and VP8 with the repair feedback it forwards (RFC 4585, RFC 5104).</summary>
    private static readonly AnswerOptionsTemplate Capabilities = new(
        [new CodecCapability("opus", 48000, 2, [], [])],
        [new CodecCapability("VP8", 90000, null, [], [new RtcpFeedback("nack", null), new RtcpFeedback("nack", "pli"), new RtcpFeedback("ccm", "fir")])],
        [RtpHeaderExtension.MidUri]);

    // Passed by argument
    private readonly MediaPort _port;
    private readonly EchoOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<EchoSession> _sessionLogger;

    // Allocated by this
    private readonly ConcurrentDictionary<string, EchoSession> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _admission = new();

    public EchoSessions(MediaPort port, IOptions<ConclaveOptions> options, TimeProvider time, ILogger<EchoSession> sessionLogger)
    {
        _port = port;
        _options = options.Value.Media.Echo;
        _time = time;
        _sessionLogger = sessionLogger;
    }

    /// <summary>Whether the endpoint is served.</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>Sessions running on this node.</summary>
    public int Count => _sessions.Count;

    /// <summary>Answers <paramref name="offerSdp"/> for <paramref name="userId"/> and starts the session, or explains
    /// why not (HTTP status, error code, message).</summary>
    public EchoOfferResult Create(string userId, string offerSdp)
    {
        SessionDescription offer;
        try
        {
            offer = WebRtcOffer.WithBundleOnlySectionsActive(SdpParser.Parse(offerSdp));
        }
        catch (SdpParseException e)
        {
            return EchoOfferResult.Fail(StatusCodes.Status400BadRequest, ApiErrorCodes.BadSdp, e.Message);
        }
        if (!WebRtcOffer.TryRead(offer, out WebRtcOffer? remote, out string? problem))
            return EchoOfferResult.Fail(StatusCodes.Status400BadRequest, ApiErrorCodes.BadSdp, problem!);

        IceCredentials local = IceCredentials.Generate();
        SessionDescription answer;
        DtlsSetup answerSetup;
        try
        {
            answer = SdpAnswerBuilder.CreateAnswer(offer, Capabilities.For(local, _port, (ulong)Random.Shared.NextInt64()));
            answerSetup = SdpAnswerBuilder.AnswerSetup(remote!.Setup);
        }
        catch (ArgumentException e)
        {
            return EchoOfferResult.Fail(StatusCodes.Status400BadRequest, ApiErrorCodes.BadSdp, e.Message);
        }
        if (answer.Media.All(m => m.Port == 0))
            return EchoOfferResult.Fail(StatusCodes.Status400BadRequest, ApiErrorCodes.NoCommonCodec,
                "no audio or video section offers a codec the echo accepts (opus/48000/2, VP8/90000)");

        EchoSession session;
        lock (_admission)
        {
            if (_sessions.Count >= _options.MaxSessions)
                return EchoOfferResult.Fail(StatusCodes.Status503ServiceUnavailable, ApiErrorCodes.ServerBusy,
                    $"this node already runs {_options.MaxSessions} echo sessions");
            if (_sessions.Values.Count(s => s.UserId == userId) >= _options.MaxPerUser)
                return EchoOfferResult.Fail(StatusCodes.Status429TooManyRequests, ApiErrorCodes.TooManySessions,
                    $"at most {_options.MaxPerUser} echo sessions per user; end one first (DELETE /api/media/echo/{{id}})");
            session = new EchoSession("e-" + Secrets.NewId(), userId, _port.Listener, _options.MaxDuration, _time, _sessionLogger, s => _sessions.TryRemove(s.Id, out _));
            _sessions[session.Id] = session;
        }
        session.Start(local, remote.RemoteIce.Ufrag, answerSetup == DtlsSetup.Active ? DtlsRole.Client : DtlsRole.Server,
            _port, remote.RemoteFingerprint);
        return EchoOfferResult.Ok(session, SdpWriter.Write(answer));
    }

    /// <summary>Ends <paramref name="id"/> if <paramref name="userId"/> owns it.</summary>
    public bool End(string userId, string id)
    {
        if (!_sessions.TryGetValue(id, out EchoSession? session) || session.UserId != userId) return false;
        session.End("ended by its owner");
        return true;
    }

    /// <summary>Looks a session up (tests, diagnostics).</summary>
    public EchoSession? Find(string id) => _sessions.GetValueOrDefault(id);

    /// <summary>Ends every session (host stopping).</summary>
    public void Dispose()
    {
        foreach (EchoSession session in _sessions.Values) session.End("the server is stopping");
    }

    /// <summary>The fixed part of every echo answer; per-session values are filled in by <see cref="For"/>.</summary>
    private sealed record AnswerOptionsTemplate(EquatableList<CodecCapability> Audio, EquatableList<CodecCapability> Video, EquatableList<string> Extensions)
    {
        public AnswerOptions For(IceCredentials local, MediaPort port, ulong sessionId) => new()
        {
            AudioCodecs = Audio,
            VideoCodecs = Video,
            HeaderExtensions = Extensions,
            IceUfrag = local.Ufrag,
            IcePwd = local.Password,
            Fingerprint = SdpFingerprint.From(port.Certificate.Fingerprint),
            Candidates = [port.Listener.Options.CreateHostCandidate(port.Listener.LocalPort)],
            SessionId = sessionId,
        };
    }
}

/// <summary>The outcome of <see cref="EchoSessions.Create"/>.</summary>
public sealed record EchoOfferResult(EchoSession? Session, string? AnswerSdp, int Status, string? ErrorCode, string? ErrorMessage)
{
    public static EchoOfferResult Ok(EchoSession session, string answer) => new(session, answer, StatusCodes.Status201Created, null, null);

    public static EchoOfferResult Fail(int status, string code, string message) => new(null, null, status, code, message);
}
