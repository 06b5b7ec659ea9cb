using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Conclave.E2ee.SFrame;

/// <summary>
/// AES-CTR as RFC 9605 §4.5.1 uses it: initial_counter = nonce (12 bytes) || 0x00000000, and keystream block j is
/// AES(enc_key, nonce || BE32(j)). The keystream is made with one ECB call per chunk of counter blocks and XORed
/// into the data; the buffers are allocated once per key, so a call allocates nothing. Not thread-safe.
/// <para>
/// The one-shot <c>Aes.EncryptEcb</c> creates a native cipher context per call, so a reusable ECB
/// <see cref="ICryptoTransform"/> is kept instead: ECB without padding keeps no state between blocks.
/// </para>
/// </summary>
internal sealed class SFrameAesCounter : IDisposable
{
    public const int BlockSize = 16;
    public const int NonceSize = 12;
    private const int ChunkBlocks = 128;                             // 2 KiB of keystream per AES call

    private readonly Aes _aes;                                       // Owned
    private readonly ICryptoTransform _ecb;                          // Owned
    private readonly byte[] _counters = new byte[ChunkBlocks * BlockSize];
    private readonly byte[] _keystream = new byte[ChunkBlocks * BlockSize];

    public SFrameAesCounter(ReadOnlySpan<byte> encKey)
    {
        byte[] key = encKey.ToArray();
        try
        {
            _aes = Aes.Create();
            _aes.Key = key;
            _aes.Mode = CipherMode.ECB;
            _aes.Padding = PaddingMode.None;
            _ecb = _aes.CreateEncryptor();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// XORs the keystream for <paramref name="nonce"/> into <paramref name="data"/> (encryption and decryption are
    /// the same). The 32-bit block counter covers 64 GiB, far beyond any span.
    /// </summary>
    public void Apply(ReadOnlySpan<byte> nonce, Span<byte> data)
    {
        uint block = 0;                                              // RFC 9605 §4.5.1: nonce + 0x00000000
        int offset = 0;
        while (offset < data.Length)
        {
            int n = Math.Min(data.Length - offset, _counters.Length);
            int blocks = (n + BlockSize - 1) / BlockSize;
            for (int b = 0; b < blocks; b++)
            {
                Span<byte> counter = _counters.AsSpan(b * BlockSize, BlockSize);
                nonce.CopyTo(counter);
                BinaryPrimitives.WriteUInt32BigEndian(counter[NonceSize..], block++);
            }
            _ecb.TransformBlock(_counters, 0, blocks * BlockSize, _keystream, 0);
            Xor(data.Slice(offset, n), _keystream.AsSpan(0, n));
            offset += n;
        }
    }

    /// <summary>data ^= keystream, vectorised.</summary>
    private static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<byte>.Count;
            for (; i <= data.Length - width; i += width)
                (new Vector<byte>(data[i..]) ^ new Vector<byte>(keystream[i..])).CopyTo(data[i..]);
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
