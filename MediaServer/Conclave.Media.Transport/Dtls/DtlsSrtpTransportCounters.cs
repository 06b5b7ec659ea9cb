using Conclave.Media.Transport.Srtp;

namespace Conclave.Media.Transport.Dtls;

/// <summary>Packet counters of one <see cref="DtlsSrtpTransport"/>, readable from any thread. Nothing here allocates.</summary>
public sealed class DtlsSrtpTransportCounters
{
    private static readonly int StatusCount = Enum.GetValues<SrtpStatus>().Length;

    private readonly long[] _rejected = new long[StatusCount];
    private long _rtpReceived;
    private long _rtcpReceived;
    private long _rtpSent;
    private long _rtcpSent;
    private long _beforeKeys;

    /// <summary>SRTP packets that authenticated and were delivered.</summary>
    public long RtpReceived => Interlocked.Read(ref _rtpReceived);

    /// <summary>SRTCP packets that authenticated and were delivered.</summary>
    public long RtcpReceived => Interlocked.Read(ref _rtcpReceived);

    /// <summary>RTP packets protected and handed to the socket.</summary>
    public long RtpSent => Interlocked.Read(ref _rtpSent);

    /// <summary>RTCP packets protected and handed to the socket.</summary>
    public long RtcpSent => Interlocked.Read(ref _rtcpSent);

    /// <summary>SRTP/SRTCP that arrived before the handshake produced keys, and was dropped.</summary>
    public long DroppedBeforeKeys => Interlocked.Read(ref _beforeKeys);

    /// <summary>Received SRTP/SRTCP dropped because unprotecting it returned <paramref name="status"/> (forged,
    /// replayed, truncated…).</summary>
    public long GetRejected(SrtpStatus status) => Interlocked.Read(ref _rejected[(int)status]);

    /// <summary>All received SRTP/SRTCP dropped by SRTP checks.</summary>
    public long Rejected
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _rejected.Length; i++) total += Interlocked.Read(ref _rejected[i]);
            return total;
        }
    }

    internal void OnRtpReceived() => Interlocked.Increment(ref _rtpReceived);

    internal void OnRtcpReceived() => Interlocked.Increment(ref _rtcpReceived);

    internal void OnRtpSent() => Interlocked.Increment(ref _rtpSent);

    internal void OnRtcpSent() => Interlocked.Increment(ref _rtcpSent);

    internal void OnBeforeKeys() => Interlocked.Increment(ref _beforeKeys);

    internal void OnRejected(SrtpStatus status) => Interlocked.Increment(ref _rejected[(int)status]);
}
