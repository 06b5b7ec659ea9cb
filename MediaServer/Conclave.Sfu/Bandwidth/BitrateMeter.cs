namespace Conclave.Sfu.Bandwidth;

/// <summary>
/// Bitrate of one RTP stream over a sliding window (by default the last second), kept as a ring of equal buckets:
/// a packet adds to the newest bucket and the window slides by clearing whole buckets, so neither feeding nor
/// reading allocates. The caller decides what a packet's size is; the SFU counts whole RTP packets (header, payload
/// and padding) as they arrive from the publisher, which is what forwarding the stream costs a subscriber.
/// </summary>
/// <remarks>
/// Timestamps are values of <see cref="TimeProvider.GetTimestamp"/> of the provider given to the constructor. A
/// timestamp older than the newest bucket counts in the newest bucket. Not thread-safe: feed and read one stream
/// from one thread.
/// </remarks>
public sealed class BitrateMeter
{
    /// <summary>Default window length.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(1);

    /// <summary>Default number of buckets in the window.</summary>
    public const int DefaultBucketCount = 10;

    private readonly long[] _buckets;       // bytes; absolute bucket k lives in _buckets[k % Length]
    private readonly long _bucketTicks;
    private readonly long _frequency;
    private long _origin;                   // first packet's timestamp: bucket k covers [origin + k·width, origin + (k+1)·width)
    private long _head;                     // absolute index of the newest bucket
    private long _total;                    // bytes in the window
    private bool _started;

    /// <summary>A meter over <see cref="DefaultWindow"/> in <see cref="DefaultBucketCount"/> buckets.</summary>
    public BitrateMeter(TimeProvider timeProvider)
        : this(timeProvider, DefaultWindow, DefaultBucketCount)
    {
    }

    /// <summary>
    /// A meter over <paramref name="window"/>, which slides in steps of window / <paramref name="bucketCount"/>. At
    /// least two buckets, so that once the meter is older than the window a reading always covers at least
    /// (bucketCount − 1) whole buckets.
    /// </summary>
    public BitrateMeter(TimeProvider timeProvider, TimeSpan window, int bucketCount)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketCount, 2);
        long windowTicks = TimestampTicks.From(window, timeProvider);
        if (windowTicks < bucketCount)
            throw new ArgumentOutOfRangeException(nameof(window), window, "The window must span at least one clock tick per bucket.");
        _buckets = new long[bucketCount];
        _bucketTicks = windowTicks / bucketCount;
        _frequency = timeProvider.TimestampFrequency;
    }

    /// <summary>Counts a packet of <paramref name="bytes"/> received at <paramref name="timestamp"/>.</summary>
    public void OnPacket(int bytes, long timestamp)
    {
        if (!_started)
        {
            _origin = timestamp;
            _started = true;
        }
        Advance(timestamp);
        _buckets[(int)(_head % _buckets.Length)] += bytes;
        _total += bytes;
    }

    /// <summary>
    /// Bits per second over the window ending at <paramref name="timestamp"/>: the bytes in the buckets still inside
    /// the window, divided by the time those buckets cover up to <paramref name="timestamp"/> (the whole window less
    /// the unexpired part of the oldest bucket, or the time since the first packet while the meter is younger than
    /// the window; never less than one bucket). 0 before the first packet and after a window of silence.
    /// </summary>
    public long GetBitrate(long timestamp)
    {
        if (!_started) return 0;
        Advance(timestamp);
        if (_total == 0) return 0;
        long coveredFrom = Math.Max(0, _head - _buckets.Length + 1) * _bucketTicks;    // relative to _origin
        long span = Math.Max(timestamp - _origin - coveredFrom, _bucketTicks);
        return (long)(_total * 8.0 * _frequency / span);
    }

    // Moves the head to the bucket holding timestamp, clearing the buckets that leave the window.
    private void Advance(long timestamp)
    {
        long index = (timestamp - _origin) / _bucketTicks;
        if (index <= _head) return;
        long cleared = Math.Min(index - _head, _buckets.Length);
        for (long k = 1; k <= cleared; k++)
        {
            ref long bucket = ref _buckets[(int)((_head + k) % _buckets.Length)];
            _total -= bucket;
            bucket = 0;
        }
        _head = index;
    }
}
