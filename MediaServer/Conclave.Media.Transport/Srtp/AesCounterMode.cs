using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Conclave.Media.Transport.Srtp;

/// <summary>
/// AES in counter mode as SRTP uses it (RFC 3711 §4.1.1): keystream block j = AES_K(IV + j), where the low
/// 16 bits of the IV are zero and hold the block counter. The keystream is made with one AES-ECB call over a
/// buffer of counter blocks, then XORed into the data. Reuses its buffers: not thread-safe.
/// <para>
/// The one-shot <c>Aes.EncryptEcb</c> creates a native cipher context (and its SafeHandle, 64 B) per call,
/// so a reusable ECB <see cref="ICryptoTransform"/> is kept instead: ECB without padding holds no state
/// between blocks, and <c>TransformBlock</c> on arrays allocates nothing.
/// </para>
/// </summary>
internal sealed class AesCounterMode : IDisposable
{
    public const int BlockSize = 16;
    private const int ChunkBlocks = 128;                             // 2 KiB: one RTP packet in one AES call

    private readonly Aes _aes;                                       // Owned
    private readonly ICryptoTransform _ecb;                          // Owned
    private readonly byte[] _counters = new byte[ChunkBlocks * BlockSize];
    private readonly byte[] _keystream = new byte[ChunkBlocks * BlockSize];

    public AesCounterMode(ReadOnlySpan<byte> key)
    {
        _aes = Aes.Create();
        _aes.Key = key.ToArray();
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
    }

    /// <summary>
    /// XORs the keystream that starts at <paramref name="iv"/> (16 bytes) into <paramref name="data"/>.
    /// RFC 3711 §4.1.1: at most 2^16 blocks per IV; the caller keeps to it (an RTP packet is far smaller).
    /// </summary>
    public void Apply(ReadOnlySpan<byte> iv, Span<byte> data)
    {
        ushort counter = BinaryPrimitives.ReadUInt16BigEndian(iv[14..]);
        int offset = 0;
        while (offset < data.Length)
        {
            int n = Math.Min(data.Length - offset, _counters.Length);
            int blocks = (n + BlockSize - 1) / BlockSize;
            Span<byte> counters = _counters.AsSpan(0, blocks * BlockSize);
            for (int b = 0; b < blocks; b++)
            {
                Span<byte> block = counters.Slice(b * BlockSize, BlockSize);
                iv[..14].CopyTo(block);
                BinaryPrimitives.WriteUInt16BigEndian(block[14..], counter++);
            }
            _ecb.TransformBlock(_counters, 0, counters.Length, _keystream, 0);
            Xor(data.Slice(offset, n), _keystream.AsSpan(0, n));
            offset += n;
        }
    }

    /// <summary>data ^= keystream, vectorised.</summary>
    internal static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<byte>.Count;
            for (; i <= data.Length - width; i += width)
            {
                var v = new Vector<byte>(data[i..]) ^ new Vector<byte>(keystream[i..]);
                v.CopyTo(data[i..]);
            }
        }
        for (; i < data.Length; i++) data[i] ^= keystream[i];
    }

    public void Dispose()
    {
        _ecb.Dispose();
        _aes.Dispose();
    }
}
