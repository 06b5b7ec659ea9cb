using Conclave.Media.Transport.Rtp;

namespace Conclave.Media.Transport.Tests.Rtp;

/// <summary>
/// AV1 RTP Appendix A dependency descriptors built bit by bit from a model (<see cref="Encode"/>), read back and
/// compared field by field. The L1T3 and L3T3 structures are the spec's examples (A.6.1, A.6.3).
/// </summary>
public class DependencyDescriptorReaderTests
{
    /// <summary>A template as a row of the A.6 tables: DTIs as symbols ('-', 'D', 'S', 'R', Table A.4).</summary>
    internal sealed record TemplateSpec(int SpatialId, int TemporalId, string Dtis, int[] FrameDiffs, int[] ChainDiffs);

    /// <summary>A template_dependency_structure(); ProtectedBy[dt] == chain count means "not protected".</summary>
    internal sealed record StructureSpec(int TemplateIdOffset, TemplateSpec[] Templates, int[] ProtectedBy, (int Width, int Height)[]? Resolutions)
    {
        public int DecodeTargetCount => Templates[0].Dtis.Length;
        public int ChainCount => Templates[0].ChainDiffs.Length;
        public int TemplateId(int templateIndex) => (TemplateIdOffset + templateIndex) % 64;
    }

    /// <summary>One descriptor; null optional fields are not sent.</summary>
    internal sealed record FrameSpec(int TemplateIndex, ushort FrameNumber, bool Start = true, bool End = true)
    {
        public StructureSpec? AttachedStructure { get; init; }
        public uint? ActiveDecodeTargets { get; init; }
        public string? CustomDtis { get; init; }
        public int[]? CustomFrameDiffs { get; init; }
        public int[]? CustomChainDiffs { get; init; }
    }

    // A.6.1 L1T3: one chain over the T0 frames; decode targets 30, 15 and 7.5 fps.
    internal static readonly StructureSpec L1T3 = new(0,
    [
        new(0, 0, "SSS", [], [0]),
        new(0, 0, "SSS", [4], [4]),
        new(0, 1, "SD-", [2], [2]),
        new(0, 2, "D--", [1], [1]),
        new(0, 2, "D--", [1], [3]),
    ], [0, 0, 0], [(640, 360)]);

    // A.6.3 L3T3 full SVC: three chains; decode targets HD30 HD15 HD7.5 VGA30 VGA15 VGA7.5 QVGA30 QVGA15 QVGA7.5.
    internal static readonly StructureSpec L3T3 = new(20,
    [
        new(0, 0, "SSSSSSSSS", [], [0, 0, 0]),
        new(0, 0, "RRRRRRSSS", [12], [12, 11, 10]),
        new(0, 1, "RR-RR-SD-", [6], [6, 5, 4]),
        new(0, 2, "R--R--D--", [3], [3, 2, 1]),
        new(0, 2, "R--R--D--", [3], [9, 8, 7]),
        new(1, 0, "SSSSSS---", [1], [1, 1, 1]),
        new(1, 0, "RRRSSS---", [12, 1], [1, 1, 1]),
        new(1, 1, "RR-SD----", [6, 1], [7, 6, 5]),
        new(1, 2, "R--D-----", [3, 1], [4, 3, 2]),
        new(1, 2, "R--D-----", [3, 1], [10, 9, 8]),
        new(2, 0, "SSS------", [1], [2, 1, 1]),
        new(2, 0, "SSS------", [12, 1], [2, 1, 1]),
        new(2, 1, "SD-------", [6, 1], [8, 7, 6]),
        new(2, 2, "D--------", [3, 1], [5, 4, 3]),
        new(2, 2, "D--------", [3, 1], [11, 10, 9]),
    ], [2, 2, 2, 1, 1, 1, 0, 0, 0], [(320, 180), (640, 360), (1280, 720)]);

    /// <summary>MSB-first writer for f(n) and ns(n) (A.4.1), padding the last byte with zeros.</summary>
    internal sealed class BitWriter
    {
        private readonly List<byte> _bytes = [];
        private int _bit;

        public void Write(long value, int count)
        {
            for (int i = count - 1; i >= 0; i--)
            {
                if (_bit == 0) _bytes.Add(0);
                if (((value >> i) & 1) != 0) _bytes[^1] |= (byte)(0x80 >> _bit);
                _bit = (_bit + 1) & 7;
            }
        }

        public void WriteFlag(bool flag) => Write(flag ? 1 : 0, 1);

        // A.4.1 ns(n), inverted: values below m take w - 1 bits, the others w bits.
        public void WriteNonSymmetric(int value, int n)
        {
            int w = 0;
            for (int x = n; x != 0; x >>= 1) w++;
            int m = (1 << w) - n;
            if (value < m) Write(value, w - 1);
            else
            {
                Write((value + m) >> 1, w - 1);
                Write((value + m) & 1, 1);
            }
        }

        public byte[] ToArray() => [.. _bytes];
    }

    internal static int Dti(char symbol) => "-DSR".IndexOf(symbol, StringComparison.Ordinal);

    /// <summary>Writes a descriptor; <paramref name="context"/> is the structure in effect (for DtisCnt and chains_cnt).</summary>
    internal static byte[] Encode(FrameSpec f, StructureSpec context)
    {
        var s = f.AttachedStructure ?? context;
        var w = new BitWriter();
        w.WriteFlag(f.Start);
        w.WriteFlag(f.End);
        w.Write(s.TemplateId(f.TemplateIndex), 6);
        w.Write(f.FrameNumber, 16);
        bool extended = f.AttachedStructure is not null || f.ActiveDecodeTargets is not null || f.CustomDtis is not null
            || f.CustomFrameDiffs is not null || f.CustomChainDiffs is not null;
        if (!extended) return w.ToArray();
        w.WriteFlag(f.AttachedStructure is not null);
        w.WriteFlag(f.ActiveDecodeTargets is not null);
        w.WriteFlag(f.CustomDtis is not null);
        w.WriteFlag(f.CustomFrameDiffs is not null);
        w.WriteFlag(f.CustomChainDiffs is not null);
        if (f.AttachedStructure is not null) WriteStructure(w, f.AttachedStructure);
        if (f.ActiveDecodeTargets is { } active) w.Write(active, s.DecodeTargetCount);
        if (f.CustomDtis is not null)
            foreach (char c in f.CustomDtis) w.Write(Dti(c), 2);
        if (f.CustomFrameDiffs is not null)
        {
            foreach (int fdiff in f.CustomFrameDiffs)
            {
                int size = fdiff - 1 < 16 ? 1 : fdiff - 1 < 256 ? 2 : 3;   // next_fdiff_size
                w.Write(size, 2);
                w.Write(fdiff - 1, 4 * size);
            }
            w.Write(0, 2);
        }
        if (f.CustomChainDiffs is not null)
            foreach (int chainDiff in f.CustomChainDiffs) w.Write(chainDiff, 8);
        return w.ToArray();
    }

    private static void WriteStructure(BitWriter w, StructureSpec s)
    {
        w.Write(s.TemplateIdOffset, 6);
        w.Write(s.DecodeTargetCount - 1, 5);
        for (int i = 0; i < s.Templates.Length; i++)   // template_layers(), Table A.3
        {
            if (i == s.Templates.Length - 1) { w.Write(3, 2); break; }
            TemplateSpec a = s.Templates[i], b = s.Templates[i + 1];
            int idc = (b.SpatialId, b.TemporalId) == (a.SpatialId, a.TemporalId) ? 0
                : b.SpatialId == a.SpatialId && b.TemporalId == a.TemporalId + 1 ? 1
                : b.SpatialId == a.SpatialId + 1 && b.TemporalId == 0 ? 2
                : throw new ArgumentException("templates are not in layer order", nameof(s));
            w.Write(idc, 2);
        }
        foreach (var t in s.Templates)
            foreach (char c in t.Dtis) w.Write(Dti(c), 2);
        foreach (var t in s.Templates)
        {
            foreach (int fdiff in t.FrameDiffs) { w.WriteFlag(true); w.Write(fdiff - 1, 4); }
            w.WriteFlag(false);
        }
        w.WriteNonSymmetric(s.ChainCount, s.DecodeTargetCount + 1);
        if (s.ChainCount > 0)
        {
            foreach (int chain in s.ProtectedBy) w.WriteNonSymmetric(chain, s.ChainCount + 1);
            foreach (var t in s.Templates)
                foreach (int chainDiff in t.ChainDiffs) w.Write(chainDiff, 4);
        }
        w.WriteFlag(s.Resolutions is not null);
        foreach (var (width, height) in s.Resolutions ?? [])
        {
            w.Write(width - 1, 16);
            w.Write(height - 1, 16);
        }
    }

    internal static void AssertStructure(StructureSpec expected, DependencyDescriptorStructure actual)
    {
        Assert.Equal(expected.TemplateIdOffset, actual.TemplateIdOffset);
        Assert.Equal(expected.DecodeTargetCount, actual.DecodeTargetCount);
        Assert.Equal(expected.Templates.Length, actual.TemplateCount);
        Assert.Equal(expected.ChainCount, actual.ChainCount);
        int maxSpatial = expected.Templates[^1].SpatialId;
        int maxTemporal = expected.Templates.Max(t => t.TemporalId);
        Assert.Equal(maxSpatial, actual.MaxSpatialId);
        Assert.Equal(maxTemporal, actual.MaxTemporalId);
        Assert.Equal(maxSpatial + 1, actual.SpatialLayerCount);
        Assert.Equal(maxTemporal + 1, actual.TemporalLayerCount);
        for (int i = 0; i < expected.Templates.Length; i++)
        {
            var t = expected.Templates[i];
            Assert.Equal(t.SpatialId, actual.GetTemplateSpatialId(i));
            Assert.Equal(t.TemporalId, actual.GetTemplateTemporalId(i));
            for (int dt = 0; dt < t.Dtis.Length; dt++) Assert.Equal((DependencyDescriptorDti)Dti(t.Dtis[dt]), actual.GetTemplateDti(i, dt));
            Assert.Equal(t.FrameDiffs, actual.GetTemplateFrameDiffs(i).ToArray().Select(x => (int)x));
            Assert.Equal(t.ChainDiffs, actual.GetTemplateChainDiffs(i).ToArray().Select(x => (int)x));
        }
        for (int dt = 0; dt < expected.DecodeTargetCount; dt++)
        {
            int protectedBy = expected.ChainCount == 0 || expected.ProtectedBy[dt] == expected.ChainCount ? -1 : expected.ProtectedBy[dt];
            Assert.Equal(protectedBy, actual.GetProtectingChain(dt));
        }
        Assert.Equal(expected.Resolutions is not null, actual.HasResolutions);
        for (int s = 0; s <= maxSpatial; s++)
        {
            Assert.Equal(expected.Resolutions is not null, actual.TryGetResolution(s, out int width, out int height));
            if (expected.Resolutions is not null) Assert.Equal(expected.Resolutions[s], (width, height));
        }
        Assert.False(actual.TryGetResolution(maxSpatial + 1, out _, out _));
    }

    internal static void AssertFrame(FrameSpec f, StructureSpec s, uint expectedActive, DependencyDescriptor d)
    {
        var t = s.Templates[f.TemplateIndex];
        Assert.Equal(f.Start, d.StartOfFrame);
        Assert.Equal(f.End, d.EndOfFrame);
        Assert.Equal(s.TemplateId(f.TemplateIndex), d.TemplateId);
        Assert.Equal(f.FrameNumber, d.FrameNumber);
        Assert.Equal(f.AttachedStructure is not null, d.HasStructure);
        Assert.Equal(f.ActiveDecodeTargets is not null, d.HasActiveDecodeTargetsBitmask);
        Assert.Equal(f.CustomDtis is not null, d.HasCustomDtis);
        Assert.Equal(f.CustomFrameDiffs is not null, d.HasCustomFrameDiffs);
        Assert.Equal(f.CustomChainDiffs is not null, d.HasCustomChains);
        Assert.Equal(expectedActive, d.ActiveDecodeTargetsBitmask);
        Assert.Equal(f.TemplateIndex, d.TemplateIndex);
        Assert.Equal(t.SpatialId, d.SpatialId);
        Assert.Equal(t.TemporalId, d.TemporalId);
        string dtis = f.CustomDtis ?? t.Dtis;
        for (int dt = 0; dt < dtis.Length; dt++) Assert.Equal((DependencyDescriptorDti)Dti(dtis[dt]), d.GetDti(dt));
        int[] fdiffs = f.CustomFrameDiffs ?? t.FrameDiffs;
        Assert.Equal(fdiffs, d.FrameDiffs.ToArray().Select(x => (int)x));
        Assert.Equal(f.CustomChainDiffs ?? t.ChainDiffs, d.ChainDiffs.ToArray().Select(x => (int)x));
        Assert.Equal(f.Start && f.AttachedStructure is not null && fdiffs.Length == 0, d.IsKeyframe);
        Assert.Equal(s.Resolutions is not null, d.TryGetResolution(out int width, out int height));
        if (s.Resolutions is not null) Assert.Equal(s.Resolutions[t.SpatialId], (width, height));
    }

    private static uint AllTargets(StructureSpec s) => s.DecodeTargetCount == 32 ? uint.MaxValue : (1u << s.DecodeTargetCount) - 1;

    private static void ReadAndAssert(DependencyDescriptorReader reader, FrameSpec f, StructureSpec s, uint expectedActive)
    {
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Encode(f, s), out var d));
        AssertFrame(f, s, expectedActive, d);
        Assert.Same(reader.Structure, d.Structure);
        Assert.Equal(expectedActive, reader.ActiveDecodeTargetsBitmask);
    }

    [Fact]
    public void L1T3_keyframe_carries_the_structure_a_6_1()
    {
        var reader = new DependencyDescriptorReader();
        var key = new FrameSpec(0, 1000) { AttachedStructure = L1T3 };
        ReadAndAssert(reader, key, L1T3, 0b111);
        Assert.NotNull(reader.Structure);
        AssertStructure(L1T3, reader.Structure);
        Assert.Equal(1, reader.Structure.SpatialLayerCount);
        Assert.Equal(3, reader.Structure.TemporalLayerCount);
        Assert.True(reader.TryRead(Encode(key, L1T3), out var d) == DependencyDescriptorStatus.Ok && d.IsKeyframe);
    }

    [Fact]
    public void L1T3_delta_frames_resolve_against_the_stored_structure()
    {
        var reader = new DependencyDescriptorReader();
        ReadAndAssert(reader, new FrameSpec(0, 65534) { AttachedStructure = L1T3 }, L1T3, 0b111);
        // A.6.1 pattern after the key frame: T2, T1, T2, T0; frame numbers wrap at 16 bits (A.4.2).
        int[] pattern = [3, 2, 4, 1, 3, 2, 4, 1];
        for (int i = 0; i < pattern.Length; i++)
        {
            var f = new FrameSpec(pattern[i], (ushort)(65535 + i), Start: true, End: i % 2 == 0);
            Assert.Equal(3, Encode(f, L1T3).Length);   // no extended fields
            ReadAndAssert(reader, f, L1T3, 0b111);
        }
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Encode(new FrameSpec(2, 7), L1T3), out var t1));
        Assert.Equal(DependencyDescriptorDti.Switch, t1.GetDti(0));
        Assert.Equal(DependencyDescriptorDti.Discardable, t1.GetDti(1));
        Assert.Equal(DependencyDescriptorDti.NotPresent, t1.GetDti(2));
        Assert.Equal(5, (ushort)(t1.FrameNumber - t1.FrameDiffs[0]));
        Assert.False(t1.IsKeyframe);
    }

    [Fact]
    public void L3T3_structure_resolves_every_template_a_6_3()
    {
        var reader = new DependencyDescriptorReader();
        ReadAndAssert(reader, new FrameSpec(0, 300, End: false) { AttachedStructure = L3T3 }, L3T3, 0x1FF);
        Assert.NotNull(reader.Structure);
        AssertStructure(L3T3, reader.Structure);
        Assert.Equal(3, reader.Structure.SpatialLayerCount);
        Assert.Equal(3, reader.Structure.TemporalLayerCount);
        Assert.Equal(2, reader.Structure.GetProtectingChain(0));   // HD targets follow chain 2
        for (int i = 0; i < L3T3.Templates.Length; i++)
            ReadAndAssert(reader, new FrameSpec(i, (ushort)(301 + i)), L3T3, 0x1FF);

        // The key temporal unit: S0 is the keyframe; S1 and S2 reference the frame below (fdiff 1), so they are not.
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Encode(new FrameSpec(5, 400), L3T3), out var s1));
        Assert.Equal(1, s1.SpatialId);
        Assert.False(s1.IsKeyframe);
        Assert.True(s1.TryGetResolution(out int width, out int height));
        Assert.Equal((640, 360), (width, height));
    }

    [Fact]
    public void Only_the_first_packet_of_a_frame_that_references_nothing_is_a_keyframe()
    {
        var reader = new DependencyDescriptorReader();
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Encode(new FrameSpec(0, 9, End: false) { AttachedStructure = L1T3 }, L1T3), out var first));
        Assert.True(first.IsKeyframe);
        // Later packets of the keyframe carry no structure and do not start the frame.
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Encode(new FrameSpec(0, 9, Start: false), L1T3), out var second));
        Assert.False(second.IsKeyframe);
        Assert.Same(first.Structure, second.Structure);
        // A structure attached to a frame that references another one is not a keyframe.
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Encode(new FrameSpec(1, 13) { AttachedStructure = L1T3 }, L1T3), out var delta));
        Assert.False(delta.IsKeyframe);
        // A template without fdiffs whose frame sends custom fdiffs references them.
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Encode(new FrameSpec(0, 14) { AttachedStructure = L1T3, CustomFrameDiffs = [1] }, L1T3), out var custom));
        Assert.False(custom.IsKeyframe);
    }

    [Fact]
    public void Custom_dtis_fdiffs_and_chains_override_the_template_a_4_1()
    {
        var reader = new DependencyDescriptorReader();
        ReadAndAssert(reader, new FrameSpec(0, 1) { AttachedStructure = L3T3 }, L3T3, 0x1FF);
        // next_fdiff_size 1, 2 and 3 at their edges: 1..16, 17..256, 257..4096.
        var f = new FrameSpec(7, 5000)
        {
            CustomDtis = "RDS-RDS-S",
            CustomFrameDiffs = [1, 16, 17, 256, 257, 4096],
            CustomChainDiffs = [0, 255, 128],
        };
        ReadAndAssert(reader, f, L3T3, 0x1FF);
        // Each custom field alone.
        ReadAndAssert(reader, new FrameSpec(1, 5001) { CustomDtis = "---------" }, L3T3, 0x1FF);
        ReadAndAssert(reader, new FrameSpec(1, 5002) { CustomFrameDiffs = [] }, L3T3, 0x1FF);
        ReadAndAssert(reader, new FrameSpec(1, 5003) { CustomChainDiffs = [3, 2, 1] }, L3T3, 0x1FF);
    }

    [Fact]
    public void Active_decode_targets_persist_until_signalled_again_a_4_4()
    {
        var reader = new DependencyDescriptorReader();
        ReadAndAssert(reader, new FrameSpec(0, 1) { AttachedStructure = L3T3, ActiveDecodeTargets = 0b111_000_000 }, L3T3, 0b111_000_000);
        ReadAndAssert(reader, new FrameSpec(3, 2), L3T3, 0b111_000_000);
        ReadAndAssert(reader, new FrameSpec(5, 3) { ActiveDecodeTargets = 0b111_111_000 }, L3T3, 0b111_111_000);
        ReadAndAssert(reader, new FrameSpec(3, 4), L3T3, 0b111_111_000);
        // A.4.1: a new structure without the bitmask makes every decode target active.
        ReadAndAssert(reader, new FrameSpec(0, 5) { AttachedStructure = L3T3 }, L3T3, 0x1FF);
    }

    [Fact]
    public void Template_ids_wrap_modulo_64_a_4_1()
    {
        var wrapped = L1T3 with { TemplateIdOffset = 62 };   // templates 62, 63, 0, 1, 2
        var reader = new DependencyDescriptorReader();
        ReadAndAssert(reader, new FrameSpec(0, 1) { AttachedStructure = wrapped }, wrapped, 0b111);
        for (int i = 0; i < 5; i++) ReadAndAssert(reader, new FrameSpec(i, (ushort)(2 + i)), wrapped, 0b111);
        Assert.Equal(0, wrapped.TemplateId(2));
        Assert.Equal(DependencyDescriptorStatus.UnknownTemplate, reader.TryRead(Encode(new FrameSpec(0, 9), L1T3 with { TemplateIdOffset = 3 }), out _));
    }

    [Fact]
    public void A_resent_structure_keeps_its_instance_and_a_new_one_replaces_it()
    {
        var reader = new DependencyDescriptorReader();
        ReadAndAssert(reader, new FrameSpec(0, 1) { AttachedStructure = L1T3 }, L1T3, 0b111);
        var first = reader.Structure;
        ReadAndAssert(reader, new FrameSpec(0, 20) { AttachedStructure = L1T3 }, L1T3, 0b111);
        Assert.Same(first, reader.Structure);

        // L3T3 at offset 20 (ids 20..34): the L1T3 ids 0..4 no longer resolve (A.4.2 note: structure changed).
        ReadAndAssert(reader, new FrameSpec(0, 40) { AttachedStructure = L3T3 }, L3T3, 0x1FF);
        Assert.NotSame(first, reader.Structure);
        Assert.Equal(DependencyDescriptorStatus.UnknownTemplate, reader.TryRead(Encode(new FrameSpec(3, 41), L1T3), out _));
        // The replaced structure is untouched (published structures are immutable).
        Assert.NotNull(first);
        AssertStructure(L1T3, first);
    }

    [Fact]
    public void A_packet_that_fails_changes_no_state()
    {
        var reader = new DependencyDescriptorReader();
        ReadAndAssert(reader, new FrameSpec(0, 1) { AttachedStructure = L1T3 }, L1T3, 0b111);
        var before = reader.Structure;
        byte[] key = Encode(new FrameSpec(0, 2) { AttachedStructure = L3T3, ActiveDecodeTargets = 1 }, L3T3);
        Assert.Equal(DependencyDescriptorStatus.TooShort, reader.TryRead(key.AsSpan(0, key.Length - 1), out _));
        // Structure valid but its template id out of range: not committed either.
        byte[] badTemplate = Encode(new FrameSpec(0, 2) { AttachedStructure = L3T3 with { TemplateIdOffset = 0 } }, L3T3);
        badTemplate[0] = (byte)((badTemplate[0] & 0xC0) | 40);
        Assert.Equal(DependencyDescriptorStatus.UnknownTemplate, reader.TryRead(badTemplate, out _));
        Assert.Same(before, reader.Structure);
        Assert.Equal(0b111u, reader.ActiveDecodeTargetsBitmask);
        ReadAndAssert(reader, new FrameSpec(3, 3), L1T3, 0b111);
    }

    [Fact]
    public void Every_truncation_of_a_keyframe_descriptor_is_rejected()
    {
        byte[] key = Encode(new FrameSpec(0, 1) { AttachedStructure = L3T3, CustomChainDiffs = [1, 2, 3] }, L3T3);
        for (int length = 0; length < key.Length; length++)
        {
            var expected = length < 3 ? DependencyDescriptorStatus.TooShort
                : length == 3 ? DependencyDescriptorStatus.NoStructure     // mandatory fields only, no structure known
                : DependencyDescriptorStatus.TooShort;
            Assert.Equal(expected, new DependencyDescriptorReader().TryRead(key.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public void Structure_without_resolutions_or_chains()
    {
        var plain = new StructureSpec(0, [new(0, 0, "S", [], []), new(0, 1, "D", [1], [])], [], null);
        var reader = new DependencyDescriptorReader();
        ReadAndAssert(reader, new FrameSpec(0, 1) { AttachedStructure = plain }, plain, 1);
        ReadAndAssert(reader, new FrameSpec(1, 2), plain, 1);
        Assert.NotNull(reader.Structure);
        AssertStructure(plain, reader.Structure);
        Assert.Equal(-1, reader.Structure.GetProtectingChain(0));
    }

    [Fact]
    public void Caller_index_errors_throw_but_bytes_never_do()
    {
        var reader = new DependencyDescriptorReader();
        Assert.Equal(DependencyDescriptorStatus.Ok, reader.TryRead(Encode(new FrameSpec(0, 1) { AttachedStructure = L1T3 }, L1T3), out _));
        var s = reader.Structure!;
        Assert.Throws<ArgumentOutOfRangeException>(() => s.GetTemplateSpatialId(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.GetTemplateDti(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.GetProtectingChain(-1));
    }

    private static BitWriter Mandatory(bool withStructure)
    {
        var w = new BitWriter();
        w.Write(0b1100_0000, 8);   // S, E, template id 0
        w.Write(1, 16);
        w.Write(withStructure ? 0b10000 : 0, 5);
        if (withStructure) { w.Write(0, 6); w.Write(0, 5); }   // offset 0, one decode target
        return w;
    }

    private static byte[] Layers(params int[] nextLayerIdcs)
    {
        var w = Mandatory(withStructure: true);
        foreach (int idc in nextLayerIdcs) w.Write(idc, 2);
        for (int i = 0; i < 4; i++) w.Write(0, 64);   // zero bits enough for the rest of a one-target structure
        return w.ToArray();
    }

    public static TheoryData<string, byte[], DependencyDescriptorStatus> Malformed => new()
    {
        { "empty",                            [],                                   DependencyDescriptorStatus.TooShort },
        { "frame number cut",                 [0x80, 0x00],                         DependencyDescriptorStatus.TooShort },
        { "longer than an RFC 8285 element",  new byte[256],                        DependencyDescriptorStatus.TooLong },
        { "no structure yet",                 [0x80, 0x00, 0x01],                   DependencyDescriptorStatus.NoStructure },
        { "extended, no structure yet",       [0x80, 0x00, 0x01, 0x00],             DependencyDescriptorStatus.NoStructure },
        { "structure flag, nothing after",    [0x80, 0x00, 0x01, 0x80],             DependencyDescriptorStatus.TooShort },
        { "spatial id 4 (MAX_SPATIAL_ID 3)",  Layers(2, 2, 2, 2, 3),                DependencyDescriptorStatus.InvalidStructure },
        { "temporal id 8 (MAX_TEMPORAL_ID 7)", Layers(1, 1, 1, 1, 1, 1, 1, 1, 3),   DependencyDescriptorStatus.InvalidStructure },
        { "65 templates",                     Layers([.. Enumerable.Repeat(0, 64), 3]), DependencyDescriptorStatus.InvalidStructure },
        { "layers never end",                 Mandatory(true).ToArray(),            DependencyDescriptorStatus.TooShort },
        { "64 templates are allowed",         Layers([.. Enumerable.Repeat(0, 63), 3]), DependencyDescriptorStatus.Ok },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_descriptors_return_a_status(string name, byte[] value, DependencyDescriptorStatus expected)
    {
        Assert.NotNull(name);
        Assert.Equal(expected, new DependencyDescriptorReader().TryRead(value, out _));
    }

    /// <summary>Random structures within the spec's limits and 255 bytes, with random frames.</summary>
    internal static StructureSpec RandomStructure(Random random)
    {
        while (true)
        {
            int decodeTargets = random.Next(1, random.Next(4) == 0 ? 33 : 10);
            int templateCount = random.Next(1, 20);
            int chains = random.Next(decodeTargets + 1);
            var templates = new TemplateSpec[templateCount];
            int spatial = 0, temporal = 0;
            for (int i = 0; i < templateCount; i++)
            {
                if (i > 0)
                {
                    int idc = random.Next(3);
                    if (idc == 1 && temporal < 7) temporal++;
                    else if (idc == 2 && spatial < 3) { spatial++; temporal = 0; }
                }
                templates[i] = new TemplateSpec(spatial, temporal,
                    new string([.. Enumerable.Range(0, decodeTargets).Select(_ => "-DSR"[random.Next(4)])]),
                    [.. Enumerable.Range(0, random.Next(4)).Select(_ => random.Next(1, 17))],
                    [.. Enumerable.Range(0, chains).Select(_ => random.Next(16))]);
            }
            var s = new StructureSpec(random.Next(64), templates,
                chains == 0 ? [] : [.. Enumerable.Range(0, decodeTargets).Select(_ => random.Next(chains + 1))],
                random.Next(2) == 0 ? null : [.. Enumerable.Range(0, spatial + 1).Select(_ => (random.Next(1, 65537), random.Next(1, 65537)))]);
            if (Encode(WorstCaseFrame(s), s).Length <= 255) return s;
        }
    }

    // Every optional field at its largest, so any RandomFrame of the structure fits in 255 bytes.
    private static FrameSpec WorstCaseFrame(StructureSpec s) => new(0, 0)
    {
        AttachedStructure = s,
        ActiveDecodeTargets = 0,
        CustomDtis = new string('-', s.DecodeTargetCount),
        CustomFrameDiffs = [4096, 4096, 4096, 4096, 4096],
        CustomChainDiffs = new int[s.ChainCount],
    };

    internal static FrameSpec RandomFrame(Random random, StructureSpec s, bool attach) => new(random.Next(s.Templates.Length), (ushort)random.Next(65536), random.Next(2) == 0, random.Next(2) == 0)
    {
        AttachedStructure = attach ? s : null,
        ActiveDecodeTargets = random.Next(3) == 0 ? (uint)(random.NextInt64(1L << s.DecodeTargetCount)) : null,
        CustomDtis = random.Next(3) == 0 ? new string([.. Enumerable.Range(0, s.DecodeTargetCount).Select(_ => "-DSR"[random.Next(4)])]) : null,
        CustomFrameDiffs = random.Next(3) == 0 ? [.. Enumerable.Range(0, random.Next(6)).Select(_ => random.Next(1, 4097))] : null,
        CustomChainDiffs = random.Next(3) == 0 ? [.. Enumerable.Range(0, s.ChainCount).Select(_ => random.Next(256))] : null,
    };

    [Fact]
    public void Random_valid_descriptors_round_trip_every_field()
    {
        var random = new Random(0xA1D);
        for (int i = 0; i < 1500; i++)
        {
            var s = RandomStructure(random);
            var reader = new DependencyDescriptorReader();
            var key = RandomFrame(random, s, attach: true);
            uint active = key.ActiveDecodeTargets ?? AllTargets(s);
            ReadAndAssert(reader, key, s, active);
            Assert.NotNull(reader.Structure);
            AssertStructure(s, reader.Structure);
            for (int j = 0; j < 4; j++)
            {
                var f = RandomFrame(random, s, attach: false);
                active = f.ActiveDecodeTargets ?? active;
                ReadAndAssert(reader, f, s, active);
            }
        }
    }

    [Fact]
    public void Reading_descriptors_does_not_allocate()
    {
        var reader = new DependencyDescriptorReader();
        byte[] key = Encode(new FrameSpec(0, 1) { AttachedStructure = L3T3 }, L3T3);
        byte[] delta = Encode(new FrameSpec(8, 2), L3T3);
        byte[] custom = Encode(new FrameSpec(7, 3) { CustomDtis = "RDS-RDS-S", CustomFrameDiffs = [1, 300], CustomChainDiffs = [1, 2, 3], ActiveDecodeTargets = 0x1FF }, L3T3);
        int sum = ReadMany(reader, key, delta, custom);   // warm-up: the first run also pays for JIT (on-stack replacement)
        long before = GC.GetAllocatedBytesForCurrentThread();
        sum += ReadMany(reader, key, delta, custom);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.NotEqual(0, sum);
    }

    // 10k rounds of a re-sent keyframe structure, a delta frame and a frame with every custom field.
    private static int ReadMany(DependencyDescriptorReader reader, byte[] key, byte[] delta, byte[] custom)
    {
        int sum = 0;
        for (int i = 0; i < 10_000; i++) sum += ReadOnce(reader, key) + ReadOnce(reader, delta) + ReadOnce(reader, custom);
        return sum;
    }

    private static int ReadOnce(DependencyDescriptorReader reader, byte[] value)
    {
        if (reader.TryRead(value, out var d) != DependencyDescriptorStatus.Ok) return -1;
        int sum = d.FrameNumber + d.SpatialId + d.TemporalId + (d.IsKeyframe ? 1 : 0) + (int)d.GetDti(0);
        foreach (ushort fdiff in d.FrameDiffs) sum += fdiff;
        foreach (byte chainDiff in d.ChainDiffs) sum += chainDiff;
        if (d.TryGetResolution(out int width, out int height)) sum += width + height;
        return sum;
    }
}
