using System.Net;
using System.Net.Sockets;

namespace Conclave.Client.Media;

/// <summary>
/// The local address media should be sent from to reach a server: the one the operating system's routing table
/// picks for the server's host (a UDP socket "connected" to it, which sends nothing). 127.0.0.1 for a server on
/// loopback, the LAN address for one on the LAN. The SFU is ICE lite and answers whatever address the checks come
/// from, so the host candidate offered needs only to be of the right family.
/// </summary>
public static class LocalRoute
{
    /// <summary>The local address towards <paramref name="server"/>'s host (resolved with DNS when it is a name).</summary>
    /// <exception cref="ConclaveConnectionException">The name does not resolve, or no route leads to it.</exception>
    public static async Task<IPAddress> TowardsAsync(Uri server, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        try
        {
            IPAddress[] addresses = IPAddress.TryParse(server.IdnHost, out IPAddress? literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(server.IdnHost, cancellationToken).ConfigureAwait(false);
            IPAddress remote = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.First();
            using var probe = new Socket(remote.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(new IPEndPoint(remote, server.Port > 0 ? server.Port : 443));
            return ((IPEndPoint)probe.LocalEndPoint!).Address;
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            throw new ConclaveConnectionException(server, $"no route to {server.IdnHost} for media: {e.Message}", e);
        }
    }
}
