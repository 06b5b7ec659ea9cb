using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Conclave.Client.Media;

/*  RIFF WAVE, PCM (the canonical 44-byte header), integers little-endian
    "RIFF" | riff size = 36 + data size | "WAVE"
    "fmt " | 16 | format 1 (PCM) | channels | sample rate | byte rate | block align | bits per sample
    "data" | data size | samples ...
*/
/// <summary>Writes 16-bit PCM to a WAV file. The header is written first and its sizes are brought up to date at
/// least every second of audio and on <see cref="Dispose"/>, so the file is a valid WAV file at any time, also when
/// the process stops early (it then lacks at most the last second).</summary>
public sealed class WavFileWriter : IDisposable
{
    /// <summary>Length of the header.</summary>
    public const int HeaderLength = 44;

    private readonly FileStream _file;                                // Owned
    private readonly int _sampleRate;
    private readonly short _channels;
    private long _dataBytes;
    private long _unpatchedSamples;
    private bool _disposed;

    /// <summary>Creates (or replaces) <paramref name="path"/> with an empty WAV file of that format.</summary>
    public WavFileWriter(string path, int sampleRate = OpusAudioSender.SampleRate, short channels = 1)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        _sampleRate = sampleRate;
        _channels = channels;
        Path = path;
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024);
        WriteHeader();
        _file.Flush();
    }

    /// <summary>The file written.</summary>
    public string Path { get; }

    /// <summary>Samples written (over all channels).</summary>
    public long SamplesWritten => _dataBytes / 2;

    /// <summary>Appends samples (interleaved if several channels).</summary>
    public void Write(ReadOnlySpan<short> samples)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (BitConverter.IsLittleEndian)
        {
            _file.Write(MemoryMarshal.AsBytes(samples));
        }
        else
        {
            Span<byte> two = stackalloc byte[2];
            foreach (short s in samples)
            {
                BinaryPrimitives.WriteInt16LittleEndian(two, s);
                _file.Write(two);
            }
        }
        _dataBytes += samples.Length * 2L;
        _unpatchedSamples += samples.Length;
        if (_unpatchedSamples >= _sampleRate * _channels) Flush();
    }

    /// <summary>Appends <paramref name="count"/> zero samples (silence).</summary>
    public void WriteSilence(int count)
    {
        Span<short> zeros = stackalloc short[480];
        zeros.Clear();
        while (count > 0)
        {
            int n = Math.Min(count, zeros.Length);
            Write(zeros[..n]);
            count -= n;
        }
    }

    /// <summary>Brings the header's sizes up to date and flushes to the file.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long end = _file.Position;
        _file.Position = 0;
        WriteHeader();
        _file.Position = end;
        _file.Flush();
        _unpatchedSamples = 0;
    }

    /// <summary>Writes the final header and closes the file. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        Flush();
        _disposed = true;
        _file.Dispose();
    }

    private void WriteHeader()
    {
        Span<byte> h = stackalloc byte[HeaderLength];
        uint data = (uint)Math.Min(_dataBytes, uint.MaxValue - 36);
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], 36 + data);
        "WAVE"u8.CopyTo(h[8..]);
        "fmt "u8.CopyTo(h[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(h[20..], 1);                         // PCM
        BinaryPrimitives.WriteInt16LittleEndian(h[22..], _channels);
        BinaryPrimitives.WriteInt32LittleEndian(h[24..], _sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(h[28..], _sampleRate * _channels * 2);  // byte rate
        BinaryPrimitives.WriteInt16LittleEndian(h[32..], (short)(_channels * 2));       // block align
        BinaryPrimitives.WriteInt16LittleEndian(h[34..], 16);                           // bits per sample
        "data"u8.CopyTo(h[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[40..], data);
        _file.Write(h);
    }
}
