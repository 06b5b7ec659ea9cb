using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Conclave.Media.Transport.Sdp;

namespace Conclave.Media.Transport.Net;

/// <summary>Where the single UDP media port listens and what address is announced for it in SDP.
/// <para>The media port defaults to <see cref="DefaultPort"/> (UDP 40000) on every interface (<c>::</c>, dual-stack,
/// so IPv4 and IPv6 peers share it). Firewalls and container port mappings must forward that one UDP port.
/// Behind NAT or in a container, set <see cref="AnnouncedAddress"/> to the public IP the browsers can reach.</para></summary>
public sealed class MediaPortOptions
{
    /// <summary>The documented default media port: UDP 40000. Every peer of every call shares it.</summary>
    public const int DefaultPort = 40000;

    /// <summary>Default <see cref="MaxDatagramLength"/>: the Ethernet MTU. WebRTC stacks keep datagrams under the
    /// path MTU (browsers send at most about 1,200 bytes), so anything larger is treated as hostile and dropped.</summary>
    public const int DefaultMaxDatagramLength = 1500;

    /// <summary>RFC 8445 §5.1.2.2: the recommended type preference for host candidates.</summary>
    public const int HostTypePreference = 126;

    /// <summary>RFC 8445 §5.1.2.1: a single-homed agent uses the maximum local preference, 65535.</summary>
    public const int DefaultLocalPreference = 65535;

    /// <summary>Address the socket binds to. Default <see cref="IPAddress.IPv6Any"/>, which is opened dual-mode
    /// so IPv4 peers arrive on the same socket (as IPv4-mapped addresses, normalised to IPv4).</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.IPv6Any;

    /// <summary>UDP port to bind; <see cref="DefaultPort"/> unless configured. 0 picks an ephemeral port (tests).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>The address written into SDP host candidates (a public IP behind NAT, 127.0.0.1 in tests).
    /// Null announces <see cref="BindAddress"/>, which must then be a specific address, not a wildcard.</summary>
    public IPAddress? AnnouncedAddress { get; init; }

    /// <summary>Datagrams longer than this are dropped and counted (<see cref="UdpDropReason.Oversized"/>).</summary>
    public int MaxDatagramLength { get; init; } = DefaultMaxDatagramLength;

    /// <summary>Kernel receive buffer size (SO_RCVBUF) in bytes; 0 keeps the OS default.</summary>
    public int SocketReceiveBufferSize { get; init; }

    /// <summary>The address to announce: <see cref="AnnouncedAddress"/>, else a specific <see cref="BindAddress"/>.</summary>
    /// <exception cref="InvalidOperationException">Neither is set to a specific address.</exception>
    public IPAddress GetAnnouncedAddress()
    {
        if (AnnouncedAddress is { } announced) return announced;
        if (BindAddress.Equals(IPAddress.Any) || BindAddress.Equals(IPAddress.IPv6Any))
        {
            throw new InvalidOperationException("Bound to a wildcard address: configure MediaPortOptions.AnnouncedAddress.");
        }
        return BindAddress;
    }

    /// <summary>Checks the options; called by <see cref="UdpMediaListener"/> before binding.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(BindAddress);
        if (BindAddress.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException("BindAddress must be IPv4 or IPv6.", nameof(BindAddress));
        }
        if (Port is < IPEndPoint.MinPort or > IPEndPoint.MaxPort) throw new ArgumentException("Port must be 0-65535.", nameof(Port));
        if (MaxDatagramLength is < 1 or > UdpMediaListener.ReceiveBufferLength)
        {
            throw new ArgumentException($"MaxDatagramLength must be 1-{UdpMediaListener.ReceiveBufferLength}.", nameof(MaxDatagramLength));
        }
        if (SocketReceiveBufferSize < 0) throw new ArgumentException("SocketReceiveBufferSize must not be negative.", nameof(SocketReceiveBufferSize));
    }

    /// <summary>RFC 8445 §5.1.2.1: priority = 2^24 * type preference + 2^8 * local preference + (256 - component ID).</summary>
    public static uint ComputePriority(int typePreference, int localPreference, int componentId)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(typePreference is >= 0 and <= 126, true, nameof(typePreference));
        ArgumentOutOfRangeException.ThrowIfNotEqual(localPreference is >= 0 and <= 65535, true, nameof(localPreference));
        ArgumentOutOfRangeException.ThrowIfNotEqual(componentId is >= 1 and <= 256, true, nameof(componentId));
        return ((uint)typePreference << 24) + ((uint)localPreference << 8) + (uint)(256 - componentId);
    }

    /// <summary>The host candidate for the media port (component 1: RTP and RTCP are muxed, RFC 5761).</summary>
    /// <param name="port">The port actually bound (<see cref="UdpMediaListener.LocalPort"/>), which differs from
    /// <see cref="Port"/> when that is 0.</param>
    public IceCandidate CreateHostCandidate(int port)
    {
        if (port is < 1 or > IPEndPoint.MaxPort) throw new ArgumentOutOfRangeException(nameof(port));
        return new IceCandidate(
            Foundation: "1",
            Component: 1,
            Transport: "udp",
            Priority: ComputePriority(HostTypePreference, DefaultLocalPreference, componentId: 1),
            Address: GetAnnouncedAddress().ToString(),
            Port: port,
            Type: IceCandidateType.Host,
            RelatedAddress: null,
            RelatedPort: null,
            Extensions: EquatableList<KeyValuePair<string, string>>.Empty);
    }

    /// <summary>The candidate-attribute value (RFC 8839 §5.1) without <c>a=</c>:
    /// <c>candidate:1 1 udp 2130706431 &lt;announced&gt; &lt;port&gt; typ host</c>.</summary>
    public string FormatHostCandidate(int port) =>
        string.Create(CultureInfo.InvariantCulture, $"candidate:{SdpWriter.FormatCandidate(CreateHostCandidate(port))}");
}
