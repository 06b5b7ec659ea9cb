namespace Conclave.Media.Transport.Net;

/// <summary>Counters of the media port, updated with <see cref="Interlocked"/> by the receive loop and readable from
/// any thread (metrics, tests). Nothing here allocates.</summary>
public sealed class UdpMediaListenerCounters
{
    private static readonly int ReasonCount = Enum.GetValues<UdpDropReason>().Length;

    private readonly long[] _drops = new long[ReasonCount];
    private long _received;
    private long _stunResponses;
    private long _dtls;
    private long _rtp;
    private long _rtcp;
    private long _sendErrors;
    private long _receiveErrors;

    /// <summary>Datagrams read from the socket.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>STUN responses (success or authenticated error) sent back.</summary>
    public long StunResponsesSent => Interlocked.Read(ref _stunResponses);

    /// <summary>DTLS datagrams delivered to a peer.</summary>
    public long DtlsDelivered => Interlocked.Read(ref _dtls);

    /// <summary>RTP datagrams delivered to a peer.</summary>
    public long RtpDelivered => Interlocked.Read(ref _rtp);

    /// <summary>RTCP datagrams delivered to a peer.</summary>
    public long RtcpDelivered => Interlocked.Read(ref _rtcp);

    /// <summary>Sends the socket refused.</summary>
    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>Socket errors on receive (for example ICMP port-unreachable reported as a reset on Windows).</summary>
    public long ReceiveErrors => Interlocked.Read(ref _receiveErrors);

    /// <summary>Drops for one reason.</summary>
    public long GetDropped(UdpDropReason reason) => Interlocked.Read(ref _drops[(int)reason]);

    /// <summary>Drops for every reason except <see cref="UdpDropReason.ListenerFault"/> (those were delivered).</summary>
    public long TotalDropped
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _drops.Length; i++)
            {
                if (i != (int)UdpDropReason.ListenerFault) total += Interlocked.Read(ref _drops[i]);
            }
            return total;
        }
    }

    internal void Drop(UdpDropReason reason) => Interlocked.Increment(ref _drops[(int)reason]);

    internal void OnReceived() => Interlocked.Increment(ref _received);

    internal void OnStunResponse() => Interlocked.Increment(ref _stunResponses);

    internal void OnDtls() => Interlocked.Increment(ref _dtls);

    internal void OnRtp() => Interlocked.Increment(ref _rtp);

    internal void OnRtcp() => Interlocked.Increment(ref _rtcp);

    internal void OnSendError() => Interlocked.Increment(ref _sendErrors);

    internal void OnReceiveError() => Interlocked.Increment(ref _receiveErrors);
}
