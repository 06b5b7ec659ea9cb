using System.Buffers.Binary;

namespace Conclave.Client.Media.Video;

/// <summary>
/// Reads an IVF stream (what ffmpeg's <c>-f ivf</c> writes around VP8 frames): a 32-byte file header, then per frame a
/// 12-byte header (size, 32-bit little endian; presentation timestamp, 64-bit) and the frame.
/// <code>
///   "DKIF" | version 0 (16) | header length 32 (16) | FourCC "VP80" | width (16) | height (16) | rate (32) | scale (32) | frames (32) | unused (32)
/// </code>
/// One buffer, grown to the largest frame and reused. A frame over <see cref="Vp8VideoSender.MaxFrameLength"/> or a
/// header that is not IVF ends reading with an <see cref="InvalidDataException"/>.
/// </summary>
public sealed class IvfReader(Stream input)
{
    /// <summary>Bytes of the file header.</summary>
    public const int FileHeaderLength = 32;

    /// <summary>Bytes of a frame header.</summary>
    public const int FrameHeaderLength = 12;

    private readonly byte[] _header = new byte[FileHeaderLength];
    private byte[] _frame = new byte[64 * 1024];
    private bool _started;

    /// <summary>The FourCC of the codec, once the header was read (<c>VP80</c>).</summary>
    public string FourCc { get; private set; } = "";

    /// <summary>
    /// The next frame (valid until the next call), or an empty one at the end of the stream. Reads the file header
    /// first.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadFrameAsync(CancellationToken cancellationToken)
    {
        if (!_started)
        {
            if (!await FillAsync(_header, cancellationToken).ConfigureAwait(false)) return ReadOnlyMemory<byte>.Empty;
            if (!_header.AsSpan(0, 4).SequenceEqual("DKIF"u8) || BinaryPrimitives.ReadUInt16LittleEndian(_header.AsSpan(6)) < FileHeaderLength)
                throw new InvalidDataException("not an IVF stream");
            FourCc = System.Text.Encoding.ASCII.GetString(_header, 8, 4);
            int extra = BinaryPrimitives.ReadUInt16LittleEndian(_header.AsSpan(6)) - FileHeaderLength;
            if (extra > 0 && !await FillAsync(new byte[extra], cancellationToken).ConfigureAwait(false)) return ReadOnlyMemory<byte>.Empty;
            _started = true;
        }
        if (!await FillAsync(_header.AsMemory(0, FrameHeaderLength), cancellationToken).ConfigureAwait(false)) return ReadOnlyMemory<byte>.Empty;
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(_header);
        if (length == 0 || length > Vp8VideoSender.MaxFrameLength) throw new InvalidDataException($"an IVF frame of {length} bytes");
        if (_frame.Length < length) _frame = new byte[Math.Max(length, _frame.Length * 2)];
        if (!await FillAsync(_frame.AsMemory(0, (int)length), cancellationToken).ConfigureAwait(false)) throw new InvalidDataException("the IVF stream ends inside a frame");
        return _frame.AsMemory(0, (int)length);
    }

    /// <summary>Reads exactly <paramref name="buffer"/>; false when the stream ended before its first byte.</summary>
    private async ValueTask<bool> FillAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int read = await input.ReadAsync(buffer[filled..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (filled == 0) return false;
                throw new InvalidDataException("the IVF stream ends inside a header");
            }
            filled += read;
        }
        return true;
    }
}
