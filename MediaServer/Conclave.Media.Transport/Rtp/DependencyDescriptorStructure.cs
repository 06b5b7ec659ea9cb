namespace Conclave.Media.Transport.Rtp;

/*  AV1 RTP Appendix A.4.1 template_dependency_structure()
    template_id_offset                       f(6)
    dtis_cnt_minus_one                       f(5)    DtisCnt = dtis_cnt_minus_one + 1
    template_layers()    do { next_layer_idc f(2) } while (next_layer_idc != 3)
    template_dtis()      template_dti[TemplatesCnt][DtisCnt]               f(2) each
    template_fdiffs()    per template: { fdiff_follows_flag f(1), fdiff_minus_one f(4) }* , 0
    template_chains()    chains_cnt ns(DtisCnt + 1); if (chains_cnt) {
                             decode_target_protected_by[DtisCnt]             ns(chains_cnt + 1)
                             template_chain_fdiff[TemplatesCnt][chains_cnt]  f(4) }
    resolutions_present_flag                 f(1)
    render_resolutions() max_render_{width,height}_minus_1[MaxSpatialId + 1] f(16) each
*/
/// <summary>
/// A frame dependency structure (AV1 RTP Appendix A.4.1/A.4.2). Instances handed out by
/// <see cref="DependencyDescriptorReader.Structure"/> are immutable and sized to their content; the reader parses
/// into a private scratch instance and copies it only when a structure that differs from the current one arrives.
/// </summary>
public sealed class DependencyDescriptorStructure
{
    /// <summary>A.4.1 Table A.1: MAX_TEMPLATE_ID + 1.</summary>
    public const int MaxTemplates = 64;

    /// <summary>A.4.1: dtis_cnt_minus_one is f(5).</summary>
    public const int MaxDecodeTargets = 32;

    /// <summary>A.4.1 Table A.1: MAX_SPATIAL_ID (3) + 1.</summary>
    public const int MaxSpatialLayers = 4;

    /// <summary>A.4.1 Table A.1: MAX_TEMPORAL_ID (7) + 1.</summary>
    public const int MaxTemporalLayers = 8;

    // Capacities of the scratch instance. Each template fdiff costs 5 bits and each template chain fdiff 4 bits,
    // so a value of at most DependencyDescriptorExtension.MaxLength bytes cannot hold more.
    private const int MaxValueBits = DependencyDescriptorExtension.MaxLength * 8;
    private const int MaxFrameDiffs = MaxValueBits / 5;
    private const int MaxChainDiffs = MaxValueBits / 4;

    private readonly byte[] _spatialIds;          // [template]
    private readonly byte[] _temporalIds;         // [template]
    private readonly ulong[] _dtis;               // [template], 2 bits per decode target, target 0 in the low bits
    private readonly ushort[] _frameDiffStarts;   // [template + 1], prefix offsets into _frameDiffs
    private readonly ushort[] _frameDiffs;
    private readonly byte[] _protectedBy;         // [decode target] = chain index, ChainCount = unprotected
    private readonly byte[] _chainDiffs;          // [template * ChainCount + chain]
    private readonly ushort[] _widths;            // [spatial id]
    private readonly ushort[] _heights;

    private DependencyDescriptorStructure(int templates, int frameDiffs, int decodeTargets, int chainDiffs, int resolutions)
    {
        _spatialIds = new byte[templates];
        _temporalIds = new byte[templates];
        _dtis = new ulong[templates];
        _frameDiffStarts = new ushort[templates + 1];
        _frameDiffs = new ushort[frameDiffs];
        _protectedBy = new byte[decodeTargets];
        _chainDiffs = new byte[chainDiffs];
        _widths = new ushort[resolutions];
        _heights = new ushort[resolutions];
    }

    /// <summary>A.4.2 template_id_offset: the frame_dependency_template_id of template index 0.</summary>
    public int TemplateIdOffset { get; private set; }

    /// <summary>A.4.1 DtisCnt: the number of decode targets (1..32).</summary>
    public int DecodeTargetCount { get; private set; }

    /// <summary>A.4.1 TemplatesCnt (1..64).</summary>
    public int TemplateCount { get; private set; }

    /// <summary>A.4.2 chains_cnt (0..DecodeTargetCount); 0 when the structure does not use chains.</summary>
    public int ChainCount { get; private set; }

    /// <summary>A.4.1 MaxSpatialId: the spatial id of the last template (0..3).</summary>
    public int MaxSpatialId { get; private set; }

    /// <summary>A.4.1 MaxTemporalId: the highest temporal id of any template (0..7).</summary>
    public int MaxTemporalId { get; private set; }

    /// <summary>Number of spatial layers (MaxSpatialId + 1).</summary>
    public int SpatialLayerCount => MaxSpatialId + 1;

    /// <summary>Number of temporal layers (MaxTemporalId + 1).</summary>
    public int TemporalLayerCount => MaxTemporalId + 1;

    /// <summary>A.4.2 resolutions_present_flag: render resolutions are known for every spatial layer.</summary>
    public bool HasResolutions { get; private set; }

    /// <summary>Spatial id of a template (A.4.1 TemplateSpatialId).</summary>
    public int GetTemplateSpatialId(int templateIndex) => _spatialIds[CheckTemplate(templateIndex)];

    /// <summary>Temporal id of a template (A.4.1 TemplateTemporalId).</summary>
    public int GetTemplateTemporalId(int templateIndex) => _temporalIds[CheckTemplate(templateIndex)];

    /// <summary>A.4.2 template_dti[templateIndex][decodeTarget].</summary>
    public DependencyDescriptorDti GetTemplateDti(int templateIndex, int decodeTarget)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)decodeTarget, (uint)DecodeTargetCount, nameof(decodeTarget));
        return UnpackDti(_dtis[CheckTemplate(templateIndex)], decodeTarget);
    }

    /// <summary>A.4.1 TemplateFdiff[templateIndex]: frame number differences (1..16) to the frames it references.</summary>
    public ReadOnlySpan<ushort> GetTemplateFrameDiffs(int templateIndex)
    {
        CheckTemplate(templateIndex);
        return TemplateFrameDiffs(templateIndex);
    }

    /// <summary>A.4.2 template_chain_fdiff[templateIndex]: one value (0..15) per chain.</summary>
    public ReadOnlySpan<byte> GetTemplateChainDiffs(int templateIndex)
    {
        CheckTemplate(templateIndex);
        return TemplateChainDiffs(templateIndex);
    }

    /// <summary>A.4.2 decode_target_protected_by: the chain protecting a decode target, or -1 if none does.</summary>
    public int GetProtectingChain(int decodeTarget)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)decodeTarget, (uint)DecodeTargetCount, nameof(decodeTarget));
        if (ChainCount == 0) return -1;
        int chain = _protectedBy[decodeTarget];
        return chain == ChainCount ? -1 : chain;
    }

    /// <summary>A.4.2 max_render_width/height_minus_1 + 1 of a spatial layer; false if the structure has none.</summary>
    public bool TryGetResolution(int spatialId, out int width, out int height)
    {
        if (!HasResolutions || (uint)spatialId > (uint)MaxSpatialId)
        {
            width = 0;
            height = 0;
            return false;
        }
        width = _widths[spatialId] + 1;
        height = _heights[spatialId] + 1;
        return true;
    }

    internal static DependencyDescriptorStructure CreateScratch()
        => new(MaxTemplates, MaxFrameDiffs, MaxDecodeTargets, MaxChainDiffs, MaxSpatialLayers);

    internal ReadOnlySpan<ushort> TemplateFrameDiffs(int templateIndex)
        => _frameDiffs.AsSpan(_frameDiffStarts[templateIndex], _frameDiffStarts[templateIndex + 1] - _frameDiffStarts[templateIndex]);

    internal ReadOnlySpan<byte> TemplateChainDiffs(int templateIndex)
        => _chainDiffs.AsSpan(templateIndex * ChainCount, ChainCount);

    internal ulong TemplateDtis(int templateIndex) => _dtis[templateIndex];

    internal int TemplateSpatialId(int templateIndex) => _spatialIds[templateIndex];

    internal int TemplateTemporalId(int templateIndex) => _temporalIds[templateIndex];

    internal static DependencyDescriptorDti UnpackDti(ulong dtis, int decodeTarget)
        => (DependencyDescriptorDti)((dtis >> (2 * decodeTarget)) & 3);

    /// <summary>
    /// Parses template_dependency_structure() into this scratch instance (A.4.1). Only the reader calls this, and only
    /// on its scratch instance, so published structures never change.
    /// </summary>
    internal DependencyDescriptorStatus Read(ref DependencyDescriptorBitReader bits)
    {
        TemplateIdOffset = (int)bits.ReadBits(6);
        DecodeTargetCount = (int)bits.ReadBits(5) + 1;

        // A.4.1 template_layers(), Table A.3 next_layer_idc.
        int spatialId = 0, temporalId = 0, maxTemporalId = 0, count = 0;
        uint nextLayerIdc;
        do
        {
            if (count == MaxTemplates) return DependencyDescriptorStatus.InvalidStructure;   // Table A.1 MAX_TEMPLATE_ID
            _spatialIds[count] = (byte)spatialId;
            _temporalIds[count] = (byte)temporalId;
            count++;
            nextLayerIdc = bits.ReadBits(2);
            if (nextLayerIdc == 1)
            {
                temporalId++;
                if (temporalId >= MaxTemporalLayers) return DependencyDescriptorStatus.InvalidStructure;
                maxTemporalId = Math.Max(maxTemporalId, temporalId);
            }
            else if (nextLayerIdc == 2)
            {
                temporalId = 0;
                spatialId++;
                if (spatialId >= MaxSpatialLayers) return DependencyDescriptorStatus.InvalidStructure;
            }
        }
        while (nextLayerIdc != 3 && !bits.Overrun);
        if (bits.Overrun) return DependencyDescriptorStatus.TooShort;
        TemplateCount = count;
        MaxSpatialId = spatialId;
        MaxTemporalId = maxTemporalId;

        // A.4.1 template_dtis().
        if (bits.RemainingBits < count * DecodeTargetCount * 2) return DependencyDescriptorStatus.TooShort;
        for (int t = 0; t < count; t++)
        {
            ulong dtis = 0;
            for (int dt = 0; dt < DecodeTargetCount; dt++) dtis |= (ulong)bits.ReadBits(2) << (2 * dt);
            _dtis[t] = dtis;
        }

        // A.4.1 template_fdiffs(): a write needs a set follow flag first, so n fdiffs consume at least 5n - 4 bits.
        int frameDiffs = 0;
        for (int t = 0; t < count; t++)
        {
            _frameDiffStarts[t] = (ushort)frameDiffs;
            while (bits.ReadFlag()) _frameDiffs[frameDiffs++] = (ushort)(bits.ReadBits(4) + 1);
        }
        _frameDiffStarts[count] = (ushort)frameDiffs;

        // A.4.1 template_chains().
        ChainCount = (int)bits.ReadNonSymmetric((uint)DecodeTargetCount + 1);
        if (ChainCount > 0)
        {
            for (int dt = 0; dt < DecodeTargetCount; dt++) _protectedBy[dt] = (byte)bits.ReadNonSymmetric((uint)ChainCount + 1);
            if (bits.RemainingBits < count * ChainCount * 4) return DependencyDescriptorStatus.TooShort;
            for (int i = 0; i < count * ChainCount; i++) _chainDiffs[i] = (byte)bits.ReadBits(4);
        }

        // A.4.1 render_resolutions().
        HasResolutions = bits.ReadFlag();
        if (HasResolutions)
        {
            for (int s = 0; s <= MaxSpatialId; s++)
            {
                _widths[s] = (ushort)bits.ReadBits(16);
                _heights[s] = (ushort)bits.ReadBits(16);
            }
        }
        return bits.Overrun ? DependencyDescriptorStatus.TooShort : DependencyDescriptorStatus.Ok;
    }

    /// <summary>True if <paramref name="other"/> describes the same structure (A.4.2: same template_id_offset
    /// implies identical fields, but a misbehaving sender is not trusted with that).</summary>
    internal bool ContentEquals(DependencyDescriptorStructure other)
    {
        int frameDiffs = _frameDiffStarts[TemplateCount];
        int resolutions = HasResolutions ? MaxSpatialId + 1 : 0;
        return TemplateIdOffset == other.TemplateIdOffset
            && DecodeTargetCount == other.DecodeTargetCount
            && TemplateCount == other.TemplateCount
            && ChainCount == other.ChainCount
            && MaxSpatialId == other.MaxSpatialId
            && MaxTemporalId == other.MaxTemporalId
            && HasResolutions == other.HasResolutions
            && _spatialIds.AsSpan(0, TemplateCount).SequenceEqual(other._spatialIds.AsSpan(0, TemplateCount))
            && _temporalIds.AsSpan(0, TemplateCount).SequenceEqual(other._temporalIds.AsSpan(0, TemplateCount))
            && _dtis.AsSpan(0, TemplateCount).SequenceEqual(other._dtis.AsSpan(0, TemplateCount))
            && _frameDiffStarts.AsSpan(0, TemplateCount + 1).SequenceEqual(other._frameDiffStarts.AsSpan(0, TemplateCount + 1))
            && _frameDiffs.AsSpan(0, frameDiffs).SequenceEqual(other._frameDiffs.AsSpan(0, frameDiffs))
            && ProtectedBy.SequenceEqual(other.ProtectedBy)
            && _chainDiffs.AsSpan(0, TemplateCount * ChainCount).SequenceEqual(other._chainDiffs.AsSpan(0, TemplateCount * ChainCount))
            && _widths.AsSpan(0, resolutions).SequenceEqual(other._widths.AsSpan(0, resolutions))
            && _heights.AsSpan(0, resolutions).SequenceEqual(other._heights.AsSpan(0, resolutions));
    }

    /// <summary>An immutable copy sized to the content: the only allocation, made when a new structure arrives.</summary>
    internal DependencyDescriptorStructure Clone()
    {
        int frameDiffs = _frameDiffStarts[TemplateCount];
        int resolutions = HasResolutions ? MaxSpatialId + 1 : 0;
        var copy = new DependencyDescriptorStructure(TemplateCount, frameDiffs, ChainCount > 0 ? DecodeTargetCount : 0,
            TemplateCount * ChainCount, resolutions)
        {
            TemplateIdOffset = TemplateIdOffset,
            DecodeTargetCount = DecodeTargetCount,
            TemplateCount = TemplateCount,
            ChainCount = ChainCount,
            MaxSpatialId = MaxSpatialId,
            MaxTemporalId = MaxTemporalId,
            HasResolutions = HasResolutions,
        };
        _spatialIds.AsSpan(0, TemplateCount).CopyTo(copy._spatialIds);
        _temporalIds.AsSpan(0, TemplateCount).CopyTo(copy._temporalIds);
        _dtis.AsSpan(0, TemplateCount).CopyTo(copy._dtis);
        _frameDiffStarts.AsSpan(0, TemplateCount + 1).CopyTo(copy._frameDiffStarts);
        _frameDiffs.AsSpan(0, frameDiffs).CopyTo(copy._frameDiffs);
        ProtectedBy.CopyTo(copy._protectedBy);
        _chainDiffs.AsSpan(0, TemplateCount * ChainCount).CopyTo(copy._chainDiffs);
        _widths.AsSpan(0, resolutions).CopyTo(copy._widths);
        _heights.AsSpan(0, resolutions).CopyTo(copy._heights);
        return copy;
    }

    // decode_target_protected_by is present only when chains_cnt > 0 (A.4.1 template_chains()).
    private ReadOnlySpan<byte> ProtectedBy => _protectedBy.AsSpan(0, ChainCount > 0 ? DecodeTargetCount : 0);

    private int CheckTemplate(int templateIndex)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)templateIndex, (uint)TemplateCount, nameof(templateIndex));
        return templateIndex;
    }
}
