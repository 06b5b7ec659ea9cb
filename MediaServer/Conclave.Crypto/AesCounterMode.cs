using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Conclave.Crypto;

/// <summary>
/// AES in counter mode (NIST SP 800-38A §6.5): keystream block j = AES_K(counter block j), the first counter block
/// given by the caller and each next one made by incrementing its last 32 bits (inc32, SP 800-38D §6.2). That serves
/// SRTP's AES-CM (RFC 3711 §4.1.1: an IV whose low 16 bits are zero and hold the block counter; a packet is far fewer
/// than 2^16 blocks, so inc32 never carries past them) and SFrame's AES-CTR (RFC 9605 §4.5.1: nonce || 0x00000000).
/// The keystream is made with one AES-ECB call over a buffer of counter blocks, then XORed into the data; a call
/// allocates nothing. Reuses its buffers: not thread-safe.
/// <para>
/// The one-shot <c>Aes.EncryptEcb</c> creates a native cipher context (and its SafeHandle, 64 B) per call,
/// so a reusable ECB <see cref="ICryptoTransform"/> is kept instead: ECB without padding holds no state
/// between blocks, and <c>TransformBlock</c> on arrays allocates nothing.
/// </para>
/// </summary>
public sealed class AesCounterMode : IDisposable
{
    /// <summary>The AES block, and the length of a counter block.</summary>
    public const int BlockSize = 16;
    private const int ChunkBlocks = 128;                             // 2 KiB: one RTP packet in one AES call

    private readonly Aes _aes;                                       // Owned
    private readonly ICryptoTransform _ecb;                          // Owned
    private readonly byte[] _counters = new byte[ChunkBlocks * BlockSize];
    private readonly byte[] _keystream = new byte[ChunkBlocks * BlockSize];

    /// <summary>Expands an AES key (16, 24 or 32 bytes); the copy handed to .NET is wiped here.</summary>
    public AesCounterMode(ReadOnlySpan<byte> key)
    {
        byte[] copy = key.ToArray();
        try
        {
            _aes = Aes.Create();
            _aes.Key = copy;
            _aes.Mode = CipherMode.ECB;
            _aes.Padding = PaddingMode.None;
            _ecb = _aes.CreateEncryptor();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }
    }

    /// <summary>
    /// XORs the keystream that starts at the counter block <paramref name="initialCounter"/> (16 bytes) into
    /// <paramref name="data"/>; encryption and decryption are the same.
    /// </summary>
    public void Apply(ReadOnlySpan<byte> initialCounter, Span<byte> data)
    {
        uint counter = BinaryPrimitives.ReadUInt32BigEndian(initialCounter[12..BlockSize]);
        int offset = 0;
        while (offset < data.Length)
        {
            int n = Math.Min(data.Length - offset, _counters.Length);
            int blocks = (n + BlockSize - 1) / BlockSize;
            Span<byte> counters = _counters.AsSpan(0, blocks * BlockSize);
            for (int b = 0; b < blocks; b++)
            {
                Span<byte> block = counters.Slice(b * BlockSize, BlockSize);
                initialCounter[..12].CopyTo(block);
                BinaryPrimitives.WriteUInt32BigEndian(block[12..], counter++);
            }
            _ecb.TransformBlock(_counters, 0, counters.Length, _keystream, 0);
            Xor(data.Slice(offset, n), _keystream.AsSpan(0, n));
            offset += n;
        }
    }

    /// <summary>data ^= keystream, vectorised.</summary>
    public static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
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
        CryptographicOperations.ZeroMemory(_keystream);
        _ecb.Dispose();
        _aes.Dispose();
    }
}
