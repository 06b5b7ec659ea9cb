namespace Conclave.Browser.Tests;

/// <summary>Setting up calls of Chromium pages for the call tests: every page joins from its invitation link, publishes
/// its fake camera and microphone and subscribes to the others', end to end encrypted (docs/e2ee.md).</summary>
internal static class Calls
{
    /// <summary>Everyone else is in the roster and signed, the page encrypts, and everyone's video decodes and their
    /// audio decrypts here.</summary>
    public static string HearsAndSeesEveryone(int people) => $$"""
        s.joined && s.e2ee === 'on' && s.participants.length === {{people}} && s.participants.every(p => p.signed) &&
        s.participants.filter(p => p.id !== s.sessionId).every(p =>
          s.inbound.some(i => i.participantId === p.id && i.kind === 'video' && i.framesDecoded > 0) &&
          s.inbound.some(i => i.participantId === p.id && i.kind === 'audio' && i.packetsReceived > 0 && i.framesDecrypted > 0))
        """;

    /// <summary>A new room and one page per name, each in the call and seeing and hearing all the others.</summary>
    public static async Task<PeopleInCall> StartAsync(BrowserFixture fixture, ITestOutputHelper output, params string[] names)
    {
        string room = await fixture.CreateRoomAsync();
        var call = new PeopleInCall(room);
        try
        {
            foreach (string name in names) await JoinAsync(fixture, call, name);
            foreach (Person person in call.People) await person.WaitForStateAsync(HearsAndSeesEveryone(names.Length));
            return call;
        }
        catch
        {
            DescribeMedia(fixture, output, room);
            await call.DisposeAsync();
            throw;
        }
    }

    /// <summary>One more page, with fake devices, opening its invitation into the call's room.</summary>
    public static async Task<Person> JoinAsync(BrowserFixture fixture, PeopleInCall call, string name)
    {
        Person person = await fixture.NewPersonAsync(name, withMedia: true);
        call.Add(person);
        await person.OpenAsync(await fixture.InviteAsync(call.Room, name));
        return person;
    }

    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(BrowserFixture.Deadline);
        while (!condition()) await Task.Delay(50, deadline.Token);
    }

    /// <summary>Diagnostics for a call that did not come up: what the SFU receives of each track and what each
    /// subscriber is sent.</summary>
    public static void DescribeMedia(BrowserFixture fixture, ITestOutputHelper output, string room)
    {
        var media = (Conclave.MediaServer.Media.CallMedia)fixture.Server.Services.GetService(typeof(Conclave.MediaServer.Media.CallMedia))!;
        foreach (Conclave.Sfu.Routing.Producer producer in media.Find(room)?.Producers ?? [])
        {
            output.WriteLine($"SFU: {producer.Peer.ParticipantId} {producer.Source}, wanted layers {producer.Layers.WantedLayers}: "
                + string.Join(", ", producer.Streams.Select(s => $"{s.Rid} {s.Width}x{s.Height} {s.PacketsReceived} packets")));
            foreach (Conclave.Sfu.Routing.Consumer consumer in producer.Consumers)
            {
                output.WriteLine($"SFU:   to {consumer.Subscriber.ParticipantId}: layer {consumer.CurrentLayer} (target {consumer.TargetLayer}), "
                    + $"{consumer.PacketsForwarded} packets, cap {consumer.Selector?.MaxWidth}x{consumer.Selector?.MaxHeight}, estimate {consumer.Subscriber.Estimator.Estimate} bit/s "
                    + $"(delay-based {consumer.Subscriber.Estimator.DelayBasedEstimate}, {consumer.Subscriber.Estimator.Usage}, loss {consumer.Subscriber.Estimator.LossRatio:P1}, "
                    + $"REMB {consumer.Subscriber.Estimator.ReceiverEstimatedMaxBitrate?.ToString() ?? "none"}, transport-cc id {consumer.Extensions.TransportSequenceId})");
            }
        }
    }
}

/// <summary>The pages of one call, closed together.</summary>
internal sealed class PeopleInCall(string room) : IAsyncDisposable
{
    private readonly List<Person> _people = [];

    public string Room { get; } = room;

    public IReadOnlyList<Person> People => _people;

    public void Add(Person person) => _people.Add(person);

    public async ValueTask DisposeAsync()
    {
        foreach (Person person in _people) await person.DisposeAsync();
    }
}
