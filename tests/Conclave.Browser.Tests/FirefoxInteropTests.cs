using Conclave.MediaServer.Media;
using Conclave.Sfu.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Conclave.Browser.Tests;

/// <summary>
/// The call page in both browsers the issue names: a Chromium (Playwright) and a Firefox ESR (over WebDriver BiDi,
/// <see cref="FirefoxPerson"/>), each with fake camera and microphone, join one room from their invitation links and
/// see and hear each other through the SFU, all on 127.0.0.1 inside the test's loopback-only network namespace.
/// Everything is read from <c>window.conclave.state()</c> on both pages (docs/web-client.md).
/// </summary>
public sealed class FirefoxInteropTests(BrowserFixture fixture, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    /// <summary>The other person is in the roster, and their video decodes and their audio arrives here.</summary>
    private const string HearsAndSeesTheOther = """
        s.joined && s.participants.length === 2 && s.participants.filter(p => p.id !== s.sessionId).every(p =>
          s.inbound.some(i => i.participantId === p.id && i.kind === 'video' && i.framesDecoded > 0) &&
          s.inbound.some(i => i.participantId === p.id && i.kind === 'audio' && i.packetsReceived > 0))
        """;

    [Fact]
    public async Task Chromium_and_Firefox_decode_each_others_audio_and_video_and_Firefox_leaves()
    {
        string room = await fixture.CreateRoomAsync();
        await using Person alice = await fixture.NewPersonAsync("Alice Martin", withMedia: true);
        await using FirefoxPerson bruno = await FirefoxPerson.LaunchAsync("Bruno Petit");
        try
        {
            await alice.OpenAsync(await fixture.InviteAsync(room, "Alice Martin"));
            await bruno.OpenAsync(await fixture.InviteAsync(room, "Bruno Petit"));
            await bruno.WaitForStateAsync(HearsAndSeesTheOther);
            await alice.WaitForStateAsync(HearsAndSeesTheOther);

            string brunoId = (await bruno.StateAsync()).SessionId!;
            output.WriteLine($"Chromium: {await alice.Page.EvaluateAsync<string>("() => JSON.stringify(window.conclave.state())")}");
            output.WriteLine($"Firefox: {(await bruno.EvaluateAsync("() => window.conclave.state()")).GetRawText()}");
            DescribeMedia(room);
            CallMedia media = fixture.Server.Services.GetRequiredService<CallMedia>();
            Assert.Equal(4, media.Find(room)!.Producers.Count);
            // Firefox publishes its camera as the three simulcast encodings by rid, with the dependency descriptor: the
            // SFU learns the encodings' sizes from it (docs/signaling.md, "Simulcast").
            Producer camera = media.Find(room)!.Producers.Single(p => p.Peer.ParticipantId == brunoId && p.Source == TrackSource.Camera);
            Assert.Equal(["q", "h", "f"], camera.Streams.Select(s => s.Rid));
            await WaitUntilAsync(() => camera.Streams.First().Width > 0, "the SFU knows the size of Firefox's lowest encoding");
            // A refused offer or layer change (dynacast's setParameters) would show in the page's notice.
            Assert.Equal("", (await bruno.EvaluateAsync("() => document.getElementById('notice').textContent")).GetString());
            Assert.Equal("", await alice.Page.EvaluateAsync<string>("() => document.getElementById('notice').textContent"));

            // Firefox leaves with its own button; Chromium's roster, received tracks and tiles lose it.
            await bruno.ClickButtonAsync("Leave");
            await bruno.WaitForStateAsync("!s.joined && s.participants.length === 0");
            await alice.WaitForStateAsync(
                $"s.participants.length === 1 && !s.participants.some(p => p.id === '{brunoId}') && s.inbound.length === 0 " +
                "&& document.querySelectorAll('#tiles .tile').length === 1");
            Assert.Empty(alice.PageErrors);
            Assert.Empty(bruno.PageErrors);
        }
        catch
        {
            output.WriteLine($"Chromium (Alice): {await alice.DescribeAsync()}");
            output.WriteLine($"Firefox (Bruno): {await bruno.DescribeAsync()}");
            DescribeMedia(room);
            throw;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + BrowserFixture.Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"{what}: not within {BrowserFixture.Deadline.TotalSeconds}s");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Diagnostics: what the SFU receives of each track and what each subscriber is sent.</summary>
    private void DescribeMedia(string room)
    {
        CallMedia media = fixture.Server.Services.GetRequiredService<CallMedia>();
        foreach (Producer producer in media.Find(room)?.Producers ?? [])
        {
            output.WriteLine($"SFU: {producer.Peer.ParticipantId} {producer.Source}, wanted layers {producer.Layers.WantedLayers}: "
                + string.Join(", ", producer.Streams.Select(s => $"{s.Rid} {s.Width}x{s.Height} {s.PacketsReceived} packets")));
            foreach (Consumer consumer in producer.Consumers)
            {
                output.WriteLine($"SFU:   to {consumer.Subscriber.ParticipantId}: layer {consumer.CurrentLayer} (target {consumer.TargetLayer}), "
                    + $"{consumer.PacketsForwarded} packets, cap {consumer.Selector?.MaxWidth}x{consumer.Selector?.MaxHeight}, estimate {consumer.Subscriber.Estimator.Estimate} bit/s "
                    + $"(delay-based {consumer.Subscriber.Estimator.DelayBasedEstimate}, {consumer.Subscriber.Estimator.Usage}, loss {consumer.Subscriber.Estimator.LossRatio:P1}, "
                    + $"REMB {consumer.Subscriber.Estimator.ReceiverEstimatedMaxBitrate?.ToString() ?? "none"}, transport-cc id {consumer.Extensions.TransportSequenceId})");
            }
        }
    }
}
