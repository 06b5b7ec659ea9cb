using System.Buffers.Binary;

namespace Conclave.Media.Transport.Rtp;

/*  AV1 RTP Appendix A.4.1 dependency_descriptor(sz)
     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    |S|E| template id |          frame_number         |T|A|D|F|C| ...
    mandatory_descriptor_fields(): S start_of_frame f(1), E end_of_frame f(1),
                                   frame_dependency_template_id f(6), frame_number f(16)
    extended_descriptor_fields() (sz > 3): T template_dependency_structure_present_flag,
        A active_decode_targets_present_flag, D custom_dtis_flag, F custom_fdiffs_flag, C custom_chains_flag,
        then template_dependency_structure() if T, active_decode_targets_bitmask f(DtisCnt) if A
    frame_dependency_definition(): frame_dtis() if D, frame_fdiffs() if F, frame_chains() if C
*/
/// <summary>
/// One packet's dependency descriptor, resolved against the stream's template structure by
/// <see cref="DependencyDescriptorReader.TryRead"/>. Fixed fields are read from the value on access; the spans
/// borrow the value, the structure or the reader's scratch and stay valid until the reader's next
/// <see cref="DependencyDescriptorReader.TryRead"/>.
/// </summary>
public readonly ref struct DependencyDescriptor
{
    private readonly ReadOnlySpan<byte> _value;
    private readonly ulong _dtis;

    internal DependencyDescriptor(ReadOnlySpan<byte> value, DependencyDescriptorStructure structure, int templateIndex,
        ulong dtis, uint activeDecodeTargets, ReadOnlySpan<ushort> frameDiffs, ReadOnlySpan<byte> chainDiffs)
    {
        _value = value;
        _dtis = dtis;
        Structure = structure;
        TemplateIndex = templateIndex;
        ActiveDecodeTargetsBitmask = activeDecodeTargets;
        FrameDiffs = frameDiffs;
        ChainDiffs = chainDiffs;
    }

    /// <summary>A.4.2 start_of_frame: the first payload byte begins a frame.</summary>
    public bool StartOfFrame => (_value[0] & 0x80) != 0;

    /// <summary>A.4.2 end_of_frame: the packet is the frame's last.</summary>
    public bool EndOfFrame => (_value[0] & 0x40) != 0;

    /// <summary>A.4.2 frame_dependency_template_id (0..63).</summary>
    public int TemplateId => _value[0] & 0x3F;

    /// <summary>A.4.2 frame_number: increases in decode order and wraps at 16 bits. A referenced frame's number is
    /// <c>(ushort)(FrameNumber - fdiff)</c>.</summary>
    public ushort FrameNumber => BinaryPrimitives.ReadUInt16BigEndian(_value[1..]);

    /// <summary>A.4.2 template_dependency_structure_present_flag: this packet carries the template structure.</summary>
    public bool HasStructure => ExtendedFlag(0x80);

    /// <summary>A.4.2 active_decode_targets_present_flag: this packet carries active_decode_targets_bitmask.</summary>
    public bool HasActiveDecodeTargetsBitmask => ExtendedFlag(0x40);

    /// <summary>A.4.2 custom_dtis_flag: the frame's DTIs are sent instead of taken from its template.</summary>
    public bool HasCustomDtis => ExtendedFlag(0x20);

    /// <summary>A.4.2 custom_fdiffs_flag: the frame's fdiffs are sent instead of taken from its template.</summary>
    public bool HasCustomFrameDiffs => ExtendedFlag(0x10);

    /// <summary>A.4.2 custom_chains_flag: the frame's chain fdiffs are sent instead of taken from its template.</summary>
    public bool HasCustomChains => ExtendedFlag(0x08);

    /// <summary>The structure the frame was resolved against (the reader's current one).</summary>
    public DependencyDescriptorStructure Structure { get; }

    /// <summary>A.4.1 templateIndex: frame_dependency_template_id minus template_id_offset, modulo 64.</summary>
    public int TemplateIndex { get; }

    /// <summary>A.4.1 FrameSpatialId.</summary>
    public int SpatialId => Structure.TemplateSpatialId(TemplateIndex);

    /// <summary>A.4.1 FrameTemporalId.</summary>
    public int TemporalId => Structure.TemplateTemporalId(TemplateIndex);

    /// <summary>
    /// A.4.2 active_decode_targets_bitmask in effect after this packet (bit i = decode target i): the value this
    /// packet carries, all targets when it carries a new structure (A.4.1), else the stream's last signalled value.
    /// </summary>
    public uint ActiveDecodeTargetsBitmask { get; }

    /// <summary>A.4.1 FrameFdiff: frame number differences (1..4096) to the frames this one references.</summary>
    public ReadOnlySpan<ushort> FrameDiffs { get; }

    /// <summary>A.4.2 frame_chain_fdiff, one per chain (0 = the chain needs no earlier frame, A.4.3).</summary>
    public ReadOnlySpan<byte> ChainDiffs { get; }

    /// <summary>
    /// The packet starts a keyframe. The descriptor has no keyframe flag; as measured with Chromium, a keyframe is a
    /// frame whose first packet (start_of_frame) carries the template structure and which references no frame
    /// (A.4.3: chains restart there). The frame's later packets share its <see cref="FrameNumber"/>.
    /// </summary>
    public bool IsKeyframe => StartOfFrame && HasStructure && FrameDiffs.IsEmpty;

    /// <summary>A.4.2 frame_dti[decodeTarget]: the frame's relation to a decode target.</summary>
    public DependencyDescriptorDti GetDti(int decodeTarget)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)decodeTarget, (uint)Structure.DecodeTargetCount, nameof(decodeTarget));
        return DependencyDescriptorStructure.UnpackDti(_dtis, decodeTarget);
    }

    /// <summary>A.4.1 FrameMaxWidth/FrameMaxHeight of the frame's spatial layer; false if the structure has none.</summary>
    public bool TryGetResolution(out int width, out int height) => Structure.TryGetResolution(SpatialId, out width, out height);

    private bool ExtendedFlag(int mask) => _value.Length > DependencyDescriptorExtension.MandatoryLength && (_value[3] & mask) != 0;
}
