using System.Text.Json;
using Conclave.Media.Transport.Srtp;
using Conclave.MediaServer.Media;
using Conclave.MediaServer.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conclave.Browser.Tests;

/// <summary>
/// WebRTC interop with a real Chromium: the page sends its fake camera and microphone to <c>POST /api/media/echo</c>
/// (ICE-lite, DTLS 1.2, SRTP from our own transport), and getStats must show the echoed video decoded and the
/// echoed audio heard. Run once per SRTP profile, forced on the server through <c>Conclave:Media:SrtpProfiles</c>.
/// Everything stays on 127.0.0.1: the server announces it, and scripts/test.sh runs the tests in a network namespace
/// that has only loopback.
/// </summary>
public sealed class EchoInteropTests(ITestOutputHelper output)
{
    /// <summary>Starts the call and keeps the RTCPeerConnection on <c>window.echo</c>; throws the server's error.</summary>
    private const string StartEcho = """
        async token => {
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
          const pc = new RTCPeerConnection();
          // Chromium computes a received track's audio level where it is played out: give audio a player.
          pc.ontrack = event => {
            if (event.track.kind !== 'audio') return;
            const player = document.createElement('audio');
            player.srcObject = new MediaStream([event.track]);
            document.body.appendChild(player);
            player.play();
          };
          for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendrecv', streams: [stream] });
          await pc.setLocalDescription(await pc.createOffer());
          const response = await fetch('/api/media/echo', {
            method: 'POST',
            headers: { 'Content-Type': 'application/sdp', 'Authorization': 'Bearer ' + token },
            body: pc.localDescription.sdp,
          });
          const body = await response.text();
          if (response.status !== 201) throw new Error('echo refused the offer: ' + response.status + ' ' + body);
          await pc.setRemoteDescription({ type: 'answer', sdp: body });
          window.echo = { pc, location: response.headers.get('Location'), maxAudioLevel: 0, offer: pc.localDescription.sdp, answer: body };
          return window.echo.location;
        }
        """;

    /// <summary>Polls getStats until the echoed video is decoded and the echoed audio was heard, or the deadline.</summary>
    private const string WaitForEchoedMedia = """
        async deadlineMs => {
          const end = Date.now() + deadlineMs;
          let summary = {};
          while (true) {
            const stats = await window.echo.pc.getStats();
            summary = { framesDecoded: 0, audioPacketsReceived: 0, maxAudioLevel: window.echo.maxAudioLevel };
            stats.forEach(s => {
              if (s.type === 'inbound-rtp' && s.kind === 'video') summary.framesDecoded = s.framesDecoded ?? 0;
              if (s.type === 'inbound-rtp' && s.kind === 'audio') {
                summary.audioPacketsReceived = s.packetsReceived ?? 0;
                window.echo.maxAudioLevel = Math.max(window.echo.maxAudioLevel, s.audioLevel ?? 0);
                summary.maxAudioLevel = window.echo.maxAudioLevel;
              }
              if (s.type === 'transport') {
                summary.srtpCipher = s.srtpCipher; summary.dtlsState = s.dtlsState; summary.tlsVersion = s.tlsVersion;
                summary.dtlsCipher = s.dtlsCipher;
              }
            });
            summary.connectionState = window.echo.pc.connectionState;
            if (summary.framesDecoded > 0 && summary.audioPacketsReceived > 0 && summary.maxAudioLevel > 0.01) return summary;
            if (Date.now() > end) return summary;
            await new Promise(resolve => setTimeout(resolve, 250));
          }
        }
        """;

    public static TheoryData<string, string> Profiles => new()
    {
        { "SRTP_AEAD_AES_128_GCM", "SRTP_AEAD_AES_128_GCM" },
        { "AES_CM_128_HMAC_SHA1_80", "SRTP_AES128_CM_HMAC_SHA1_80" },
        { "SRTP_AEAD_AES_256_GCM", "SRTP_AEAD_AES_256_GCM" },
    };

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task Chromium_decodes_its_echoed_video_and_hears_its_echoed_audio(string forcedProfile, string reportedCipher)
    {
        BrowserFixture.EnsureChromium();
        await using TestServer server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Conclave:Media:SrtpProfiles:0"] = forcedProfile,
        });
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using Person person = await BrowserFixture.LaunchPersonAsync(playwright, "echo", null, BrowserFixture.MediaFlags);
        await person.OpenAsync(server.BaseAddress.ToString());

        string location = await person.Page.EvaluateAsync<string>(StartEcho, server.AdminToken);
        Assert.StartsWith("/api/media/echo/e-", location, StringComparison.Ordinal);
        JsonElement summary = await person.Page.EvaluateAsync<JsonElement>(WaitForEchoedMedia, BrowserFixture.Deadline.TotalMilliseconds);
        output.WriteLine($"{forcedProfile}: {summary}");
        output.WriteLine("offer:\n" + await person.Page.EvaluateAsync<string>("() => window.echo.offer"));
        output.WriteLine("answer:\n" + await person.Page.EvaluateAsync<string>("() => window.echo.answer"));

        Assert.True(summary.GetProperty("framesDecoded").GetInt64() > 0, $"no echoed video frame decoded: {summary}");
        Assert.True(summary.GetProperty("audioPacketsReceived").GetInt64() > 0, $"no echoed audio packet received: {summary}");
        // Above the noise floor of a decoded silence (1/32768): the fake microphone's beep came back.
        Assert.True(summary.GetProperty("maxAudioLevel").GetDouble() > 0.01, $"the echoed audio stayed silent: {summary}");
        Assert.Equal(reportedCipher, summary.GetProperty("srtpCipher").GetString());
        Assert.Equal("connected", summary.GetProperty("dtlsState").GetString());

        // The server side agrees: the forced profile, and media both ways through the session.
        EchoSession session = server.Services.GetRequiredService<EchoSessions>().Find(location.Split('/')[^1])
            ?? throw new InvalidOperationException("the echo session is gone");
        Assert.True(SrtpProfileExtensions.TryParse(forcedProfile, out SrtpProfile expected));
        Assert.Equal(expected, session.Transport!.Profile);
        Assert.True(session.Transport.Counters.RtpReceived > 0);
        Assert.True(session.Transport.Counters.RtpSent > 0);

        // DELETE ends it (WHIP-style, RFC 9725 §4.3); the page's own fetch carries the same token.
        int status = await person.Page.EvaluateAsync<int>(
            "async token => (await fetch(window.echo.location, { method: 'DELETE', headers: { 'Authorization': 'Bearer ' + token } })).status",
            server.AdminToken);
        Assert.Equal(204, status);
        Assert.Null(server.Services.GetRequiredService<EchoSessions>().Find(location.Split('/')[^1]));
        Assert.Empty(person.PageErrors);
    }
}
