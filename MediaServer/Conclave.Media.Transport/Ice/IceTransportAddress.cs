using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Conclave.Media.Transport.Ice;

/// <summary>An IP address and UDP port as an unmanaged value, so the receive loop can key and compare remote
/// endpoints without allocating. IPv4-mapped IPv6 addresses (from dual-stack sockets) are normalised to IPv4,
/// so XOR-MAPPED-ADDRESS reports what the peer actually sent from.</summary>
public readonly struct IceTransportAddress : IEquatable<IceTransportAddress>
{
    private readonly ulong _high;   // IPv6 bytes 0..7 (big-endian); 0 for IPv4
    private readonly ulong _low;    // IPv6 bytes 8..15, or the IPv4 address in the low 32 bits

    private IceTransportAddress(ulong high, ulong low, ushort port, bool isIPv6)
    {
        _high = high;
        _low = low;
        Port = port;
        IsIPv6 = isIPv6;
    }

    /// <summary>The UDP port.</summary>
    public ushort Port { get; }

    /// <summary>True for IPv6, false for IPv4.</summary>
    public bool IsIPv6 { get; }

    /// <summary>4 or 16.</summary>
    public int AddressLength => IsIPv6 ? 16 : 4;

    /// <summary>Builds from raw network-order address bytes (4 or 16).</summary>
    public static bool TryCreate(ReadOnlySpan<byte> address, ushort port, out IceTransportAddress result)
    {
        result = default;
        if (address.Length == 4)
        {
            result = new IceTransportAddress(0, BinaryPrimitives.ReadUInt32BigEndian(address), port, isIPv6: false);
            return true;
        }
        if (address.Length != 16) return false;
        ulong high = BinaryPrimitives.ReadUInt64BigEndian(address);
        ulong low = BinaryPrimitives.ReadUInt64BigEndian(address[8..]);
        if (high == 0 && (low >> 32) == 0x0000FFFF)                                                   // ::ffff:a.b.c.d (RFC 4291 §2.5.5.2)
        {
            result = new IceTransportAddress(0, low & 0xFFFFFFFF, port, isIPv6: false);
            return true;
        }
        result = new IceTransportAddress(high, low, port, isIPv6: true);
        return true;
    }

    /// <summary>Converts an <see cref="IPEndPoint"/> (control plane, not per packet).</summary>
    public static IceTransportAddress FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Span<byte> bytes = stackalloc byte[16];
        if (!endPoint.Address.TryWriteBytes(bytes, out int written) || !TryCreate(bytes[..written], (ushort)endPoint.Port, out IceTransportAddress result))
        {
            throw new ArgumentException("Only IPv4 and IPv6 end points are supported.", nameof(endPoint));
        }
        return result;
    }

    /* sockaddr_in / sockaddr_in6 as held by System.Net.SocketAddress (filled by Socket.ReceiveFrom without
       allocating): the port is big-endian at offset 2 on every platform, the IPv4 address at 4, the IPv6 at 8. */
    /// <summary>Reads a <see cref="SocketAddress"/> filled by <c>Socket.ReceiveFrom(Span, SocketFlags, SocketAddress)</c>
    /// without allocating.</summary>
    public static bool TryFromSocketAddress(SocketAddress socketAddress, out IceTransportAddress result)
    {
        result = default;
        if (socketAddress is null) return false;
        ReadOnlySpan<byte> raw = socketAddress.Buffer.Span[..socketAddress.Size];
        switch (socketAddress.Family)
        {
            case AddressFamily.InterNetwork when raw.Length >= 8:
                return TryCreate(raw.Slice(4, 4), BinaryPrimitives.ReadUInt16BigEndian(raw[2..]), out result);
            case AddressFamily.InterNetworkV6 when raw.Length >= 24:
                return TryCreate(raw.Slice(8, 16), BinaryPrimitives.ReadUInt16BigEndian(raw[2..]), out result);
            default:
                return false;
        }
    }

    /// <summary>Writes the <see cref="AddressLength"/> network-order address bytes.</summary>
    public bool TryWriteAddress(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < AddressLength) return false;
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
        }
        written = AddressLength;
        return true;
    }

    /// <summary>Converts to an <see cref="IPEndPoint"/> (allocates; for logging and sockets set-up).</summary>
    public IPEndPoint ToIPEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        TryWriteAddress(bytes, out int written);
        return new IPEndPoint(new IPAddress(bytes[..written]), Port);
    }

    /// <inheritdoc/>
    public bool Equals(IceTransportAddress other) =>
        _high == other._high && _low == other._low && Port == other.Port && IsIPv6 == other.IsIPv6;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is IceTransportAddress other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_high, _low, Port, IsIPv6);

    /// <inheritdoc/>
    public override string ToString() => ToIPEndPoint().ToString();

    /// <summary>Value equality.</summary>
    public static bool operator ==(IceTransportAddress left, IceTransportAddress right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(IceTransportAddress left, IceTransportAddress right) => !left.Equals(right);
}
