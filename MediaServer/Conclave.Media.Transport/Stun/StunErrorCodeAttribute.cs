using System.Buffers.Binary;

namespace Conclave.Media.Transport.Stun;

/* RFC 8489 §14.8 ERROR-CODE
       0                   1                   2                   3
       0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      |           Reserved, should be 0         |Class|     Number    |
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
      |      Reason Phrase (variable)                                ..
      +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   Class is the hundreds digit (3..6), Number the rest (0..99). The reason is UTF-8, < 128 characters. */
/// <summary>Reads and writes ERROR-CODE values.</summary>
public static class StunErrorCodeAttribute
{
    /// <summary>RFC 8489 §14.8: 400 Bad Request.</summary>
    public const int BadRequest = 400;
    /// <summary>RFC 8489 §14.8: 401 Unauthenticated.</summary>
    public const int Unauthenticated = 401;
    /// <summary>RFC 8489 §14.8: 420 Unknown Attribute.</summary>
    public const int UnknownAttribute = 420;
    /// <summary>RFC 8445 §16.2: 487 Role Conflict.</summary>
    public const int RoleConflict = 487;

    /// <summary>RFC 8489 §14.8: the reason phrase is at most 763 bytes.</summary>
    public const int MaxReasonLength = 763;

    /// <summary>Decodes the code (300..699) and the raw UTF-8 reason phrase.</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, out int code, out ReadOnlySpan<byte> reason)
    {
        code = 0;
        reason = default;
        if (value.Length < 4) return false;
        int errorClass = value[2] & 0x07;
        int number = value[3];
        if (errorClass is < 3 or > 6 || number > 99) return false;
        code = errorClass * 100 + number;
        reason = value[4..];
        return true;
    }

    /// <summary>Encodes an ERROR-CODE value.</summary>
    public static bool TryWrite(Span<byte> destination, int code, ReadOnlySpan<byte> reasonUtf8, out int written)
    {
        written = 0;
        if (code is < 300 or > 699 || reasonUtf8.Length > MaxReasonLength) return false;
        if (destination.Length < 4 + reasonUtf8.Length) return false;
        BinaryPrimitives.WriteUInt16BigEndian(destination, 0);
        destination[2] = (byte)(code / 100);
        destination[3] = (byte)(code % 100);
        reasonUtf8.CopyTo(destination[4..]);
        written = 4 + reasonUtf8.Length;
        return true;
    }
}
