using System.Buffers.Binary;

namespace Conclave.Media.Transport.Stun;

/* RFC 8489 §14.1 MAPPED-ADDRESS and §14.2 XOR-MAPPED-ADDRESS
       0                   1                   2                   3
       0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      |0 0 0 0 0 0 0 0|    Family     |      Port (X-Port)            |
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      |                 Address (X-Address): 32 or 128 bits           |
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   Family 0x01 = IPv4, 0x02 = IPv6. X-Port = port XOR the cookie's top 16 bits; X-Address = address XOR
   the cookie (IPv4) or the cookie || transaction id (IPv6). */
/// <summary>Reads and writes (XOR-)MAPPED-ADDRESS values. Addresses are raw network-order bytes (4 or 16).</summary>
public static class StunAddressAttribute
{
    /// <summary>RFC 8489 §14.1 family code for IPv4.</summary>
    public const byte FamilyIPv4 = 0x01;
    /// <summary>RFC 8489 §14.1 family code for IPv6.</summary>
    public const byte FamilyIPv6 = 0x02;

    /// <summary>Value length for a 4- or 16-byte address.</summary>
    public static int GetValueLength(int addressLength) => 4 + addressLength;

    /// <summary>Decodes a MAPPED-ADDRESS value.</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, Span<byte> address, out int addressLength, out ushort port)
    {
        port = 0;
        if (!TryReadHeader(value, address, out addressLength)) return false;
        port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]);
        value.Slice(4, addressLength).CopyTo(address);
        return true;
    }

    /// <summary>Decodes an XOR-MAPPED-ADDRESS value using the message's transaction id.</summary>
    public static bool TryReadXor(ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId, Span<byte> address, out int addressLength, out ushort port)
    {
        port = 0;
        if (transactionId.Length != StunMessage.TransactionIdLength) { addressLength = 0; return false; }
        if (!TryReadHeader(value, address, out addressLength)) return false;
        port = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(value[2..]) ^ (StunMessage.MagicCookie >> 16));
        Xor(value.Slice(4, addressLength), transactionId, address);
        return true;
    }

    /// <summary>Encodes a MAPPED-ADDRESS value.</summary>
    public static bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> address, ushort port, out int written)
    {
        written = 0;
        if (!TryWriteHeader(destination, address, port)) return false;
        address.CopyTo(destination[4..]);
        written = GetValueLength(address.Length);
        return true;
    }

    /// <summary>Encodes an XOR-MAPPED-ADDRESS value using the message's transaction id.</summary>
    public static bool TryWriteXor(Span<byte> destination, ReadOnlySpan<byte> address, ushort port, ReadOnlySpan<byte> transactionId, out int written)
    {
        written = 0;
        if (transactionId.Length != StunMessage.TransactionIdLength) return false;
        if (!TryWriteHeader(destination, address, (ushort)(port ^ (StunMessage.MagicCookie >> 16)))) return false;
        Xor(address, transactionId, destination[4..]);
        written = GetValueLength(address.Length);
        return true;
    }

    private static bool TryReadHeader(ReadOnlySpan<byte> value, Span<byte> address, out int addressLength)
    {
        addressLength = 0;
        if (value.Length < 4) return false;
        int expected = value[1] switch { FamilyIPv4 => 4, FamilyIPv6 => 16, _ => 0 };
        if (expected == 0 || value.Length != 4 + expected || address.Length < expected) return false;
        addressLength = expected;
        return true;
    }

    private static bool TryWriteHeader(Span<byte> destination, ReadOnlySpan<byte> address, ushort wirePort)
    {
        if (address.Length is not (4 or 16) || destination.Length < GetValueLength(address.Length)) return false;
        destination[0] = 0;
        destination[1] = address.Length == 4 ? FamilyIPv4 : FamilyIPv6;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], wirePort);
        return true;
    }

    // XOR key: magic cookie (4 bytes) followed by the transaction id (12 bytes); IPv4 uses only the cookie.
    private static void Xor(ReadOnlySpan<byte> source, ReadOnlySpan<byte> transactionId, Span<byte> destination)
    {
        Span<byte> key = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(key, StunMessage.MagicCookie);
        transactionId.CopyTo(key[4..]);
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = (byte)(source[i] ^ key[i]);
        }
    }
}
