using Conclave.Media.Transport.Rtp;
using static Conclave.Media.Transport.Tests.Rtp.DependencyDescriptorReaderTests;

namespace Conclave.Media.Transport.Tests.Rtp;

/// <summary>
/// <see cref="DependencyDescriptorWriter"/> against the reader and against the bit-by-bit model encoder of
/// <see cref="DependencyDescriptorReaderTests"/>: every value must be byte-identical to the model's and read back
/// field by field. The expected structures are libwebrtc's (modules/video_coding/svc: L1T1 of
/// scalable_video_controller_no_layering, scalability_structure_l1t2, scalability_structure_l1t3).
/// </summary>
public class DependencyDescriptorWriterTests
{
    private const int Width = 1280;
    private const int Height = 720;

    private static readonly StructureSpec WebRtcL1T1 = new(0,
    [
        new(0, 0, "S", [], [0]),
        new(0, 0, "S", [1], [1]),
    ], [0], [(Width, Height)]);

    private static readonly StructureSpec WebRtcL1T2 = new(0,
    [
        new(0, 0, "SS", [], [0]),
        new(0, 0, "SS", [2], [2]),
        new(0, 1, "-D", [1], [1]),
    ], [0, 0], [(Width, Height)]);

    private static readonly StructureSpec WebRtcL1T3 = new(0,
    [
        new(0, 0, "SSS", [], [0]),
        new(0, 0, "SSS", [4], [4]),
        new(0, 1, "-DS", [2], [2]),
        new(0, 2, "--D", [1], [1]),
        new(0, 2, "--D", [1], [3]),
    ], [0, 0, 0], [(Width, Height)]);

    private static StructureSpec Expected(int temporalLayers) => temporalLayers switch
    {
        1 => WebRtcL1T1,
        2 => WebRtcL1T2,
        _ => WebRtcL1T3,
    };

    // The templates of the frames after a keyframe, one pattern cycle (libwebrtc's frame configs in that order).
    private static int[] Pattern(int temporalLayers) => temporalLayers switch
    {
        1 => [1],
        2 => [2, 1],
        _ => [3, 2, 4, 1],
    };

    public static TheoryData<int> TemporalLayerCounts => [1, 2, 3];

    private static byte[] Write(DependencyDescriptorWriter writer, DependencyDescriptorFrame frame)
    {
        byte[] value = new byte[DependencyDescriptorExtension.MaxLength];
        Assert.True(writer.TryWrite(value, frame, out int written));
        Assert.Equal(writer.GetLength(frame), written);
        return value[..written];
    }

    [Theory]
    [MemberData(nameof(TemporalLayerCounts))]
    public void Keyframe_first_packet_carries_the_structure_with_the_resolution(int temporalLayers)
    {
        var writer = new DependencyDescriptorWriter(temporalLayers, Width, Height);
        StructureSpec spec = Expected(temporalLayers);
        byte[] value = Write(writer, new DependencyDescriptorFrame(1000, 0, StartOfFrame: true, EndOfFrame: false));
        Assert.Equal(Encode(new FrameSpec(0, 1000, Start: true, End: false) { AttachedStructure = spec }, spec), value);
        Assert.Equal(writer.KeyframeLength, value.Length);
        Assert.True(value.Length > DependencyDescriptorExtension.MandatoryLength);

        var reader = new DependencyDescriptorReader();
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(value, out var d));
        Assert.True(d.IsKeyframe);
        Assert.True(d.HasStructure);
        Assert.False(d.HasActiveDecodeTargetsBitmask || d.HasCustomDtis || d.HasCustomFrameDiffs || d.HasCustomChains);
        Assert.Equal(1000, d.FrameNumber);
        Assert.True(d.TryGetResolution(out int width, out int height));
        Assert.Equal((Width, Height), (width, height));
        Assert.NotNull(reader.Structure);
        AssertStructure(spec, reader.Structure);
        Assert.Equal(temporalLayers, reader.Structure.TemporalLayerCount);
        Assert.Equal(1, reader.Structure.SpatialLayerCount);
        Assert.Equal((1u << temporalLayers) - 1, reader.ActiveDecodeTargetsBitmask);
    }

    [Theory]
    [MemberData(nameof(TemporalLayerCounts))]
    public void Every_template_round_trips_in_pattern_order(int temporalLayers)
    {
        var writer = new DependencyDescriptorWriter(temporalLayers, Width, Height);
        StructureSpec spec = Expected(temporalLayers);
        int[] pattern = Pattern(temporalLayers);
        var reader = new DependencyDescriptorReader();
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Write(writer, new DependencyDescriptorFrame(500, 0, true, true)), out _));

        var seen = new HashSet<int> { 0 };
        int lastBase = 500;                                      // frame number of the last T0 frame (the chain)
        var byTemporalId = new Dictionary<int, int> { [0] = 500 };
        for (int n = 1; n <= 3 * pattern.Length; n++)
        {
            var frame = new DependencyDescriptorFrame((ushort)(500 + n), n, true, true);
            byte[] value = Write(writer, frame);
            int template = pattern[(n - 1) % pattern.Length];
            Assert.Equal(Encode(new FrameSpec(template, frame.FrameNumber), spec), value);
            Assert.Equal(DependencyDescriptorExtension.MandatoryLength, value.Length);

            Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(value, out var d));
            AssertFrame(new FrameSpec(template, frame.FrameNumber), spec, (1u << temporalLayers) - 1, d);
            Assert.Equal(writer.GetTemporalId(n), d.TemporalId);
            // Every reference points at an earlier frame of the same or a lower temporal layer, and the chain fdiff
            // at the last T0 frame (A.4.3), so a receiver can follow both.
            int temporalId = d.TemporalId;
            foreach (ushort fdiff in d.FrameDiffs)
            {
                int referenced = d.FrameNumber - fdiff;
                Assert.Contains(byTemporalId, kv => kv.Value == referenced && kv.Key <= temporalId);
            }
            Assert.Equal(d.FrameNumber - lastBase, d.ChainDiffs[0]);
            if (d.TemporalId == 0) lastBase = d.FrameNumber;
            byTemporalId[d.TemporalId] = d.FrameNumber;
            seen.Add(d.TemplateIndex);
        }
        Assert.Equal(spec.Templates.Length, seen.Count);
    }

    [Fact]
    public void Later_packets_of_a_keyframe_carry_the_mandatory_fields_only()
    {
        var writer = new DependencyDescriptorWriter(3, Width, Height);
        var reader = new DependencyDescriptorReader();
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Write(writer, new(7, 0, true, false)), out var first));
        Assert.True(first.IsKeyframe);
        Assert.False(first.EndOfFrame);

        byte[] middle = Write(writer, new(7, 0, false, false));
        byte[] last = Write(writer, new(7, 0, false, true));
        Assert.Equal([0x00, 0x00, 0x07], middle);
        Assert.Equal([0x40, 0x00, 0x07], last);
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(last, out var end));
        Assert.False(end.IsKeyframe);
        Assert.True(end.EndOfFrame);
        Assert.Equal(0, end.TemplateIndex);
        Assert.Same(first.Structure, end.Structure);
    }

    [Fact]
    public void A_keyframe_restarts_the_pattern_and_resends_the_same_structure()
    {
        var writer = new DependencyDescriptorWriter(3, Width, Height);
        var reader = new DependencyDescriptorReader();
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Write(writer, new(1, 0, true, true)), out _));
        var structure = reader.Structure;
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Write(writer, new(2, 1, true, true)), out var t2));
        Assert.Equal(2, t2.TemporalId);
        // A keyframe on a picture loss, mid-pattern: template 0 again, then the pattern from its start.
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Write(writer, new(3, 0, true, true)), out var key));
        Assert.True(key.IsKeyframe);
        Assert.Same(structure, reader.Structure);
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Write(writer, new(4, 1, true, true)), out var after));
        Assert.Equal(3, after.TemplateIndex);
        Assert.Equal(1, after.FrameDiffs[0]);
    }

    [Fact]
    public void Frame_numbers_wrap_at_16_bits()
    {
        var writer = new DependencyDescriptorWriter(3, Width, Height);
        var reader = new DependencyDescriptorReader();
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Write(writer, new(65534, 0, true, true)), out var key));
        Assert.Equal(65534, key.FrameNumber);
        ushort[] expectedReferences = [65534, 65534, 0, 65534];   // frames 65535 (T2 → key), 0 (T1 → key), 1 (T2 → T1), 2 (T0 → key)
        for (int n = 1; n <= 4; n++)
        {
            var frame = new DependencyDescriptorFrame((ushort)(65534 + n), n, true, true);
            Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Write(writer, frame), out var d));
            Assert.Equal(frame.FrameNumber, d.FrameNumber);
            Assert.Equal(expectedReferences[n - 1], (ushort)(d.FrameNumber - d.FrameDiffs[0]));
        }
    }

    public static TheoryData<string, int, DependencyDescriptorFrame> TooSmall => new()
    {
        { "keyframe start, one byte short", new DependencyDescriptorWriter(3, Width, Height).KeyframeLength - 1, new(1, 0, true, false) },
        { "keyframe start, three bytes",    3,                                                                   new(1, 0, true, true) },
        { "delta frame, two bytes",         2,                                                                   new(1, 1, true, true) },
        { "keyframe later packet, empty",   0,                                                                   new(1, 0, false, true) },
    };

    [Theory]
    [MemberData(nameof(TooSmall))]
    public void A_destination_too_small_writes_nothing(string name, int length, DependencyDescriptorFrame frame)
    {
        Assert.NotNull(name);
        var writer = new DependencyDescriptorWriter(3, Width, Height);
        byte[] destination = new byte[length];
        Array.Fill(destination, (byte)0xAA);
        Assert.False(writer.TryWrite(destination, frame, out int written));
        Assert.Equal(0, written);
        Assert.All(destination, b => Assert.Equal(0xAA, b));
    }

    [Fact]
    public void A_negative_frame_position_is_refused()
    {
        var writer = new DependencyDescriptorWriter(2, Width, Height);
        var frame = new DependencyDescriptorFrame(1, -1, true, true);
        Assert.Equal(0, writer.GetLength(frame));
        Assert.False(writer.TryWrite(new byte[64], frame, out int written));
        Assert.Equal(0, written);
        Assert.Equal(-1, writer.GetTemporalId(-1));
    }

    [Theory]
    [InlineData(0, 640, 360)]
    [InlineData(4, 640, 360)]
    [InlineData(1, 0, 360)]
    [InlineData(1, 640, 65537)]
    public void Configuration_outside_the_supported_range_throws(int temporalLayers, int width, int height)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new DependencyDescriptorWriter(temporalLayers, width, height));

    [Fact]
    public void The_largest_resolution_round_trips()
    {
        var writer = new DependencyDescriptorWriter(1, 65536, 1);
        var reader = new DependencyDescriptorReader();
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Write(writer, new(0, 0, true, true)), out var d));
        Assert.True(d.TryGetResolution(out int width, out int height));
        Assert.Equal((65536, 1), (width, height));
    }

    [Fact]
    public void Writing_descriptors_does_not_allocate()
    {
        var writer = new DependencyDescriptorWriter(3, Width, Height);
        byte[] destination = new byte[DependencyDescriptorExtension.MaxLength];
        int sum = WriteMany(writer, destination);   // warm-up, JIT included
        long before = GC.GetAllocatedBytesForCurrentThread();
        sum += WriteMany(writer, destination);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.NotEqual(0, sum);
    }

    // 10k frames of four packets each: a keyframe every 100 frames.
    private static int WriteMany(DependencyDescriptorWriter writer, byte[] destination)
    {
        int sum = 0;
        for (int n = 0; n < 10_000; n++)
        {
            for (int packet = 0; packet < 4; packet++)
            {
                var frame = new DependencyDescriptorFrame((ushort)n, n % 100, packet == 0, packet == 3);
                if (writer.TryWrite(destination, frame, out int written)) sum += written + destination[0];
            }
        }
        return sum;
    }
}
