using System.Globalization;
using System.Net;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Net;
using Conclave.Sfu.Bandwidth;
using Conclave.Sfu.Routing;

namespace Conclave.Bench.Sfu;

/// <summary>The SFU as the server hosts it (MediaServer's <c>MediaPort</c> and <c>CallMedia</c>): one UDP media port,
/// here on 127.0.0.1 and an ephemeral port, one DTLS certificate, the default DTLS-SRTP settings, one
/// <see cref="MediaEndpoint"/> and one <see cref="Router"/> per room. Every SFU packet runs on the port's receive
/// thread, named <see cref="ReceiveThreadName"/>.</summary>
internal sealed class SfuHost : IDisposable
{
    // Allocated by this
    private readonly List<Router> _routers = [];

    /// <param name="receiveBuffer">SO_RCVBUF of the port; 0 keeps the OS default, as the server does.</param>
    public SfuHost(int receiveBuffer)
    {
        Listener = new UdpMediaListener(new MediaPortOptions { BindAddress = IPAddress.Loopback, Port = 0, SocketReceiveBufferSize = receiveBuffer });
        Endpoint = new MediaEndpoint(Listener, DtlsCertificate.Generate("conclave-media"), DtlsSrtpOptions.Default);
    }

    public UdpMediaListener Listener { get; }                         // Owned
    public MediaEndpoint Endpoint { get; }

    /// <summary>The name <c>UdpMediaSocket</c> gives the port's receive thread: its prefix and the port.</summary>
    public string ReceiveThreadName => "media-udp-" + Listener.LocalPort.ToString(CultureInfo.InvariantCulture);

    /// <summary>A router for one more room, disposed with the host.</summary>
    public Router CreateRouter(string room)
    {
        var router = new Router(room, Endpoint, TimeProvider.System);
        _routers.Add(router);
        return router;
    }

    /// <summary>SRTP/SRTCP packets the SFU's transports of <paramref name="participantIds"/> rejected (authentication,
    /// replay, malformed).</summary>
    public long SrtpRejected(IEnumerable<string> participantIds)
        => participantIds.Sum(id => _routers.Sum(r => r.FindPeer(id)?.Transport?.Counters.Rejected ?? 0));

    /// <summary>The SFU's send-side bandwidth estimate of the leg to <paramref name="participantId"/> (its
    /// <c>SfuPeer.Estimator</c>), read from the measuring thread while the SFU's thread updates it: each value is read
    /// whole, the set of them is not one instant's. Only plain properties are read (AcknowledgedBitrate would advance
    /// the estimator's meter from this thread).</summary>
    public SubscriberEstimate? Estimate(string participantId)
    {
        foreach (Router router in _routers)
        {
            if (router.FindPeer(participantId) is not { } peer) continue;
            SubscriberBandwidthEstimator estimator = peer.Estimator;
            return new SubscriberEstimate(participantId, estimator.Estimate, estimator.DelayBasedEstimate, estimator.Usage, estimator.LossRatio);
        }
        return null;
    }

    public void Dispose()
    {
        foreach (Router router in _routers) router.Dispose();
        Listener.Dispose();
    }
}
