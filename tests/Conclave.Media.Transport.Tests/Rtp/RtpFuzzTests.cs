using Conclave.Media.Transport.Rtp;

namespace Conclave.Media.Transport.Tests.Rtp;

/// <summary>pion-style fuzzing from a fixed seed, plus the zero-allocation guard.</summary>
public class RtpFuzzTests
{
    private const int Iterations = 1_000_000;

    // Touches every accessor a consumer would, so a bad bound shows up as an exception.
    private static int Exercise(ReadOnlySpan<byte> packet)
    {
        int sum = 0;
        if (RtpHeader.TryRead(packet, out var h) != RtpParseStatus.Ok) return -1;
        sum += h.SequenceNumber + h.PayloadType + (int)h.Ssrc + (int)h.Timestamp + h.Payload.Length + h.PaddingLength;
        for (int i = 0; i < h.CsrcCount; i++) sum += (int)h.GetCsrc(i);
        if (h.TryGetExtensions(out var reader) == RtpParseStatus.Ok)
        {
            while (reader.TryReadNext(out var e)) sum += e.Id + e.Value.Length;
            if (reader.TryFind(3, out var v) && TransportSequenceNumberExtension.TryRead(v, out ushort tw)) sum += tw;
            if (reader.TryFind(1, out v) && AudioLevelExtension.TryRead(v, out _, out byte level)) sum += level;
        }
        return sum;
    }

    private static int ExerciseExtensionBlock(ushort profile, ReadOnlySpan<byte> body)
    {
        int sum = 0;
        if (RtpHeaderExtensionReader.TryCreate(profile, body, out var reader) != RtpParseStatus.Ok) return -1;
        while (reader.TryReadNext(out var e)) sum += e.Id + e.Value.Length + body[e.ValueOffset..].Length;
        if (reader.TryFind(2, out var v) && SdesItemExtension.TryReadRid(v, out var rid)) sum += rid.Length;
        return sum;
    }

    [Fact]
    public void Random_and_mutated_rtp_packets_never_throw()
    {
        var random = new Random(0x5EED);
        byte[] buffer = new byte[256];
        byte[][] seeds = [RtpHeaderTests.OpusWithExtensions, RtpHeaderTests.CsrcAndPadding];
        int ok = 0;
        for (int i = 0; i < Iterations; i++)
        {
            int length;
            if ((i & 1) == 0)
            {
                length = random.Next(0, buffer.Length);
                random.NextBytes(buffer.AsSpan(0, length));
                if (length > 0 && (i & 2) == 0) buffer[0] = (byte)(0x80 | (buffer[0] & 0x3F));   // V=2 to go deeper
            }
            else
            {
                byte[] seed = seeds[random.Next(seeds.Length)];
                seed.CopyTo(buffer, 0);
                length = seed.Length;
                int flips = random.Next(1, 4);
                for (int f = 0; f < flips; f++) buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                if (random.Next(4) == 0) length = random.Next(length + 1);                        // truncate
            }
            if (Exercise(buffer.AsSpan(0, length)) >= 0) ok++;
        }
        Assert.True(ok > 0);
    }

    [Fact]
    public void Random_extension_blocks_never_throw()
    {
        var random = new Random(8285);
        byte[] buffer = new byte[64];
        ushort[] profiles = [0xBEDE, 0x1000, 0x1007, 0x0000];
        int ok = 0;
        for (int i = 0; i < Iterations; i++)
        {
            int length = random.Next(0, buffer.Length);
            random.NextBytes(buffer.AsSpan(0, length));
            // Bias towards plausible elements: short lengths and some padding bytes.
            for (int j = 0; j < length; j++)
                if (random.Next(4) == 0) buffer[j] = (byte)random.Next(0, 3);
            if (ExerciseExtensionBlock(profiles[i & 3], buffer.AsSpan(0, length)) >= 0) ok++;
        }
        Assert.True(ok > 0);
    }

    [Fact]
    public void Reading_rtp_and_extensions_does_not_allocate()
    {
        byte[] a = RtpHeaderTests.OpusWithExtensions;
        byte[] b = RtpHeaderTests.CsrcAndPadding;
        byte[] output = new byte[256];
        int sum = 0;
        for (int i = 0; i < 1000; i++) sum += Exercise(a) + Exercise(b) + WriteOnce(a, output);   // warm-up (tiering)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) sum += Exercise(a) + Exercise(b) + WriteOnce(a, output);
        long delta = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, delta);
        Assert.NotEqual(0, sum);
    }

    private static int WriteOnce(ReadOnlySpan<byte> packet, Span<byte> output)
    {
        RtpHeader.TryRead(packet, out var h);
        Span<uint> csrcs = stackalloc uint[15];
        var writer = RtpPacketWriter.From(h, csrcs);
        writer.SequenceNumber++;
        writer.TryWrite(output, out int written);
        RtpHeaderEditor.SetSsrc(output, 42);
        return written;
    }
}
