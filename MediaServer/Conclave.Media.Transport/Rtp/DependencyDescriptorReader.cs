namespace Conclave.Media.Transport.Rtp;

/// <summary>
/// Reads the dependency descriptor (AV1 RTP Appendix A) of one incoming RTP stream. The template structure arrives
/// only on some packets (A.4.2: the first packet of a coded video sequence, in practice every keyframe's first
/// packet), so one reader per stream keeps the latest structure and the active decode targets. The per-packet path
/// never throws and never allocates: only a structure that differs from the current one is copied. Not thread-safe:
/// call it from the stream's receive path.
/// </summary>
public sealed class DependencyDescriptorReader
{
    private const int MandatoryBits = DependencyDescriptorExtension.MandatoryLength * 8;

    // A custom fdiff costs at least 6 bits (next_fdiff_size f(2) + fdiff_minus_one f(4)).
    private const int MaxCustomFrameDiffs = DependencyDescriptorExtension.MaxLength * 8 / 6;

    // Allocated by this, once.
    private readonly DependencyDescriptorStructure _scratch = DependencyDescriptorStructure.CreateScratch();
    private readonly ushort[] _customFrameDiffs = new ushort[MaxCustomFrameDiffs];
    private readonly byte[] _customChainDiffs = new byte[DependencyDescriptorStructure.MaxDecodeTargets];

    /// <summary>The latest template structure, null until one arrives. Immutable; replaced, never changed.</summary>
    public DependencyDescriptorStructure? Structure { get; private set; }

    /// <summary>A.4.2 active_decode_targets_bitmask last in effect (bit i = decode target i).</summary>
    public uint ActiveDecodeTargetsBitmask { get; private set; }

    /// <summary>
    /// Parses one descriptor value (the RFC 8285 element body) and resolves it against the current structure, or
    /// against the structure it carries. State (structure, active decode targets) changes only when the whole
    /// value parses.
    /// </summary>
    public DependencyDescriptorStatus TryRead(ReadOnlySpan<byte> value, out DependencyDescriptor descriptor)
    {
        descriptor = default;
        if (value.Length < DependencyDescriptorExtension.MandatoryLength) return DependencyDescriptorStatus.TooShort;
        if (value.Length > DependencyDescriptorExtension.MaxLength) return DependencyDescriptorStatus.TooLong;

        // A.4.1 mandatory_descriptor_fields() sit in the first three bytes; DependencyDescriptor reads them in place.
        int templateId = value[0] & 0x3F;
        var bits = new DependencyDescriptorBitReader(value, MandatoryBits);

        // A.4.1 extended_descriptor_fields() if sz > 3, else no_extended_descriptor_fields() (all flags 0).
        bool structurePresent = false, activeDecodeTargetsPresent = false, customDtis = false, customFdiffs = false, customChains = false;
        if (value.Length > DependencyDescriptorExtension.MandatoryLength)
        {
            structurePresent = bits.ReadFlag();
            activeDecodeTargetsPresent = bits.ReadFlag();
            customDtis = bits.ReadFlag();
            customFdiffs = bits.ReadFlag();
            customChains = bits.ReadFlag();
        }

        DependencyDescriptorStructure? structure = Structure;
        uint activeDecodeTargets = ActiveDecodeTargetsBitmask;
        if (structurePresent)
        {
            var status = _scratch.Read(ref bits);
            if (status != DependencyDescriptorStatus.Ok) return status;
            structure = _scratch;
            activeDecodeTargets = uint.MaxValue >> (32 - structure.DecodeTargetCount);   // A.4.1: (1 << DtisCnt) - 1
        }
        if (structure is null) return DependencyDescriptorStatus.NoStructure;
        if (activeDecodeTargetsPresent) activeDecodeTargets = bits.ReadBits(structure.DecodeTargetCount);

        // A.4.1 frame_dependency_definition().
        int templateIndex = (templateId + DependencyDescriptorStructure.MaxTemplates - structure.TemplateIdOffset)
            % DependencyDescriptorStructure.MaxTemplates;
        if (templateIndex >= structure.TemplateCount) return DependencyDescriptorStatus.UnknownTemplate;

        ulong dtis = structure.TemplateDtis(templateIndex);
        if (customDtis)
        {
            // A.4.1 frame_dtis().
            dtis = 0;
            for (int dt = 0; dt < structure.DecodeTargetCount; dt++) dtis |= (ulong)bits.ReadBits(2) << (2 * dt);
        }

        int customFrameDiffCount = 0;
        if (customFdiffs)
        {
            // A.4.1 frame_fdiffs(): next_fdiff_size f(2) gives fdiff_minus_one's width in 4-bit units, 0 ends.
            for (uint size = bits.ReadBits(2); size != 0; size = bits.ReadBits(2))
            {
                uint fdiffMinusOne = bits.ReadBits(4 * (int)size);
                if (bits.Overrun) return DependencyDescriptorStatus.TooShort;
                _customFrameDiffs[customFrameDiffCount++] = (ushort)(fdiffMinusOne + 1);
            }
        }

        // A.4.1 frame_chains(): frame_chain_fdiff f(8) per chain.
        if (customChains)
        {
            for (int c = 0; c < structure.ChainCount; c++) _customChainDiffs[c] = (byte)bits.ReadBits(8);
        }
        if (bits.Overrun) return DependencyDescriptorStatus.TooShort;

        // Commit. A re-sent identical structure keeps the current instance, so steady state does not allocate.
        if (structurePresent)
        {
            structure = Structure is { } current && _scratch.ContentEquals(current) ? current : _scratch.Clone();
            Structure = structure;
        }
        ActiveDecodeTargetsBitmask = activeDecodeTargets;
        descriptor = new DependencyDescriptor(value, structure, templateIndex, dtis, activeDecodeTargets,
            customFdiffs ? _customFrameDiffs.AsSpan(0, customFrameDiffCount) : structure.TemplateFrameDiffs(templateIndex),
            customChains ? _customChainDiffs.AsSpan(0, structure.ChainCount) : structure.TemplateChainDiffs(templateIndex));
        return DependencyDescriptorStatus.Ok;
    }
}
