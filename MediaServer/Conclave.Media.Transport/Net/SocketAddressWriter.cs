using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Conclave.Media.Transport.Ice;

namespace Conclave.Media.Transport.Net;

/// <summary>Fills a <see cref="SocketAddress"/> from an <see cref="IceTransportAddress"/> without allocating, so
/// sends to a known peer reuse one <see cref="SocketAddress"/>.</summary>
internal static class SocketAddressWriter
{
    /* sockaddr_in  (16): family(2, platform layout, set by the SocketAddress constructor) | port(2, BE) | addr(4) | zero(8)
       sockaddr_in6 (28): family(2) | port(2, BE) | flowinfo(4) | addr(16) | scope_id(4)
       On a dual-mode IPv6 socket an IPv4 destination is written as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2). */
    private const int Ipv4Size = 16;
    private const int Ipv6Size = 28;

    /// <summary>A fresh address buffer of the right size for a socket of <paramref name="family"/>.</summary>
    public static SocketAddress Create(AddressFamily family) =>
        new(family, family == AddressFamily.InterNetworkV6 ? Ipv6Size : Ipv4Size);

    /// <summary>Writes <paramref name="address"/> into <paramref name="destination"/>, whose family is the socket's.</summary>
    public static bool TryWrite(in IceTransportAddress address, SocketAddress destination)
    {
        Span<byte> raw = destination.Buffer.Span;
        if (destination.Family == AddressFamily.InterNetworkV6)
        {
            if (raw.Length < Ipv6Size) return false;
            destination.Size = Ipv6Size;
            BinaryPrimitives.WriteUInt16BigEndian(raw[2..], address.Port);
            raw.Slice(4, 4).Clear();                                                                  // flowinfo
            Span<byte> ip = raw.Slice(8, 16);
            if (address.IsIPv6)
            {
                address.TryWriteAddress(ip, out _);
            }
            else
            {
                ip[..10].Clear();
                ip[10] = 0xFF;
                ip[11] = 0xFF;
                address.TryWriteAddress(ip[12..], out _);
            }
            raw.Slice(24, 4).Clear();                                                                 // scope id
            return true;
        }
        if (destination.Family != AddressFamily.InterNetwork || address.IsIPv6 || raw.Length < Ipv4Size) return false;
        destination.Size = Ipv4Size;
        BinaryPrimitives.WriteUInt16BigEndian(raw[2..], address.Port);
        address.TryWriteAddress(raw.Slice(4, 4), out _);
        raw.Slice(8, 8).Clear();
        return true;
    }
}
