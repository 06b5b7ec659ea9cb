using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace Conclave.Crypto;

/// <summary>
/// AES-GCM (NIST SP 800-38D) with a 96-bit nonce and a 128-bit tag, for AES-128 and AES-256 keys, on the
/// CPU's AES-NI and PCLMULQDQ instructions. It exists because <see cref="AesGcm"/> costs about 2 µs of fixed
/// overhead per call into OpenSSL, as much as the crypto of a whole 1,200-byte packet (docs/benchmarks.md).
/// <para>
/// The key schedule and the hash-key powers H^1..H^8 are computed once; a call allocates nothing. GCTR runs
/// 8 counter blocks in flight and GHASH folds 8 blocks per reduction. Encryption and decryption may work in
/// place (the same span for input and output) but not on partly overlapping spans. The instance keeps no
/// per-call state, so concurrent calls are safe; none may run during or after <see cref="Dispose"/>.
/// </para>
/// </summary>
public sealed class AesGcmIntrinsics : IDisposable
{
    public const int NonceSize = 12;
    public const int TagSize = 16;
    private const int BlockSize = 16;
    private const int Lanes = 8;                                      // counter blocks in flight, GHASH blocks per reduction
    private const int BatchSize = Lanes * BlockSize;

    /// <summary>True when the instructions this class needs exist on this CPU.</summary>
    public static bool IsSupported => X86Aes.IsSupported && Pclmulqdq.IsSupported && Ssse3.IsSupported;

    // GHASH works on byte-reversed blocks (the bit-reflected field of SP 800-38D §6.3 held as a little-endian
    // 128-bit integer); the counter is kept with its last 32-bit word little-endian so inc32 (§6.2) is one add.
    private static readonly Vector128<byte> ByteReverse = Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    private static readonly Vector128<byte> CounterToBigEndian = Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 14, 13, 12);

    // The GHASH polynomial x^128 + x^7 + x^2 + x + 1 (§6.3, R = 11100001 || 0^120) in the reflected domain.
    private const ulong ReducedPolyHigh = 0xC200_0000_0000_0000;
    private static readonly Vector128<ulong> ReducedPoly = Vector128.Create(1UL, ReducedPolyHigh);

    private readonly Vector128<byte>[] _roundKeys;                    // Nr + 1 round keys (FIPS 197 §5.2)
    private readonly Vector128<ulong>[] _hashKeyPowers = new Vector128<ulong>[Lanes];   // [i] = H^(i+1) · x
    private bool _disposed;

    /// <summary>Expands a 16-byte (AES-128) or 32-byte (AES-256) key. Throws on any other length.</summary>
    public AesGcmIntrinsics(ReadOnlySpan<byte> key)
    {
        if (!IsSupported) throw new PlatformNotSupportedException("AES-NI and PCLMULQDQ are required");
        _roundKeys = key.Length switch
        {
            16 => ExpandKey128(Vector128.Create(key)),
            32 => ExpandKey256(Vector128.Create(key), Vector128.Create(key[16..])),
            _ => throw new ArgumentException("AES-GCM key must be 16 or 32 bytes", nameof(key)),
        };

        // SP 800-38D §6.4: H = CIPH_K(0^128). Stored pre-multiplied by x so that a carry-less product of two
        // reflected operands needs no one-bit realignment (Gueron–Kounavis, Intel CLMUL white paper, §4).
        Vector128<ulong> h = Reflect(EncryptBlock(Vector128<byte>.Zero));
        ulong hi = h.GetElement(1), lo = h.GetElement(0);
        ulong carry = 0 - (hi >> 63);
        hi = (hi << 1 | lo >> 63) ^ (carry & ReducedPolyHigh);
        lo = lo << 1 ^ (carry & 1);
        Vector128<ulong> h1 = Vector128.Create(lo, hi);
        _hashKeyPowers[0] = h1;
        for (int i = 1; i < Lanes; i++)
        {
            Vector128<ulong> l = Vector128<ulong>.Zero, m = Vector128<ulong>.Zero, u = Vector128<ulong>.Zero;
            MultiplyAccumulate(_hashKeyPowers[i - 1], h1, ref l, ref m, ref u);
            _hashKeyPowers[i] = Reduce(l, m, u);
        }
    }

    /// <summary>
    /// SP 800-38D §7.1 GCM-AE: encrypts <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same
    /// length; may be the same span) and writes the 16-byte tag over <paramref name="associatedData"/> and the ciphertext.
    /// </summary>
    public void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData = default)
    {
        CheckArguments(nonce, plaintext, ciphertext, tag.Length);
        Vector128<uint> counter = InitialCounter(nonce);
        Vector128<ulong> s = HashPadded(Vector128<ulong>.Zero, associatedData);
        s = Transform(counter, plaintext, ciphertext, s, encrypt: true);
        FinishTag(counter, s, associatedData.Length, plaintext.Length).CopyTo(tag);
    }

    /// <summary>
    /// SP 800-38D §7.2 GCM-AD: checks <paramref name="tag"/> and decrypts <paramref name="ciphertext"/> into
    /// <paramref name="plaintext"/> (may be the same span). Returns false when the tag does not verify; the
    /// output is then zeroed (§7.2 step 8 returns FAIL and no plaintext), as <see cref="AesGcm"/> does.
    /// </summary>
    public bool TryDecrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData = default)
    {
        CheckArguments(nonce, ciphertext, plaintext, tag.Length);
        Vector128<uint> counter = InitialCounter(nonce);
        Vector128<ulong> s = HashPadded(Vector128<ulong>.Zero, associatedData);
        s = Transform(counter, ciphertext, plaintext, s, encrypt: false);
        Span<byte> expected = stackalloc byte[TagSize];
        FinishTag(counter, s, associatedData.Length, ciphertext.Length).CopyTo(expected);
        if (CryptographicOperations.FixedTimeEquals(expected, tag)) return true;
        CryptographicOperations.ZeroMemory(plaintext);
        return false;
    }

    /// <summary>Zeroes the round keys and hash-key powers. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_roundKeys.AsSpan()));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_hashKeyPowers.AsSpan()));
    }

    private void CheckArguments(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> input, Span<byte> output, int tagLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (nonce.Length != NonceSize) throw new ArgumentException("nonce must be 12 bytes", nameof(nonce));
        if (tagLength != TagSize) throw new ArgumentException("tag must be 16 bytes", nameof(tagLength));
        if (input.Length != output.Length) throw new ArgumentException("input and output lengths differ", nameof(output));
        if (input.Overlaps(output, out int offset) && offset != 0) throw new ArgumentException("input and output overlap", nameof(output));
    }

    /// <summary>SP 800-38D §7.1 step 2: J0 = IV || 0^31 || 1 for a 96-bit IV, with the last word little-endian.</summary>
    private static Vector128<uint> InitialCounter(ReadOnlySpan<byte> nonce)
    {
        Span<byte> j0 = stackalloc byte[BlockSize];
        nonce.CopyTo(j0);
        j0[12] = 1;
        j0[13] = j0[14] = j0[15] = 0;
        return Vector128.Create<byte>(j0).AsUInt32();
    }

    /// <summary>
    /// SP 800-38D §6.5 GCTR from inc32(J0) over <paramref name="input"/> into <paramref name="output"/>, and
    /// §6.4 GHASH of the ciphertext (the output when encrypting, the input when decrypting) into <paramref name="s"/>.
    /// </summary>
    private Vector128<ulong> Transform(Vector128<uint> j0, ReadOnlySpan<byte> input, Span<byte> output, Vector128<ulong> s, bool encrypt)
    {
        Vector128<uint> counter = j0 + Vector128.Create(0u, 0, 0, 1);
        int offset = 0;
        for (; offset <= input.Length - BatchSize; offset += BatchSize)
        {
            if (!encrypt) s = HashBlocks(s, input.Slice(offset, BatchSize));
            CounterXor8(ref counter, input.Slice(offset, BatchSize), output.Slice(offset, BatchSize));
            if (encrypt) s = HashBlocks(s, output.Slice(offset, BatchSize));
        }

        int rest = input.Length - offset;
        if (rest == 0) return s;
        // The last partial batch goes through a zero-padded scratch batch: §6.5 step 5 truncates the last
        // keystream block, §6.4 pads the last ciphertext block with zeros.
        Span<byte> scratch = stackalloc byte[BatchSize];
        scratch.Clear();
        input[offset..].CopyTo(scratch);
        int padded = (rest + BlockSize - 1) & ~(BlockSize - 1);
        if (!encrypt) s = HashBlocks(s, scratch[..padded]);
        CounterXor8(ref counter, scratch, scratch);
        scratch[rest..].Clear();
        if (encrypt) s = HashBlocks(s, scratch[..padded]);
        scratch[..rest].CopyTo(output[offset..]);
        CryptographicOperations.ZeroMemory(scratch);
        return s;
    }

    /// <summary>SP 800-38D §7.1 steps 5–6: S = GHASH(... || [len(A)]64 || [len(C)]64); T = GCTR(J0, S).</summary>
    private Vector128<byte> FinishTag(Vector128<uint> j0, Vector128<ulong> s, int associatedLength, int textLength)
    {
        Vector128<ulong> lengths = Vector128.Create((ulong)textLength * 8, (ulong)associatedLength * 8);   // reflected
        Vector128<ulong> l = Vector128<ulong>.Zero, m = Vector128<ulong>.Zero, u = Vector128<ulong>.Zero;
        MultiplyAccumulate(s ^ lengths, _hashKeyPowers[0], ref l, ref m, ref u);
        s = Reduce(l, m, u);
        return Ssse3.Shuffle(s.AsByte(), ByteReverse) ^ EncryptBlock(Ssse3.Shuffle(j0.AsByte(), CounterToBigEndian));
    }

    /// <summary>§6.4 GHASH over <paramref name="data"/> with its last block zero-padded (the AAD, §7.1 step 4).</summary>
    private Vector128<ulong> HashPadded(Vector128<ulong> s, ReadOnlySpan<byte> data)
    {
        int whole = data.Length & ~(BatchSize - 1);
        for (int offset = 0; offset < whole; offset += BatchSize) s = HashBlocks(s, data.Slice(offset, BatchSize));
        int rest = data.Length - whole;
        if (rest == 0) return s;
        Span<byte> scratch = stackalloc byte[BatchSize];
        scratch.Clear();
        data[whole..].CopyTo(scratch);
        return HashBlocks(s, scratch[..((rest + BlockSize - 1) & ~(BlockSize - 1))]);
    }

    /// <summary>
    /// §6.4 GHASH over n = blocks.Length / 16 ≤ 8 whole blocks with one reduction (aggregated reduction):
    /// Y = (Y ⊕ X1)·H^n ⊕ X2·H^(n−1) ⊕ … ⊕ Xn·H, the same as n steps of Y = (Y ⊕ Xi)·H.
    /// </summary>
    private Vector128<ulong> HashBlocks(Vector128<ulong> s, ReadOnlySpan<byte> blocks)
    {
        int n = blocks.Length / BlockSize;
        ReadOnlySpan<Vector128<ulong>> powers = _hashKeyPowers.AsSpan(0, n);
        Vector128<ulong> l = Vector128<ulong>.Zero, m = Vector128<ulong>.Zero, u = Vector128<ulong>.Zero;
        MultiplyAccumulate(s ^ Reflect(Vector128.Create(blocks[..BlockSize])), powers[n - 1], ref l, ref m, ref u);
        for (int i = 1; i < n; i++)
        {
            MultiplyAccumulate(Reflect(Vector128.Create(blocks.Slice(i * BlockSize, BlockSize))), powers[n - 1 - i], ref l, ref m, ref u);
        }
        return Reduce(l, m, u);
    }

    /// <summary>Schoolbook 128×128 carry-less product, unreduced, added into low, middle and high parts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAccumulate(Vector128<ulong> x, Vector128<ulong> h, ref Vector128<ulong> low, ref Vector128<ulong> middle, ref Vector128<ulong> high)
    {
        low ^= Pclmulqdq.CarrylessMultiply(x, h, 0x00);
        middle ^= Pclmulqdq.CarrylessMultiply(x, h, 0x01) ^ Pclmulqdq.CarrylessMultiply(x, h, 0x10);
        high ^= Pclmulqdq.CarrylessMultiply(x, h, 0x11);
    }

    /// <summary>
    /// Reduces the 256-bit product modulo the GHASH polynomial (§6.3) in two folds of 64 bits by
    /// 0xC2·2^56, the reflected form of x^7 + x^2 + x + 1 (Gueron–Kounavis, Intel CLMUL white paper, Algorithm 5).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Reduce(Vector128<ulong> low, Vector128<ulong> middle, Vector128<ulong> high)
    {
        low ^= Sse2.ShiftLeftLogical128BitLane(middle, 8);
        high ^= Sse2.ShiftRightLogical128BitLane(middle, 8);
        Vector128<ulong> fold = Pclmulqdq.CarrylessMultiply(ReducedPoly, low, 0x01);
        low = Sse2.Shuffle(low.AsUInt32(), 0x4E).AsUInt64() ^ fold;
        fold = Pclmulqdq.CarrylessMultiply(ReducedPoly, low, 0x01);
        low = Sse2.Shuffle(low.AsUInt32(), 0x4E).AsUInt64() ^ fold;
        return low ^ high;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Reflect(Vector128<byte> block) => Ssse3.Shuffle(block, ByteReverse).AsUInt64();

    /// <summary>
    /// §6.5 steps 3–6 for 8 blocks: output = input ⊕ CIPH_K(CB_1..CB_8), counter advanced by 8 (inc32).
    /// The 8 blocks go through each round together so the AES units stay busy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CounterXor8(ref Vector128<uint> counter, ReadOnlySpan<byte> input, Span<byte> output)
    {
        ReadOnlySpan<Vector128<byte>> keys = _roundKeys;
        Vector128<uint> one = Vector128.Create(0u, 0, 0, 1);
        Vector128<uint> c = counter;
        Vector128<byte> k = keys[0];
        Vector128<byte> b0 = Ssse3.Shuffle(c.AsByte(), CounterToBigEndian) ^ k; c += one;
        Vector128<byte> b1 = Ssse3.Shuffle(c.AsByte(), CounterToBigEndian) ^ k; c += one;
        Vector128<byte> b2 = Ssse3.Shuffle(c.AsByte(), CounterToBigEndian) ^ k; c += one;
        Vector128<byte> b3 = Ssse3.Shuffle(c.AsByte(), CounterToBigEndian) ^ k; c += one;
        Vector128<byte> b4 = Ssse3.Shuffle(c.AsByte(), CounterToBigEndian) ^ k; c += one;
        Vector128<byte> b5 = Ssse3.Shuffle(c.AsByte(), CounterToBigEndian) ^ k; c += one;
        Vector128<byte> b6 = Ssse3.Shuffle(c.AsByte(), CounterToBigEndian) ^ k; c += one;
        Vector128<byte> b7 = Ssse3.Shuffle(c.AsByte(), CounterToBigEndian) ^ k; c += one;
        counter = c;
        int last = keys.Length - 1;
        for (int r = 1; r < last; r++)
        {
            k = keys[r];
            b0 = X86Aes.Encrypt(b0, k);
            b1 = X86Aes.Encrypt(b1, k);
            b2 = X86Aes.Encrypt(b2, k);
            b3 = X86Aes.Encrypt(b3, k);
            b4 = X86Aes.Encrypt(b4, k);
            b5 = X86Aes.Encrypt(b5, k);
            b6 = X86Aes.Encrypt(b6, k);
            b7 = X86Aes.Encrypt(b7, k);
        }
        k = keys[last];
        (X86Aes.EncryptLast(b0, k) ^ Vector128.Create(input[..16])).CopyTo(output[..16]);
        (X86Aes.EncryptLast(b1, k) ^ Vector128.Create(input[16..32])).CopyTo(output[16..32]);
        (X86Aes.EncryptLast(b2, k) ^ Vector128.Create(input[32..48])).CopyTo(output[32..48]);
        (X86Aes.EncryptLast(b3, k) ^ Vector128.Create(input[48..64])).CopyTo(output[48..64]);
        (X86Aes.EncryptLast(b4, k) ^ Vector128.Create(input[64..80])).CopyTo(output[64..80]);
        (X86Aes.EncryptLast(b5, k) ^ Vector128.Create(input[80..96])).CopyTo(output[80..96]);
        (X86Aes.EncryptLast(b6, k) ^ Vector128.Create(input[96..112])).CopyTo(output[96..112]);
        (X86Aes.EncryptLast(b7, k) ^ Vector128.Create(input[112..128])).CopyTo(output[112..128]);
    }

    /// <summary>CIPH_K of one block (FIPS 197 §5.1 Cipher with AES-NI rounds).</summary>
    private Vector128<byte> EncryptBlock(Vector128<byte> block)
    {
        ReadOnlySpan<Vector128<byte>> keys = _roundKeys;
        block ^= keys[0];
        int last = keys.Length - 1;
        for (int r = 1; r < last; r++) block = X86Aes.Encrypt(block, keys[r]);
        return X86Aes.EncryptLast(block, keys[last]);
    }

    /// <summary>FIPS 197 §5.2 KeyExpansion for Nk = 4 (Intel AES-NI white paper, Figure 19).</summary>
    private static Vector128<byte>[] ExpandKey128(Vector128<byte> key)
    {
        var k = new Vector128<byte>[11];
        k[0] = key;
        k[1] = key = Expand(key, X86Aes.KeygenAssist(key, 0x01), 0xFF);
        k[2] = key = Expand(key, X86Aes.KeygenAssist(key, 0x02), 0xFF);
        k[3] = key = Expand(key, X86Aes.KeygenAssist(key, 0x04), 0xFF);
        k[4] = key = Expand(key, X86Aes.KeygenAssist(key, 0x08), 0xFF);
        k[5] = key = Expand(key, X86Aes.KeygenAssist(key, 0x10), 0xFF);
        k[6] = key = Expand(key, X86Aes.KeygenAssist(key, 0x20), 0xFF);
        k[7] = key = Expand(key, X86Aes.KeygenAssist(key, 0x40), 0xFF);
        k[8] = key = Expand(key, X86Aes.KeygenAssist(key, 0x80), 0xFF);
        k[9] = key = Expand(key, X86Aes.KeygenAssist(key, 0x1B), 0xFF);
        k[10] = Expand(key, X86Aes.KeygenAssist(key, 0x36), 0xFF);
        return k;
    }

    /// <summary>
    /// FIPS 197 §5.2 KeyExpansion for Nk = 8 (Intel AES-NI white paper, Figure 24): even round keys use
    /// RotWord+SubWord+Rcon of the previous odd key, odd round keys SubWord of the previous even key.
    /// </summary>
    private static Vector128<byte>[] ExpandKey256(Vector128<byte> key0, Vector128<byte> key1)
    {
        var k = new Vector128<byte>[15];
        k[0] = key0;
        k[1] = key1;
        k[2] = key0 = Expand(key0, X86Aes.KeygenAssist(key1, 0x01), 0xFF);
        k[3] = key1 = Expand(key1, X86Aes.KeygenAssist(key0, 0x00), 0xAA);
        k[4] = key0 = Expand(key0, X86Aes.KeygenAssist(key1, 0x02), 0xFF);
        k[5] = key1 = Expand(key1, X86Aes.KeygenAssist(key0, 0x00), 0xAA);
        k[6] = key0 = Expand(key0, X86Aes.KeygenAssist(key1, 0x04), 0xFF);
        k[7] = key1 = Expand(key1, X86Aes.KeygenAssist(key0, 0x00), 0xAA);
        k[8] = key0 = Expand(key0, X86Aes.KeygenAssist(key1, 0x08), 0xFF);
        k[9] = key1 = Expand(key1, X86Aes.KeygenAssist(key0, 0x00), 0xAA);
        k[10] = key0 = Expand(key0, X86Aes.KeygenAssist(key1, 0x10), 0xFF);
        k[11] = key1 = Expand(key1, X86Aes.KeygenAssist(key0, 0x00), 0xAA);
        k[12] = key0 = Expand(key0, X86Aes.KeygenAssist(key1, 0x20), 0xFF);
        k[13] = Expand(key1, X86Aes.KeygenAssist(key0, 0x00), 0xAA);
        k[14] = Expand(key0, X86Aes.KeygenAssist(k[13], 0x40), 0xFF);
        return k;
    }

    /// <summary>One FIPS 197 §5.2 step: w[i] = w[i−Nk] ⊕ temp for the four words of a round key (prefix XOR).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Expand(Vector128<byte> key, Vector128<byte> assist, [ConstantExpected] byte select)
    {
        assist = Sse2.Shuffle(assist.AsUInt32(), select).AsByte();
        key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
        key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
        key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
        return key ^ assist;
    }
}
