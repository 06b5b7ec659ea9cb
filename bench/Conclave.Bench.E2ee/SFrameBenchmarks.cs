using BenchmarkDotNet.Attributes;
using Conclave.E2ee.SFrame;

namespace Conclave.Bench.E2ee;

/// <summary>
/// SFrame (RFC 9605) encryption and decryption of one media frame on one core, per cipher suite and frame size:
/// 160 B (an Opus frame), 1,200 B (a video frame that fits one packet) and 30,000 B (a keyframe). One op = one frame,
/// so frames/s per core = 1 / mean and bytes/s = size / mean. Encryption draws a fresh counter each time, as in a
/// call; decryption opens the same frame again and again (the receiver keeps no replay state, RFC 9605 §7.4).
/// </summary>
[MemoryDiagnoser]
public class SFrameBenchmarks
{
    private static readonly SFrameKeyId KeyId = SFrameKeyId.Create(senderIndex: 12, epoch: 3);

    private SFrameSender _sender = null!;
    private SFrameReceiver _receiver = null!;
    private byte[] _plaintext = null!;
    private byte[] _ciphertext = null!;
    private byte[] _sealed = null!;
    private byte[] _opened = null!;
    private int _sealedLength;

    [Params(SFrameCipherSuite.Aes128GcmSha256_128, SFrameCipherSuite.Aes128CtrHmacSha256_80, SFrameCipherSuite.Aes256GcmSha512_128)]
    public SFrameCipherSuite Suite { get; set; }

    [Params(160, 1_200, 30_000)]
    public int FrameSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        byte[] baseKey = new byte[32];
        random.NextBytes(baseKey);
        _sender = new SFrameSender(Suite);
        _sender.SetKey(KeyId, baseKey);
        _receiver = new SFrameReceiver(Suite);
        _receiver.AddKey(KeyId, baseKey);
        _plaintext = new byte[FrameSize];
        random.NextBytes(_plaintext);
        _ciphertext = new byte[FrameSize + _sender.MaxOverhead];                // the header grows with the counter
        _sealed = new byte[_ciphertext.Length];
        _opened = new byte[FrameSize];
        if (_sender.Encrypt(_plaintext, [], _sealed, out _sealedLength) != SFrameStatus.Ok) throw new InvalidOperationException("encrypt");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
    }

    [Benchmark(Description = "SFrame encrypt")]
    public int Encrypt()
    {
        if (_sender.Encrypt(_plaintext, [], _ciphertext, out int written) != SFrameStatus.Ok) throw new InvalidOperationException("encrypt");
        return written;
    }

    [Benchmark(Description = "SFrame decrypt")]
    public int Decrypt()
    {
        if (_receiver.Decrypt(_sealed.AsSpan(0, _sealedLength), [], _opened, out int written) != SFrameStatus.Ok) throw new InvalidOperationException("decrypt");
        return written;
    }
}
