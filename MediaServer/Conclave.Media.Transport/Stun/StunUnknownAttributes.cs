using System.Buffers.Binary;

namespace Conclave.Media.Transport.Stun;

/* RFC 8489 §14.13 UNKNOWN-ATTRIBUTES: a list of 16-bit attribute types
       0                   1                   2                   3
       0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      |      Attribute 1 Type         |       Attribute 2 Type        |
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      |      Attribute 3 Type         |       Attribute 4 Type    ...
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ */
/// <summary>Reads and writes UNKNOWN-ATTRIBUTES values.</summary>
public static class StunUnknownAttributes
{
    /// <summary>Decodes the listed types into <paramref name="types"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, Span<ushort> types, out int count)
    {
        count = 0;
        if ((value.Length & 1) != 0 || types.Length < value.Length / 2) return false;
        for (int i = 0; i < value.Length; i += 2)
        {
            types[count++] = BinaryPrimitives.ReadUInt16BigEndian(value[i..]);
        }
        return true;
    }

    /// <summary>Encodes the listed types.</summary>
    public static bool TryWrite(Span<byte> destination, ReadOnlySpan<ushort> types, out int written)
    {
        written = 0;
        if (destination.Length < types.Length * 2) return false;
        foreach (ushort type in types)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[written..], type);
            written += 2;
        }
        return true;
    }
}
