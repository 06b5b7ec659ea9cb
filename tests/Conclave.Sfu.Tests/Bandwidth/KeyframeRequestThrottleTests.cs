using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Tests.Bandwidth;

public class KeyframeRequestThrottleTests
{
    private readonly ManualClock _clock = new();

    [Fact]
    public void First_request_goes_out_at_once()
    {
        var throttle = new KeyframeRequestThrottle(_clock);
        Assert.True(throttle.Request(_clock.At(0)));
        Assert.False(throttle.IsPending);
    }

    [Fact]
    public void Request_within_the_interval_waits_and_is_sent_when_it_expires()
    {
        var throttle = new KeyframeRequestThrottle(_clock);
        Assert.True(throttle.Request(_clock.At(0)));
        Assert.False(throttle.Request(_clock.At(100)));
        Assert.True(throttle.IsPending);
        Assert.False(throttle.TryTake(_clock.At(499)));
        Assert.True(throttle.TryTake(_clock.At(500)));
        Assert.False(throttle.IsPending);
        Assert.False(throttle.TryTake(_clock.At(2_000)));               // nothing left to send
    }

    [Fact]
    public void Burst_of_requests_costs_one_pending_request()
    {
        var throttle = new KeyframeRequestThrottle(_clock);
        int sent = 0;
        for (int ms = 0; ms < 400; ms += 10)                             // a layer switch and 39 new subscribers
            if (throttle.Request(_clock.At(ms))) sent++;
        for (int ms = 400; ms < 2_000; ms += 100)
            if (throttle.TryTake(_clock.At(ms))) sent++;
        Assert.Equal(2, sent);
    }

    [Fact]
    public void Keyframe_arriving_satisfies_the_pending_request()
    {
        var throttle = new KeyframeRequestThrottle(_clock);
        throttle.Request(_clock.At(0));
        throttle.Request(_clock.At(100));
        throttle.OnKeyframe();
        Assert.False(throttle.IsPending);
        Assert.False(throttle.TryTake(_clock.At(600)));
    }

    [Fact]
    public void Interval_runs_from_the_last_request_sent()
    {
        var throttle = new KeyframeRequestThrottle(_clock);
        Assert.True(throttle.Request(_clock.At(0)));
        Assert.False(throttle.Request(_clock.At(300)));
        Assert.True(throttle.TryTake(_clock.At(700)));                   // late poll: sent at 700
        Assert.False(throttle.Request(_clock.At(1_100)));
        Assert.True(throttle.TryTake(_clock.At(1_200)));
        Assert.True(throttle.Request(_clock.At(5_000)));                 // long after: at once again
    }

    [Theory]
    [InlineData(1_000, 999, false)]
    [InlineData(1_000, 1_000, true)]
    [InlineData(200, 200, true)]
    [InlineData(0, 0, true)]
    public void Interval_is_configurable(int intervalMs, int secondRequestAtMs, bool sentAtOnce)
    {
        var throttle = new KeyframeRequestThrottle(_clock, TimeSpan.FromMilliseconds(intervalMs));
        Assert.True(throttle.Request(_clock.At(0)));
        Assert.Equal(sentAtOnce, throttle.Request(_clock.At(secondRequestAtMs)));
    }

    [Fact]
    public void Negative_interval_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeyframeRequestThrottle(_clock, TimeSpan.FromMilliseconds(-1)));
    }
}
