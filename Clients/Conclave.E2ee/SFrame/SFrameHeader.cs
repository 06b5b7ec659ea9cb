using System.Numerics;

namespace Conclave.E2ee.SFrame;

/*  RFC 9605 §4.3
     0 1 2 3 4 5 6 7
    +-+-+-+-+-+-+-+-+------------------------+------------------------+
    |X|  K  |Y|  C  |  KID... (length=KLEN)  |  CTR... (length=CLEN)  |
    +-+-+-+-+-+-+-+-+------------------------+------------------------+
    X=0: K is the KID (0-7), no KID bytes.  X=1: KLEN = K + 1 (1-8).
    Y=0: C is the CTR (0-7), no CTR bytes.  Y=1: CLEN = C + 1 (1-8).          */
/// <summary>
/// The SFrame header (RFC 9605 §4.3): a config byte, then the KID and the CTR as compact big-endian integers.
/// Values 0–7 sit in the config byte (X or Y = 0); larger ones follow it in their minimum number of bytes, with
/// K or C holding that length minus one (X or Y = 1). The header is 1 to <see cref="MaxLength"/> bytes.
/// </summary>
/// <param name="KeyId">KID: which base_key the frame uses (RFC 9605 §4.4.1).</param>
/// <param name="Counter">CTR: the per-key frame counter the nonce is made from (RFC 9605 §4.4.3).</param>
public readonly record struct SFrameHeader(ulong KeyId, ulong Counter)
{
    /// <summary>Config byte, 8-byte KID and 8-byte CTR.</summary>
    public const int MaxLength = 1 + 8 + 8;

    private const byte ExtendedKeyIdFlag = 0x80;                    // X
    private const byte ExtendedCounterFlag = 0x08;                  // Y
    private const int InlineLimit = 8;                              // values below it go in the config byte

    /// <summary>Length of this header on the wire (pion's MarshalSize).</summary>
    public int GetWrittenLength() => GetLength(KeyId, Counter);

    /// <summary>Length of the header that encodes <paramref name="keyId"/> and <paramref name="counter"/>.</summary>
    public static int GetLength(ulong keyId, ulong counter) => 1 + FieldLength(keyId) + FieldLength(counter);

    /// <summary>
    /// Writes the header in its minimal form (RFC 9605 §4.3). False, with nothing written, when
    /// <paramref name="destination"/> is shorter than <see cref="GetWrittenLength"/>.
    /// </summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        int keyIdLength = FieldLength(KeyId), counterLength = FieldLength(Counter);
        written = 1 + keyIdLength + counterLength;
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }
        int config = keyIdLength == 0 ? (int)KeyId << 4 : ExtendedKeyIdFlag | (keyIdLength - 1) << 4;
        config |= counterLength == 0 ? (int)Counter : ExtendedCounterFlag | (counterLength - 1);
        destination[0] = (byte)config;
        WriteField(destination.Slice(1, keyIdLength), KeyId);
        WriteField(destination.Slice(1 + keyIdLength, counterLength), Counter);
        return true;
    }

    /// <summary>
    /// Reads the header at the start of <paramref name="input"/>. Never throws: hostile bytes give
    /// <see cref="SFrameHeaderStatus.TooShort"/> or <see cref="SFrameHeaderStatus.NotMinimal"/>.
    /// <paramref name="length"/> is the number of header bytes (the ciphertext follows them).
    /// </summary>
    public static SFrameHeaderStatus TryRead(ReadOnlySpan<byte> input, out SFrameHeader header, out int length)
    {
        header = default;
        length = 0;
        if (input.IsEmpty) return SFrameHeaderStatus.TooShort;
        byte config = input[0];
        int keyIdLength = (config & ExtendedKeyIdFlag) != 0 ? ((config >> 4) & 0x07) + 1 : 0;
        int counterLength = (config & ExtendedCounterFlag) != 0 ? (config & 0x07) + 1 : 0;
        int total = 1 + keyIdLength + counterLength;
        if (input.Length < total) return SFrameHeaderStatus.TooShort;

        ulong keyId = keyIdLength == 0 ? (ulong)((config >> 4) & 0x07) : ReadField(input.Slice(1, keyIdLength));
        ulong counter = counterLength == 0 ? (ulong)(config & 0x07) : ReadField(input.Slice(1 + keyIdLength, counterLength));
        // RFC 9605 §4.3: a value 0-7 is carried in the config byte; a larger one "MUST be encoded with the minimum
        // number of bytes required".
        if (FieldLength(keyId) != keyIdLength || FieldLength(counter) != counterLength) return SFrameHeaderStatus.NotMinimal;

        header = new SFrameHeader(keyId, counter);
        length = total;
        return SFrameHeaderStatus.Ok;
    }

    /// <summary>Bytes after the config byte for <paramref name="value"/>: 0 for 0–7, else its minimal big-endian length.</summary>
    private static int FieldLength(ulong value) =>
        value < InlineLimit ? 0 : (64 - BitOperations.LeadingZeroCount(value) + 7) >> 3;

    private static void WriteField(Span<byte> field, ulong value)
    {
        for (int i = field.Length - 1; i >= 0; i--, value >>= 8) field[i] = (byte)value;
    }

    private static ulong ReadField(ReadOnlySpan<byte> field)
    {
        ulong value = 0;
        foreach (byte b in field) value = value << 8 | b;
        return value;
    }

    /// <inheritdoc />
    public override string ToString() => $"SFrame(KID={KeyId}, CTR={Counter})";
}
