using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Conclave.Media.Transport.Stun;

/// <summary>MESSAGE-INTEGRITY and FINGERPRINT arithmetic shared by the reader and the writer.</summary>
internal static class StunIntegrity
{
    /// <summary>RFC 8489 §14.7: the CRC is XORed with this ("STUN").</summary>
    public const uint FingerprintXor = 0x5354554E;

    private const int StackScratchLimit = 256;

    /* RFC 8489 §14.5: the HMAC input is the message up to (not including) MESSAGE-INTEGRITY, with the header's
       length field set as if MESSAGE-INTEGRITY were the last attribute: (miOffset - 20) + 24. */
    public static void ComputeMessageIntegrity(ReadOnlySpan<byte> message, int miOffset, ReadOnlySpan<byte> key, Span<byte> mac)
    {
        byte[]? rented = null;
        Span<byte> scratch = miOffset <= StackScratchLimit
            ? stackalloc byte[StackScratchLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(miOffset));
        try
        {
            Span<byte> input = scratch[..miOffset];
            message[..miOffset].CopyTo(input);
            BinaryPrimitives.WriteUInt16BigEndian(input[2..],
                (ushort)(miOffset - StunMessage.HeaderLength + StunMessage.AttributeHeaderLength + StunMessage.MessageIntegrityLength));
            HMACSHA1.HashData(key, input, mac);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static bool VerifyMessageIntegrity(ReadOnlySpan<byte> message, int miOffset, ReadOnlySpan<byte> key)
    {
        Span<byte> mac = stackalloc byte[StunMessage.MessageIntegrityLength];
        ComputeMessageIntegrity(message, miOffset, key, mac);
        ReadOnlySpan<byte> received = message.Slice(miOffset + StunMessage.AttributeHeaderLength, StunMessage.MessageIntegrityLength);
        return CryptographicOperations.FixedTimeEquals(mac, received);                // RFC 8489 §9.1.3: compare in constant time
    }

    /* RFC 8489 §14.7: CRC-32 of the message up to FINGERPRINT, with the length field already covering
       FINGERPRINT (it is the last attribute, so the received header is used as-is), XOR 0x5354554E. */
    public static uint ComputeFingerprint(ReadOnlySpan<byte> messageUpToFingerprint) =>
        StunCrc32.Compute(messageUpToFingerprint) ^ FingerprintXor;

    public static bool VerifyFingerprint(ReadOnlySpan<byte> message, int fpOffset)
    {
        uint expected = ComputeFingerprint(message[..fpOffset]);
        uint received = BinaryPrimitives.ReadUInt32BigEndian(message[(fpOffset + StunMessage.AttributeHeaderLength)..]);
        return expected == received;
    }
}
