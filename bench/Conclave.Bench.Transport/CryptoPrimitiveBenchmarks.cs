using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Conclave.Crypto;
using Conclave.Media.Transport.Srtp;

namespace Conclave.Bench.Transport;

/// <summary>
/// The .NET crypto primitives SRTP is built on, alone, over one 1,200-byte packet's worth of data: the floor
/// under <see cref="SrtpBenchmarks"/>. SRTP's own overhead is the difference between the two.
/// </summary>
[MemoryDiagnoser]
public class CryptoPrimitiveBenchmarks : IDisposable
{
    private readonly byte[] _plain = new byte[1188];
    private readonly byte[] _cipher = new byte[1188];
    private readonly byte[] _counters = new byte[1200];
    private readonly byte[] _keystream = new byte[1200];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _aad = new byte[12];
    private readonly byte[] _mac = new byte[20];
    private readonly byte[] _hmacKey = new byte[20];
    private readonly AesGcm _gcm = new(new byte[16], 16);
    private readonly AesGcmIntrinsics _managedGcm = new(new byte[16]);
    private readonly IncrementalHash _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, new byte[20]);
    private readonly Aes _aes = Aes.Create();
    private ICryptoTransform _ecb = null!;

    [GlobalSetup]
    public void Setup()
    {
        _aes.Key = new byte[16];
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
    }

    [Benchmark(Description = "AES-128-GCM encrypt 1188 B")]
    public void AesGcmEncrypt() => _gcm.Encrypt(_nonce, _plain, _cipher, _tag, _aad);

    [Benchmark(Description = "AES-128-GCM encrypt 1188 B (managed, AES-NI + PCLMULQDQ)")]
    public void ManagedAesGcmEncrypt() => _managedGcm.Encrypt(_nonce, _plain, _cipher, _tag, _aad);

    [Benchmark(Description = "HMAC-SHA1 1200 B")]
    public void HmacSha1()
    {
        _hmac.AppendData(_plain);
        _hmac.GetHashAndReset(_mac);
    }

    [Benchmark(Description = "HMAC-SHA1 1200 B one-shot (HMACSHA1.HashData)")]
    public int HmacSha1OneShot() => HMACSHA1.HashData(_hmacKey, _plain, _mac);

    [Benchmark(Description = "AES-128-ECB 75 blocks (CM keystream)")]
    public int AesEcbKeystream() => _ecb.TransformBlock(_counters, 0, _counters.Length, _keystream, 0);

    public void Dispose()
    {
        _gcm.Dispose();
        _managedGcm.Dispose();
        _hmac.Dispose();
        _ecb?.Dispose();
        _aes.Dispose();
        GC.SuppressFinalize(this);
    }
}
