namespace Conclave.Signaling.Tests;

public sealed class TokenBucketTests
{
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void StartsFull_AllowsABurstOfCapacityThenRefuses()
    {
        var bucket = new TokenBucket(capacity: 5, refillPerSecond: 1, _time);

        Assert.Equal(5, TakeAll(bucket));
        Assert.False(bucket.TryTake());
    }

    [Fact]
    public void Refills_AtTheConfiguredRate()
    {
        var bucket = new TokenBucket(capacity: 10, refillPerSecond: 4, _time);
        TakeAll(bucket);

        _time.Advance(TimeSpan.FromMilliseconds(249));
        Assert.False(bucket.TryTake());

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(4, TakeAll(bucket));
    }

    [Fact]
    public void Refill_KeepsFractionsAcrossCalls()
    {
        var bucket = new TokenBucket(capacity: 1, refillPerSecond: 1, _time);
        TakeAll(bucket);

        for (int i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(300));
            Assert.False(bucket.TryTake());
        }
        _time.Advance(TimeSpan.FromMilliseconds(101)); // 0.3 + 0.3 + 0.3 + 0.1 is just under 1 in doubles.
        Assert.True(bucket.TryTake());
    }

    [Fact]
    public void Refill_IsCappedAtCapacity()
    {
        var bucket = new TokenBucket(capacity: 3, refillPerSecond: 100, _time);
        TakeAll(bucket);

        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(3, TakeAll(bucket));
    }

    [Fact]
    public void ZeroRefill_NeverRefills()
    {
        var bucket = new TokenBucket(capacity: 2, refillPerSecond: 0, _time);
        TakeAll(bucket);

        _time.Advance(TimeSpan.FromDays(1));

        Assert.False(bucket.TryTake());
    }

    [Theory]
    [InlineData("zero capacity", 0, 1.0)]
    [InlineData("negative capacity", -1, 1.0)]
    [InlineData("negative refill", 1, -0.5)]
    public void Constructor_RefusesInvalidArguments(string @case, int capacity, double refillPerSecond)
    {
        _ = @case;
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucket(capacity, refillPerSecond, _time));
    }

    private static int TakeAll(TokenBucket bucket)
    {
        int taken = 0;
        while (taken < 1_000 && bucket.TryTake()) taken++;
        return taken;
    }
}
