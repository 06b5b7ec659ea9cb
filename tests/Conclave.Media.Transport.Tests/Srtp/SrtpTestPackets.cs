using System.Buffers.Binary;
using Conclave.Media.Transport.Srtp;

namespace Conclave.Media.Transport.Tests.Srtp;

/// <summary>Builds RTP/RTCP packets and context pairs for the SRTP tests.</summary>
internal static class SrtpTestPackets
{
    public static readonly SrtpProfile[] Profiles =
        [SrtpProfile.AesCm128HmacSha1_80, SrtpProfile.AeadAes128Gcm, SrtpProfile.AeadAes256Gcm];

    public static TheoryData<SrtpProfile> AllProfiles => new(Profiles);

    /// <summary>A sender and a receiver context over the same random master key and salt.</summary>
    public static (SrtpContext Sender, SrtpContext Receiver) Pair(SrtpProfile profile, int seed = 1, int maxSsrcs = SrtpContext.DefaultMaxSsrcs)
    {
        var rng = new Random(seed);
        byte[] key = new byte[profile.KeyLength()];
        byte[] salt = new byte[profile.SaltLength()];
        rng.NextBytes(key);
        rng.NextBytes(salt);
        return (new SrtpContext(profile, key, salt, maxSsrcs), new SrtpContext(profile, key, salt, maxSsrcs));
    }

    /// <summary>
    /// An RTP packet (RFC 3550 §5.1) in a buffer with <paramref name="spare"/> bytes after it; returns the buffer
    /// and the packet length.
    /// </summary>
    public static (byte[] Buffer, int Length) Rtp(ushort seq, uint ssrc, int payloadLength, Random? rng = null,
        int csrcCount = 0, int extensionWords = -1, int spare = 32)
    {
        rng ??= new Random(seq);
        int header = 12 + 4 * csrcCount + (extensionWords >= 0 ? 4 + 4 * extensionWords : 0);
        byte[] buffer = new byte[header + payloadLength + spare];
        buffer[0] = (byte)(0x80 | (extensionWords >= 0 ? 0x10 : 0) | csrcCount);
        buffer[1] = 96;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), seq);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), (uint)rng.Next());
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(8), ssrc);
        int offset = 12;
        for (int i = 0; i < csrcCount; i++, offset += 4) BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(offset), (uint)rng.Next());
        if (extensionWords >= 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(offset), 0xBEDE);               // RFC 8285 one-byte form
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(offset + 2), (ushort)extensionWords);
            rng.NextBytes(buffer.AsSpan(offset + 4, 4 * extensionWords));
        }
        rng.NextBytes(buffer.AsSpan(header, payloadLength));
        return (buffer, header + payloadLength);
    }

    /// <summary>An RTCP receiver report (RFC 3550 §6.4.2) of <paramref name="length"/> bytes (≥ 8), random body.</summary>
    public static (byte[] Buffer, int Length) Rtcp(uint ssrc, int length, Random? rng = null, int spare = 32)
    {
        rng ??= new Random(length);
        byte[] buffer = new byte[length + spare];
        rng.NextBytes(buffer.AsSpan(0, length));
        buffer[0] = 0x81;
        buffer[1] = 201;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)(length / 4 - 1));
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), ssrc);
        return (buffer, length);
    }

    /// <summary>Protects a fresh RTP packet and returns the SRTP bytes (exact length).</summary>
    public static byte[] ProtectRtp(SrtpContext sender, ushort seq, uint ssrc, int payloadLength = 160, int seed = 0)
    {
        var (buffer, length) = Rtp(seq, ssrc, payloadLength, new Random(seed ^ seq));
        Assert.Equal(SrtpStatus.Ok, sender.Protect(buffer, length, out int protectedLength));
        return buffer.AsSpan(0, protectedLength).ToArray();
    }

    /// <summary>Unprotects a copy of <paramref name="srtp"/>.</summary>
    public static SrtpStatus Unprotect(SrtpContext receiver, byte[] srtp)
    {
        byte[] copy = (byte[])srtp.Clone();
        return receiver.Unprotect(copy, out _);
    }
}
