using System.Buffers.Binary;
using System.Numerics;

namespace Conclave.Media.Transport.Rtp;

/*  AV1 RTP Appendix A.4.1, as written for one spatial layer with 1..3 temporal layers (libwebrtc's L1T1, L1T2, L1T3):
     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    |S|E| template id |          frame_number         |1|0|0|0|0| template_dependency_structure() ...
    every packet: mandatory_descriptor_fields() only (3 bytes), the template chosen by the frame's place in the pattern;
    a keyframe's first packet: extended_descriptor_fields() with template_dependency_structure_present_flag = 1 and no
    other flag, then the structure: template_id_offset 0, DtisCnt = temporal layers, template_layers(),
    template_dtis(), template_fdiffs(), template_chains() (one chain over the T0 frames protecting every decode
    target) and render_resolutions() (resolutions_present_flag 1, max_render_width/height_minus_1 of the layer).

    Templates (A.4.2 Table A.4 symbols; index: T, DTIs per decode target, fdiffs, chain fdiff) and the templates of
    the frames that follow a keyframe (template 0), repeated until the next keyframe:
      L1T1  0: T0 S   -  0    1: T0 S   1  1                                              then 1 1 1 …
      L1T2  0: T0 SS  -  0    1: T0 SS  2  2    2: T1 -D  1  1                             then 2 1 2 1 …
      L1T3  0: T0 SSS -  0    1: T0 SSS 4  4    2: T1 -DS 2  2    3: T2 --D 1  1    4: T2 --D 1  3
                                                          then 3 2 4 1 3 2 4 1 … (T2 T1 T2 T0, 30/15/7.5 fps)
    (libwebrtc modules/video_coding/svc: scalable_video_controller_no_layering, scalability_structure_l1t2/l1t3.) */
/// <summary>
/// Writes the dependency descriptor (AV1 RTP Appendix A) of one simulcast stream of a VP8 sender as Chromium does:
/// one spatial layer with one decode target per temporal layer and one chain, the mandatory fields on every packet
/// and the template dependency structure, with the stream's render resolution, on the first packet of every
/// keyframe. A receiver reads a keyframe as a frame whose first packet carries the structure and whose template
/// references nothing (<see cref="DependencyDescriptor.IsKeyframe"/>).
/// <para>Configured once; <see cref="TryWrite"/> is stateless, thread-safe and allocation-free: the keyframe's
/// descriptor is built in the constructor and only its first three bytes change per packet.</para>
/// </summary>
public sealed class DependencyDescriptorWriter
{
    /// <summary>The temporal layer counts supported (L1T1..L1T3).</summary>
    public const int MaxTemporalLayers = 3;

    private static readonly Template[][] Structures =
    [
        [new(0, "S", 0, 0), new(0, "S", 1, 1)],
        [new(0, "SS", 0, 0), new(0, "SS", 2, 2), new(1, "-D", 1, 1)],
        [new(0, "SSS", 0, 0), new(0, "SSS", 4, 4), new(1, "-DS", 2, 2), new(2, "--D", 1, 1), new(2, "--D", 1, 3)],
    ];

    private static readonly byte[][] Patterns = [[1], [2, 1], [3, 2, 4, 1]];

    // Allocated by this, once.
    private readonly Template[] _templates;
    private readonly byte[] _pattern;
    private readonly byte[] _keyframeStart;      // the whole descriptor of a keyframe's first packet

    /// <summary>Builds the structure of a stream with <paramref name="temporalLayers"/> temporal layers whose frames
    /// are <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Layers outside 1..3, or a size outside 1..65536 (A.4.2: 16 bits).</exception>
    public DependencyDescriptorWriter(int temporalLayers, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(temporalLayers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(temporalLayers, MaxTemporalLayers);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, 1 << 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, 1 << 16);
        TemporalLayers = temporalLayers;
        Width = width;
        Height = height;
        _templates = Structures[temporalLayers - 1];
        _pattern = Patterns[temporalLayers - 1];
        _keyframeStart = BuildKeyframeStart(_templates, width, height);
    }

    /// <summary>Temporal layers of the stream (its decode targets).</summary>
    public int TemporalLayers { get; }

    /// <summary>The render width sent in the structure.</summary>
    public int Width { get; }

    /// <summary>The render height sent in the structure.</summary>
    public int Height { get; }

    /// <summary>Length of the descriptor of a keyframe's first packet (the longest this writer produces).</summary>
    public int KeyframeLength => _keyframeStart.Length;

    /// <summary>The temporal layer of the frame <paramref name="framesSinceKeyframe"/> frames after a keyframe
    /// (L1T3: 0, 2, 1, 2, 0, 2, 1, 2, …); -1 if negative.</summary>
    public int GetTemporalId(int framesSinceKeyframe)
        => framesSinceKeyframe < 0 ? -1 : _templates[TemplateIndex(framesSinceKeyframe)].TemporalId;

    /// <summary>Bytes <see cref="TryWrite"/> writes for <paramref name="frame"/>; 0 if the frame is invalid.</summary>
    public int GetLength(in DependencyDescriptorFrame frame)
    {
        if (frame.FramesSinceKeyframe < 0) return 0;
        return frame.FramesSinceKeyframe == 0 && frame.StartOfFrame ? _keyframeStart.Length : DependencyDescriptorExtension.MandatoryLength;
    }

    /// <summary>Writes the descriptor value (the RFC 8285 element body) of one packet. False, with nothing written,
    /// if <paramref name="destination"/> is shorter than <see cref="GetLength"/> or the frame is invalid.</summary>
    public bool TryWrite(Span<byte> destination, in DependencyDescriptorFrame frame, out int written)
    {
        written = 0;
        int length = GetLength(frame);
        if (length == 0 || destination.Length < length) return false;
        if (length > DependencyDescriptorExtension.MandatoryLength) _keyframeStart.CopyTo(destination);
        // A.4.1 mandatory_descriptor_fields(); template_id_offset is 0, so the template id is the template index.
        destination[0] = (byte)((frame.StartOfFrame ? 0x80 : 0) | (frame.EndOfFrame ? 0x40 : 0) | TemplateIndex(frame.FramesSinceKeyframe));
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], frame.FrameNumber);
        written = length;
        return true;
    }

    private int TemplateIndex(int framesSinceKeyframe)
        => framesSinceKeyframe == 0 ? 0 : _pattern[(framesSinceKeyframe - 1) % _pattern.Length];

    /// <summary>A.4.1 extended_descriptor_fields() with template_dependency_structure() (mandatory fields left 0).</summary>
    private static byte[] BuildKeyframeStart(Template[] templates, int width, int height)
    {
        int decodeTargets = templates[0].Dtis.Length;
        var bits = new BitWriter(stackalloc byte[DependencyDescriptorExtension.MaxLength]);
        bits.Write(0, DependencyDescriptorExtension.MandatoryLength * 8);
        bits.Write(0b10000, 5);                                 // T=1 (structure); A, D, F, C = 0
        bits.Write(0, 6);                                       // template_id_offset
        bits.Write((uint)decodeTargets - 1, 5);                 // dtis_cnt_minus_one
        for (int i = 1; i < templates.Length; i++)              // template_layers(), Table A.3: 0 same, 1 next temporal
            bits.Write(templates[i].TemporalId == templates[i - 1].TemporalId ? 0u : 1u, 2);
        bits.Write(3, 2);                                       // no more layers
        foreach (Template t in templates)                       // template_dtis()
            foreach (char symbol in t.Dtis) bits.Write((uint)"-DSR".IndexOf(symbol, StringComparison.Ordinal), 2);
        foreach (Template t in templates)                       // template_fdiffs(): fdiff_follows_flag, fdiff_minus_one
        {
            if (t.FrameDiff > 0)
            {
                bits.Write(1, 1);
                bits.Write((uint)t.FrameDiff - 1, 4);
            }
            bits.Write(0, 1);
        }
        bits.WriteNonSymmetric(1, (uint)decodeTargets + 1);     // template_chains(): chains_cnt = 1
        for (int dt = 0; dt < decodeTargets; dt++) bits.WriteNonSymmetric(0, 2);   // decode_target_protected_by = chain 0
        foreach (Template t in templates) bits.Write((uint)t.ChainDiff, 4);        // template_chain_fdiff
        bits.Write(1, 1);                                       // render_resolutions(): resolutions_present_flag
        bits.Write((uint)width - 1, 16);
        bits.Write((uint)height - 1, 16);
        return bits.ToArray();
    }

    /// <summary>One template of the structure; <see cref="FrameDiff"/> 0 means it references no frame.</summary>
    private readonly record struct Template(int TemporalId, string Dtis, int FrameDiff, int ChainDiff);

    /// <summary>Most-significant-bit-first f(n) and ns(n) (A.4.1), the last byte padded with zeros.</summary>
    private ref struct BitWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        private int _position;

        public void Write(uint value, int count)
        {
            for (int i = count - 1; i >= 0; i--, _position++)
            {
                if ((_position & 7) == 0) _buffer[_position >> 3] = 0;
                if (((value >> i) & 1) != 0) _buffer[_position >> 3] |= (byte)(0x80 >> (_position & 7));
            }
        }

        // A.4.1 ns(n) inverted: values below m = 2^w - n take w - 1 bits, the others w bits.
        public void WriteNonSymmetric(uint value, uint n)
        {
            int w = 32 - BitOperations.LeadingZeroCount(n);
            uint m = (1u << w) - n;
            if (value < m)
            {
                Write(value, w - 1);
                return;
            }
            Write((value + m) >> 1, w - 1);
            Write((value + m) & 1, 1);
        }

        public readonly byte[] ToArray() => _buffer[..((_position + 7) >> 3)].ToArray();
    }
}
