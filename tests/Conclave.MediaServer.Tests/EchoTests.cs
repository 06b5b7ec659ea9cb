using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Conclave.Client;
using Conclave.Client.Media;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Rtcp;
using Conclave.Media.Transport.Rtp;
using Conclave.MediaServer.Media;
using Microsoft.Extensions.DependencyInjection;

namespace Conclave.MediaServer.Tests;

/// <summary>
/// <c>/api/media/echo</c> over real sockets: the .NET client's side of the transport (ICE controlling agent, DTLS
/// client, SRTP) against the server's (ICE-lite on the shared UDP port, DTLS server), plus the endpoint's refusals.
/// </summary>
public sealed class EchoTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private TestServer? _server;

    private TestServer Server => _server!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    [Fact]
    public async Task Dotnet_client_gets_its_rtp_back_under_the_mapped_ssrc_and_its_pli_back_on_its_own_ssrc()
    {
        using ConclaveApiClient api = ConclaveApiClient.Create(Server.BaseAddress, Server.AdminToken);
        var received = new RecordingHandler();
        using var connection = new ClientMediaConnection(IPAddress.Loopback, received);
        EchoAnswer answer = await api.CreateEchoAsync(connection.CreateOffer(), TestContext.Current.CancellationToken);
        Assert.Contains("a=ice-lite", answer.AnswerSdp, StringComparison.Ordinal);
        Assert.Contains("a=candidate:1 1 udp 2130706431 127.0.0.1 ", answer.AnswerSdp, StringComparison.Ordinal);
        await connection.ConnectAsync(answer.AnswerSdp, TestContext.Current.CancellationToken);
        Assert.Equal(DtlsRole.Client, connection.Transport.Role);

        const uint ssrc = 0x0A0B0C0D;
        for (ushort seq = 100; seq < 120; seq++)
        {
            byte[] payload = Encoding.ASCII.GetBytes($"opus frame {seq}");
            byte[] packet = ClientRtp.Audio(seq, ssrc, payload, connection.Transport.RtpOverhead, out int length);
            Assert.Equal(MediaSendStatus.Sent, connection.Transport.SendRtp(packet, length));
            RtpHeader echoed = Parse(await received.NextRtpAsync(), out byte[] echoedPayload);
            Assert.Equal(seq, echoed.SequenceNumber);
            Assert.Equal(EchoFeedback.MapSsrc(ssrc), echoed.Ssrc);
            Assert.Equal(ClientMediaConnection.OpusPayloadType, echoed.PayloadType);
            Assert.Equal(payload, echoedPayload);
        }

        // A PLI about the echoed stream comes back about our own stream, so our encoder would send a keyframe.
        byte[] pli = new byte[64];
        new PictureLossIndicationWriter { SenderSsrc = 1, MediaSsrc = EchoFeedback.MapSsrc(ssrc) }.TryWrite(pli, out int pliLength);
        Assert.Equal(MediaSendStatus.Sent, connection.Transport.SendRtcp(pli, pliLength));
        Assert.Equal(RtcpParseStatus.Ok, PictureLossIndication.TryRead(await received.NextRtcpAsync(), out PictureLossIndication back));
        Assert.Equal(ssrc, back.MediaSsrc);

        EchoSession session = Server.Services.GetRequiredService<EchoSessions>().Find(answer.Location.Segments[^1])!;
        Assert.Equal(20, session.Transport!.Counters.RtpReceived);
        Assert.Equal(connection.Transport.Profile, session.Transport.Profile);

        // DELETE ends it: the server sends close_notify, and the client hears it.
        await api.EndEchoAsync(answer.Location, TestContext.Current.CancellationToken);
        (DtlsSrtpCloseReason reason, _) = await received.Closed.Task.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        Assert.Equal(DtlsSrtpCloseReason.ClosedByPeer, reason);
        var gone = await Assert.ThrowsAsync<ConclaveApiException>(() => api.EndEchoAsync(answer.Location, TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_client_that_vanishes_loses_its_session_when_ice_consent_expires()
    {
        using ConclaveApiClient api = ConclaveApiClient.Create(Server.BaseAddress, Server.AdminToken);
        var received = new RecordingHandler();
        using var connection = new ClientMediaConnection(IPAddress.Loopback, received);
        EchoAnswer answer = await api.CreateEchoAsync(connection.CreateOffer(), TestContext.Current.CancellationToken);
        await connection.ConnectAsync(answer.AnswerSdp, TestContext.Current.CancellationToken);
        EchoSessions sessions = Server.Services.GetRequiredService<EchoSessions>();
        string id = answer.Location.Segments[^1];
        Assert.NotNull(sessions.Find(id));

        connection.Udp.Dispose();                  // no close_notify, no more consent checks: the peer is just gone
        await WaitUntilAsync(() => sessions.Find(id) is null, "the echo session outlived ICE consent (RFC 7675: 30 s)");
        Assert.Contains(Server.Logs.Lines, l => l.Contains($"Echo session {id} ended: ICE consent expired", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ending_the_client_sends_close_notify_and_the_server_drops_the_session()
    {
        using ConclaveApiClient api = ConclaveApiClient.Create(Server.BaseAddress, Server.AdminToken);
        var connection = new ClientMediaConnection(IPAddress.Loopback, new RecordingHandler());
        EchoAnswer answer = await api.CreateEchoAsync(connection.CreateOffer(), TestContext.Current.CancellationToken);
        await connection.ConnectAsync(answer.AnswerSdp, TestContext.Current.CancellationToken);
        connection.Dispose();
        EchoSessions sessions = Server.Services.GetRequiredService<EchoSessions>();
        await WaitUntilAsync(() => sessions.Find(answer.Location.Segments[^1]) is null, "close_notify did not end the session");
    }

    [Fact]
    public async Task Bad_offers_get_clear_errors()
    {
        using HttpClient http = Http(Server.AdminToken);
        string goodOffer = new ClientMediaConnection(IPAddress.Loopback, new RecordingHandler()).CreateOffer();

        await ExpectError(http, "v=0\r\nthis is not sdp\r\n", "application/sdp", HttpStatusCode.BadRequest, "bad-sdp", "line 2");
        await ExpectError(http, goodOffer, "application/json", HttpStatusCode.UnsupportedMediaType, "unsupported-media-type", "application/sdp");
        await ExpectError(http, Without(goodOffer, "a=fingerprint:"), "application/sdp", HttpStatusCode.BadRequest, "bad-sdp", "fingerprint");
        await ExpectError(http, Without(goodOffer, "a=ice-pwd:"), "application/sdp", HttpStatusCode.BadRequest, "bad-sdp", "ice-pwd");
        await ExpectError(http, Without(goodOffer, "a=rtcp-mux"), "application/sdp", HttpStatusCode.BadRequest, "bad-sdp", "rtcp-mux");
        await ExpectError(http, goodOffer.Replace("opus/48000/2", "PCMU/8000", StringComparison.Ordinal).Replace("VP8/90000", "H263/90000", StringComparison.Ordinal),
            "application/sdp", HttpStatusCode.BadRequest, "no-common-codec", "opus");
        await ExpectError(http, goodOffer + new string('x', MediaEndpoints.MaxOfferBytes), "application/sdp", HttpStatusCode.RequestEntityTooLarge, "too-large", "larger");

        using HttpClient anonymous = Http(token: null);
        using HttpResponseMessage unauthenticated = await anonymous.PostAsync(
            new Uri(Server.BaseAddress, "/api/media/echo"), Sdp(goodOffer), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal(0, Server.Services.GetRequiredService<EchoSessions>().Count);
    }

    [Fact]
    public async Task A_user_may_hold_two_sessions_and_only_end_their_own()
    {
        EchoSessions sessions = Server.Services.GetRequiredService<EchoSessions>();
        using HttpClient admin = Http(Server.AdminToken);
        var locations = new List<Uri>();
        for (int i = 0; i < 2; i++)
        {
            using HttpResponseMessage created = await admin.PostAsync(new Uri(Server.BaseAddress, "/api/media/echo"),
                Sdp(new ClientMediaConnection(IPAddress.Loopback, new RecordingHandler()).CreateOffer()), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("application/sdp", created.Content.Headers.ContentType?.MediaType);
            locations.Add(new Uri(Server.BaseAddress, created.Headers.Location!));
        }
        string third = new ClientMediaConnection(IPAddress.Loopback, new RecordingHandler()).CreateOffer();
        await ExpectError(admin, third, "application/sdp", (HttpStatusCode)429, "too-many-sessions", "at most 2");

        using HttpClient other = Http(Server.MintToken("someone-else", TimeSpan.FromMinutes(5)));
        using HttpResponseMessage notTheirs = await other.DeleteAsync(locations[0], TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, notTheirs.StatusCode);
        Assert.Equal(2, sessions.Count);

        foreach (Uri location in locations)
        {
            using HttpResponseMessage ended = await admin.DeleteAsync(location, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        }
        Assert.Equal(0, sessions.Count);
    }

    /// <summary>Re-checks <paramref name="condition"/> (a server-side state with no event to await) until it holds.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Deadline);
        while (!condition())
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail(failure);
            }
        }
    }

    private HttpClient Http(string? token)
    {
        var http = new HttpClient { BaseAddress = Server.BaseAddress, Timeout = Deadline };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static StringContent Sdp(string sdp, string mediaType = "application/sdp") => new(sdp, Encoding.UTF8, mediaType);

    private static string Without(string sdp, string linePrefix) =>
        string.Join("\r\n", sdp.Split("\r\n").Where(l => !l.StartsWith(linePrefix, StringComparison.Ordinal)));

    private static async Task ExpectError(HttpClient http, string body, string mediaType, HttpStatusCode status, string code, string messagePart)
    {
        using HttpResponseMessage response = await http.PostAsync("/api/media/echo", Sdp(body, mediaType), TestContext.Current.CancellationToken);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Contains($"\"code\":\"{code}\"", text, StringComparison.Ordinal);
        Assert.Contains(messagePart, text, StringComparison.OrdinalIgnoreCase);
    }

    private static RtpHeader Parse(byte[] packet, out byte[] payload)
    {
        Assert.Equal(RtpParseStatus.Ok, RtpHeader.TryRead(packet, out RtpHeader header));
        payload = header.Payload.ToArray();
        return header;
    }
}
