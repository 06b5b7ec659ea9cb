using Conclave.Media.Transport.Rtp;
using static Conclave.Media.Transport.Tests.Rtp.DependencyDescriptorReaderTests;

namespace Conclave.Media.Transport.Tests.Rtp;

/// <summary>pion-style fuzzing of the dependency descriptor reader from fixed seeds: hostile bytes never throw.</summary>
public class DependencyDescriptorFuzzTests
{
    private const int Iterations = 1_000_000;

    // Touches every accessor a forwarder would, and checks the invariants the spec's limits promise.
    private static int Exercise(DependencyDescriptorReader reader, ReadOnlySpan<byte> value, out DependencyDescriptorStatus status)
    {
        status = reader.TryRead(value, out var d);
        if (status != DependencyDescriptorStatus.Ok) return 0;
        var s = d.Structure;
        if (s.TemplateCount is < 1 or > DependencyDescriptorStructure.MaxTemplates
            || s.DecodeTargetCount is < 1 or > DependencyDescriptorStructure.MaxDecodeTargets
            || s.SpatialLayerCount > DependencyDescriptorStructure.MaxSpatialLayers
            || s.TemporalLayerCount > DependencyDescriptorStructure.MaxTemporalLayers
            || d.SpatialId > s.MaxSpatialId || d.TemporalId > s.MaxTemporalId
            || d.ChainDiffs.Length != s.ChainCount || !ReferenceEquals(s, reader.Structure))
        {
            Assert.Fail("descriptor outside the spec's limits");
        }
        int sum = d.TemplateId + d.FrameNumber + d.TemplateIndex + (int)d.ActiveDecodeTargetsBitmask
            + (d.StartOfFrame ? 1 : 0) + (d.EndOfFrame ? 2 : 0) + (d.HasStructure ? 4 : 0) + (d.HasActiveDecodeTargetsBitmask ? 8 : 0)
            + (d.HasCustomDtis ? 16 : 0) + (d.HasCustomFrameDiffs ? 32 : 0) + (d.HasCustomChains ? 64 : 0) + (d.IsKeyframe ? 128 : 0);
        for (int dt = 0; dt < s.DecodeTargetCount; dt++) sum += (int)d.GetDti(dt) + s.GetProtectingChain(dt);
        foreach (ushort fdiff in d.FrameDiffs) sum += fdiff;
        foreach (byte chainDiff in d.ChainDiffs) sum += chainDiff;
        if (d.TryGetResolution(out int width, out int height)) sum += width + height;
        if (d.HasStructure)
        {
            for (int t = 0; t < s.TemplateCount; t++)
            {
                sum += s.GetTemplateSpatialId(t) + s.GetTemplateTemporalId(t) + (int)s.GetTemplateDti(t, s.DecodeTargetCount - 1);
                foreach (ushort fdiff in s.GetTemplateFrameDiffs(t)) sum += fdiff;
                foreach (byte chainDiff in s.GetTemplateChainDiffs(t)) sum += chainDiff;
            }
        }
        return sum;
    }

    [Fact]
    public void Random_and_mutated_descriptors_never_throw()
    {
        var random = new Random(0xDD);
        byte[][] seeds =
        [
            Encode(new FrameSpec(0, 1) { AttachedStructure = L1T3 }, L1T3),
            Encode(new FrameSpec(0, 2) { AttachedStructure = L3T3, ActiveDecodeTargets = 0x3F }, L3T3),
            Encode(new FrameSpec(7, 3) { CustomDtis = "RDS-RDS-S", CustomFrameDiffs = [1, 300, 4096], CustomChainDiffs = [1, 2, 3] }, L3T3),
            Encode(new FrameSpec(3, 4), L1T3),
            Encode(new FrameSpec(0, 5) { AttachedStructure = RandomStructure(random) }, L1T3),
        ];
        byte[] l3t3Key = seeds[1];
        byte[] buffer = new byte[DependencyDescriptorExtension.MaxLength + 8];
        var reader = new DependencyDescriptorReader();
        var seen = new int[Enum.GetValues<DependencyDescriptorStatus>().Length];
        long sum = 0;
        for (int i = 0; i < Iterations; i++)
        {
            // Every 64 inputs put a known structure back, so mutated delta packets resolve against something.
            if ((i & 63) == 0) Exercise(reader, l3t3Key, out _);
            int length;
            switch (i % 3)
            {
                case 0:   // random bytes, sometimes with the structure flag set to reach the structure parser
                    length = random.Next((i & 15) == 0 ? buffer.Length + 1 : 48);   // mostly realistic sizes
                    random.NextBytes(buffer.AsSpan(0, length));
                    if (length > 3 && (i & 4) == 0) buffer[3] |= 0x80;
                    break;
                default:  // a valid descriptor with flipped bits, sometimes truncated
                    byte[] seed = seeds[random.Next(seeds.Length)];
                    seed.CopyTo(buffer, 0);
                    length = seed.Length;
                    int flips = random.Next(1, 5);
                    for (int f = 0; f < flips; f++) buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                    if (random.Next(4) == 0) length = random.Next(length + 1);
                    break;
            }
            sum += Exercise(reader, buffer.AsSpan(0, length), out var status);
            seen[(int)status]++;
        }
        // Every status but NoStructure (the reader always holds one here) shows the fuzzing reaches every check.
        foreach (var status in Enum.GetValues<DependencyDescriptorStatus>())
            Assert.True(status == DependencyDescriptorStatus.NoStructure || seen[(int)status] > 0, $"fuzzing never produced {status}");
        Assert.NotEqual(0, sum);
    }

    [Fact]
    public void Fresh_readers_reject_random_bytes_without_throwing()
    {
        var random = new Random(0xA0B1);
        byte[] buffer = new byte[64];
        var seen = new int[Enum.GetValues<DependencyDescriptorStatus>().Length];
        for (int i = 0; i < 100_000; i++)
        {
            int length = random.Next(buffer.Length + 1);
            random.NextBytes(buffer.AsSpan(0, length));
            Exercise(new DependencyDescriptorReader(), buffer.AsSpan(0, length), out var status);
            seen[(int)status]++;
        }
        Assert.True(seen[(int)DependencyDescriptorStatus.NoStructure] > 0);
        Assert.True(seen[(int)DependencyDescriptorStatus.Ok] > 0);
    }
}
