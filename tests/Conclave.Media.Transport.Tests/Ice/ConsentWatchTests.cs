using Conclave.Media.Transport.Ice;

namespace Conclave.Media.Transport.Tests.Ice;

/// <summary>RFC 7675 §5.1 on the ICE-lite side: a nominated peer without a check for 30 s is reported once.</summary>
public sealed class ConsentWatchTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly IceCredentials _server = new("srvA", "ServerPassword0123456789");

    [Fact]
    public void Nothing_is_watched_before_a_nomination()
    {
        var agent = new IceLiteAgent(_server, "brwA", _time);
        int expired = 0;
        using var watch = new ConsentWatch(agent, _time, () => expired++);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, expired);
    }

    [Fact]
    public void Checks_keep_consent_and_thirty_seconds_without_one_expire_it_once()
    {
        var agent = new IceLiteAgent(_server, "brwA", _time);
        int expired = 0;
        using var watch = new ConsentWatch(agent, _time, () => expired++);
        Check(agent, useCandidate: true);
        watch.Start();

        for (int i = 0; i < 10; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(20));
            Check(agent, useCandidate: false);                         // consent refreshed every 20 s
        }
        Assert.Equal(0, expired);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, expired);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, expired);
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, expired);
    }

    [Fact]
    public void A_disposed_watch_never_reports()
    {
        var agent = new IceLiteAgent(_server, "brwA", _time);
        int expired = 0;
        var watch = new ConsentWatch(agent, _time, () => expired++);
        Check(agent, useCandidate: true);
        watch.Start();
        watch.Dispose();
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, expired);
    }

    private void Check(IceLiteAgent agent, bool useCandidate)
    {
        byte[] request = IceTestRequests.Build(new IceTestRequests.Options { Username = "srvA:brwA", Password = _server.Password, UseCandidate = useCandidate });
        IceRequestStatus status = agent.HandleBindingRequest(request, IceTransportAddress.FromIPEndPoint(System.Net.IPEndPoint.Parse("127.0.0.1:5000")), new byte[512], out _);
        Assert.Equal(useCandidate ? IceRequestStatus.Nominated : IceRequestStatus.Success, status);
    }
}
