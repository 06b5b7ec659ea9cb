namespace Conclave.Media.Transport.Stun;

/* RFC 8489 §5, Figure 3: the 14-bit message type interleaves method and class bits
        0                 1
        2  3  4 5 6 7 8 9 0 1 2 3 4 5
       +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
       |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
       |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
       +--+--+-+-+-+-+-+-+-+-+-+-+-+-+ */
/// <summary>Packs and unpacks the STUN message type field.</summary>
public static class StunMessageType
{
    /// <summary>The Binding method (RFC 8489 §18.2).</summary>
    public const ushort BindingMethod = 0x001;

    /// <summary>0x0001.</summary>
    public const ushort BindingRequest = 0x0001;
    /// <summary>0x0011.</summary>
    public const ushort BindingIndication = 0x0011;
    /// <summary>0x0101.</summary>
    public const ushort BindingSuccessResponse = 0x0101;
    /// <summary>0x0111.</summary>
    public const ushort BindingErrorResponse = 0x0111;

    /// <summary>Combines a 12-bit method and a class into the 14-bit type.</summary>
    public static ushort Compose(ushort method, StunMessageClass messageClass)
    {
        int c = (int)messageClass;
        int m = method & 0x0FFF;
        return (ushort)((m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 1) << 4) | ((c & 2) << 7));
    }

    /// <summary>The 12-bit method of a message type.</summary>
    public static ushort GetMethod(ushort type) => (ushort)((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));

    /// <summary>The class of a message type.</summary>
    public static StunMessageClass GetClass(ushort type) => (StunMessageClass)(((type >> 4) & 1) | ((type >> 7) & 2));
}
