namespace Conclave.Grains.Tests;

/// <summary>The media-node registry: a node's endpoint is found by its id, and calls through the reference reach it
/// with their replies; a session's observer hears media events sent through it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class MediaNodeTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task A_registered_node_is_found_by_its_id_and_answers_through_its_reference()
    {
        string nodeId = TestIds.New("node");
        IMediaNodeGrain registry = Client.GetGrain<IMediaNodeGrain>(nodeId);
        Assert.Null(await registry.GetAsync());

        var node = new EchoNode();
        IMediaNode reference = Client.CreateObjectReference<IMediaNode>(node);
        await registry.RegisterAsync(reference);
        IMediaNode found = (await registry.GetAsync())!;

        Assert.Equal("room-1/s-1: {\"type\":\"ping\"}", await found.HandleAsync("room-1", "s-1", "{\"type\":\"ping\"}"));
        var session = RecordingObserver.Create(Client);
        await found.AttachAsync("room-1", "s-1", session.Reference);
        await Wait.UntilAsync(() => Task.FromResult(session.Events.OfType<ObservedEvent.Media>().Any(e => e.Room == "room-1" && e.EventJson == "{\"type\":\"tracks\"}")), "the media event");
        await found.DetachAsync("room-1", "s-1");
        Assert.Equal(["room-1/s-1"], node.Detached);

        // A node that registers again (after a restart) replaces its earlier endpoint.
        var restarted = new EchoNode();
        await registry.RegisterAsync(Client.CreateObjectReference<IMediaNode>(restarted));
        await (await registry.GetAsync())!.DetachAsync("room-2", "s-2");
        Assert.Equal(["room-2/s-2"], restarted.Detached);
        GC.KeepAlive(node);
    }

    /// <summary>A media node that echoes requests and sends one event to each attached session.</summary>
    private sealed class EchoNode : IMediaNode
    {
        public List<string> Detached { get; } = [];

        public Task AttachAsync(string room, string sessionId, ISessionObserver events)
        {
            events.OnMediaEvent(room, "{\"type\":\"tracks\"}");
            return Task.CompletedTask;
        }

        public Task<string> HandleAsync(string room, string sessionId, string requestJson) => Task.FromResult($"{room}/{sessionId}: {requestJson}");

        public Task DetachAsync(string room, string sessionId)
        {
            Detached.Add($"{room}/{sessionId}");
            return Task.CompletedTask;
        }
    }
}
