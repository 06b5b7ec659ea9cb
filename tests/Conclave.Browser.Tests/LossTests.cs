using System.Collections.Concurrent;
using Conclave.Client;
using Conclave.Media.Transport.Mux;
using Conclave.Media.Transport.Net;
using Conclave.MediaServer.Media;
using Conclave.MediaServer.Tests;
using Conclave.Sfu.Routing;
using Conclave.Signaling.Protocol.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conclave.Browser.Tests;

/// <summary>
/// Loss between the SFU and one subscriber: every tenth RTP packet toward them is dropped at the SFU's send path
/// (deterministic 10 %), and their video must keep decoding because the SFU answers their NACKs from its
/// retransmission buffer (RFC 4585 §6.2.1), on the RTX stream they negotiated (RFC 4588).
/// </summary>
public sealed class LossTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_subscriber_losing_ten_percent_keeps_decoding_through_nack_retransmissions()
    {
        BrowserFixture.EnsureChromium();
        var lossy = new LossyPaths();
        await using TestServer server = await TestServer.StartAsync(services: s => s.AddSingleton<PeerSendDecorator>(lossy.Decorate));
        using ConclaveApiClient admin = ConclaveApiClient.Create(server.BaseAddress, server.AdminToken);
        string room = "loss-" + Guid.NewGuid().ToString("N")[..8];
        await admin.CreateRoomAsync(new CreateRoomRequest(room), TestContext.Current.CancellationToken);
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using Person alice = await BrowserFixture.LaunchPersonAsync(playwright, "Alice Martin", null, BrowserFixture.MediaFlags);
        await using Person bruno = await BrowserFixture.LaunchPersonAsync(playwright, "Bruno Petit", null, BrowserFixture.MediaFlags);
        foreach (Person person in new[] { alice, bruno })
        {
            InvitationDto invitation = await admin.CreateInvitationAsync(room, new CreateInvitationRequest(person.Name), TestContext.Current.CancellationToken);
            await person.OpenAsync(invitation.Url);
        }
        const string DecodesTheOther = "s.joined && s.participants.length === 2 && s.inbound.some(i => i.kind === 'video' && i.framesDecoded > 0)";
        await alice.WaitForStateAsync(DecodesTheOther);
        await bruno.WaitForStateAsync(DecodesTheOther);

        string brunoId = (await bruno.StateAsync()).SessionId!;
        long before = await VideoFramesDecodedAsync(bruno);
        lossy.Add(brunoId);
        // 10 s of fake camera at its frame rate, with a tenth of the packets lost on the way, still decode.
        await bruno.WaitForStateAsync($"s.inbound.some(i => i.kind === 'video' && i.framesDecoded >= {before + 150})");

        Router router = server.Services.GetRequiredService<CallMedia>().Find(room)!;
        Consumer video = Assert.Single(router.FindPeer(brunoId)!.Consumers, c => c.Producer.Source == TrackSource.Camera);
        Assert.NotNull(video.RtxSsrc);                                    // RFC 4588: resent on the RTX stream Chromium offered
        long retransmitted = router.FindPeer(brunoId)!.Consumers.Sum(c => c.PacketsRetransmitted);
        output.WriteLine($"dropped {lossy.Dropped} RTP packets toward Bruno, retransmitted {retransmitted} on his NACKs");
        Assert.True(lossy.Dropped >= 20, $"only {lossy.Dropped} packets dropped");
        Assert.True(retransmitted > 0, "no NACK was answered");
        Assert.Empty(bruno.PageErrors);
    }

    private static async Task<long> VideoFramesDecodedAsync(Person person) =>
        (long)await person.Page.EvaluateAsync<double>("() => window.conclave.state().inbound.find(i => i.kind === 'video')?.framesDecoded ?? 0");

    /// <summary>Drops every tenth RTP datagram toward the participants added; DTLS and RTCP pass.</summary>
    private sealed class LossyPaths
    {
        private readonly ConcurrentDictionary<string, bool> _lossy = new();
        private long _count;
        private long _dropped;

        public long Dropped => Interlocked.Read(ref _dropped);

        public void Add(string participantId) => _lossy[participantId] = true;

        public MediaDatagramSender Decorate(string participantId, MediaDatagramSender send) => datagram =>
        {
            if (_lossy.ContainsKey(participantId) && PacketDemux.Classify(datagram) == PacketKind.Rtp && Interlocked.Increment(ref _count) % 10 == 0)
            {
                Interlocked.Increment(ref _dropped);
                return MediaSendStatus.Sent;
            }
            return send(datagram);
        };
    }
}
