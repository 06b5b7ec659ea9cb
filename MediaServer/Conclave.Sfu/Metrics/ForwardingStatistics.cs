namespace Conclave.Sfu.Metrics;

/// <summary>What the SFU of one node forwards, shared by every router on its media port: RTP packets received from
/// publishers, RTP packets sent to subscribers (retransmissions included), and the time each received packet spends
/// inside the SFU, from the datagram handed over by the socket to the last copy handed back to it (SRTP unprotect,
/// routing, and protect and send for every subscriber). All counters are updated without locks or allocation.</summary>
public sealed class ForwardingStatistics
{
    private long _received;
    private long _forwarded;

    /// <summary>RTP datagrams received from peers (SRTP, before unprotect).</summary>
    public long PacketsReceived => Interlocked.Read(ref _received);

    /// <summary>RTP packets sent to subscribers.</summary>
    public long PacketsForwarded => Interlocked.Read(ref _forwarded);

    /// <summary>In-SFU time per received RTP packet.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Zeroes the counters and the histogram (between load-test phases).</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _received, 0);
        Interlocked.Exchange(ref _forwarded, 0);
        Latency.Reset();
    }

    internal void OnReceived(long startTimestamp, long endTimestamp)
    {
        Interlocked.Increment(ref _received);
        Latency.Record(startTimestamp, endTimestamp);
    }

    internal void OnForwarded() => Interlocked.Increment(ref _forwarded);
}
