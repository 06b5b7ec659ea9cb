using System.Diagnostics;
using System.Text;
using Conclave.Media.Transport.Stun;

namespace Conclave.Media.Transport.Tests.Stun;

/// <summary>pion-style fuzzing from a fixed seed: random, structured-random and mutated messages through the reader,
/// MESSAGE-INTEGRITY, FINGERPRINT and every attribute reader. Nothing may throw.</summary>
public sealed class StunFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 5769;
    private const int PureRandom = 300_000;
    private const int StructuredRandom = 300_000;
    private const int Mutated = 400_000;

    private static readonly byte[] Key = Encoding.ASCII.GetBytes("VOkJxbRl1RmTxUk/WvJxBt");

    [Fact]
    public void MillionRandomAndMutatedMessagesNeverThrow()
    {
        var random = new Random(Seed);
        byte[][] seeds = [StunTestVectors.Message("2.1"), StunTestVectors.Message("2.2"), StunTestVectors.Message("2.3"), StunTestVectors.Message("2.4")];
        var buffer = new byte[1600];
        var stopwatch = Stopwatch.StartNew();
        int parsed = 0;

        for (int i = 0; i < PureRandom; i++)
        {
            int length = random.Next(0, 200);
            random.NextBytes(buffer.AsSpan(0, length));
            parsed += Exercise(buffer.AsSpan(0, length));
        }

        for (int i = 0; i < StructuredRandom; i++)
        {
            parsed += Exercise(BuildStructured(random, buffer));
        }

        for (int i = 0; i < Mutated; i++)
        {
            byte[] seed = seeds[random.Next(seeds.Length)];
            parsed += Exercise(Mutate(random, seed, buffer));
        }

        stopwatch.Stop();
        int total = PureRandom + StructuredRandom + Mutated;
        output.WriteLine($"{total:N0} messages ({parsed:N0} parsed Ok) in {stopwatch.Elapsed.TotalSeconds:F2} s");
        Assert.True(total >= 1_000_000);
        Assert.True(parsed > 100_000, $"fuzz should reach past the header often, got {parsed}");
    }

    // Returns 1 when the message parsed, after driving every reader over it.
    private static int Exercise(ReadOnlySpan<byte> datagram)
    {
        if (StunMessage.TryRead(datagram, out StunMessage stun) != StunParseStatus.Ok) return 0;
        _ = stun.VerifyMessageIntegrity(Key);
        _ = stun.VerifyFingerprint();
        _ = stun.Class;
        _ = stun.Method;
        Span<byte> address = stackalloc byte[16];
        Span<ushort> types = stackalloc ushort[400];
        foreach (StunAttribute attribute in stun.Attributes)
        {
            switch ((StunAttributeType)attribute.Type)
            {
                case StunAttributeType.XorMappedAddress:
                    StunAddressAttribute.TryReadXor(attribute.Value, stun.TransactionId, address, out _, out _);
                    break;
                case StunAttributeType.MappedAddress:
                    StunAddressAttribute.TryRead(attribute.Value, address, out _, out _);
                    break;
                case StunAttributeType.ErrorCode:
                    StunErrorCodeAttribute.TryRead(attribute.Value, out _, out _);
                    break;
                case StunAttributeType.UnknownAttributes:
                    StunUnknownAttributes.TryRead(attribute.Value, types, out _);
                    break;
            }
        }
        stun.TryGetUInt32(StunAttributeType.Priority, out _);
        stun.TryGetUInt64(StunAttributeType.IceControlling, out _);
        stun.TryGetXorMappedAddress(address, out _, out _);
        return 1;
    }

    // A valid header followed by random TLVs (random types from the known set, random lengths, sometimes lying).
    private static ReadOnlySpan<byte> BuildStructured(Random random, byte[] buffer)
    {
        ReadOnlySpan<ushort> known = [0x0001, 0x0006, 0x0008, 0x0009, 0x000A, 0x0014, 0x0015, 0x0020, 0x0024, 0x0025, 0x8022, 0x8028, 0x8029, 0x802A, 0x7FFF];
        Span<byte> txid = stackalloc byte[12];
        random.NextBytes(txid);
        StunMessageWriter.TryCreate(buffer, (ushort)random.Next(0, 0x4000), txid, out StunMessageWriter writer);
        int attributes = random.Next(0, 8);
        Span<byte> value = stackalloc byte[64];
        for (int a = 0; a < attributes; a++)
        {
            int roll = random.Next(10);
            if (roll == 0) { writer.TryAppendMessageIntegrity(Key); continue; }
            if (roll == 1) { writer.TryAppendFingerprint(); continue; }
            int length = random.Next(0, 41);
            random.NextBytes(value[..length]);
            writer.TryAppend(known[random.Next(known.Length)], value[..length], (byte)random.Next(256));
        }
        int written = writer.Length;
        if (random.Next(4) == 0)
        {
            buffer[random.Next(written)] = (byte)random.Next(256);                                     // one lie somewhere
        }
        return buffer.AsSpan(0, written);
    }

    // Bit flips, byte sets, truncation, extension, length fix-ups and attribute-length corruption on a valid vector.
    private static ReadOnlySpan<byte> Mutate(Random random, byte[] seed, byte[] buffer)
    {
        int length = seed.Length;
        seed.CopyTo(buffer, 0);
        int mutations = random.Next(1, 5);
        for (int m = 0; m < mutations; m++)
        {
            switch (random.Next(7))
            {
                case 0: buffer[random.Next(length)] ^= (byte)(1 << random.Next(8)); break;
                case 1: buffer[random.Next(length)] = (byte)random.Next(256); break;
                case 2: length = random.Next(0, length + 1); break;
                case 3:
                    int extra = random.Next(1, 64);
                    random.NextBytes(buffer.AsSpan(length, extra));
                    length += extra;
                    break;
                case 4:
                    if (length >= 4) { buffer[2] = (byte)((length - 20) >> 8); buffer[3] = (byte)(length - 20); }
                    break;
                case 5:
                    int at = 20 + 4 * random.Next(0, Math.Max(1, (length - 20) / 4));
                    if (at + 4 <= length) { buffer[at + 2] = (byte)random.Next(256); buffer[at + 3] = (byte)random.Next(256); }
                    break;
                case 6:
                    int from = random.Next(length + 1);
                    int count = random.Next(0, length - from + 1);
                    buffer.AsSpan(from, count).CopyTo(buffer.AsSpan(length));                         // duplicate a slice
                    length += count;
                    break;
            }
        }
        return buffer.AsSpan(0, length);
    }
}
