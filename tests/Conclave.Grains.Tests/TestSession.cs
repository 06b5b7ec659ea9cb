namespace Conclave.Grains.Tests;

/// <summary>An opened session with the observer standing in for its connection.</summary>
public sealed class TestSession
{
    private TestSession(string id, ISessionGrain grain, RecordingObserver observer, SessionIdentity identity, SessionOpened opened)
    {
        Id = id;
        Grain = grain;
        Observer = observer;
        Identity = identity;
        Opened = opened;
    }

    /// <summary>The session id (grain key).</summary>
    public string Id { get; }

    /// <summary>The session grain.</summary>
    public ISessionGrain Grain { get; }

    /// <summary>The connection's observer.</summary>
    public RecordingObserver Observer { get; }

    /// <summary>Who the session speaks for.</summary>
    public SessionIdentity Identity { get; }

    /// <summary>What <see cref="ISessionGrain.OpenAsync"/> answered.</summary>
    public SessionOpened Opened { get; }

    /// <summary>Opens a new session for <paramref name="userId"/> on a fresh device.</summary>
    public static async Task<TestSession> OpenAsync(IClusterClient client, string userId, string displayName)
    {
        string id = TestIds.New("session");
        var grain = client.GetGrain<ISessionGrain>(id);
        var observer = RecordingObserver.Create(client);
        var identity = new SessionIdentity(userId, TestIds.New("device"), displayName);
        var opened = await grain.OpenAsync(identity, observer.Reference);
        return new TestSession(id, grain, observer, identity, opened);
    }
}
