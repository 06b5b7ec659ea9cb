using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Conclave.Media.Transport.Srtp;

namespace Conclave.Bench.Transport;

/// <summary>
/// SRTP protect + unprotect of one 1,200-byte RTP packet (12-byte header + 1,188-byte payload), and SRTCP
/// protect + unprotect of an 80-byte RTCP packet, per profile. One op = one packet sent and received on one
/// core, so packets/s per core = 1 / mean. Every op uses a new sequence number / SRTCP index, so the replay
/// check and ROC tracking run as in production.
/// </summary>
[MemoryDiagnoser]
public class SrtpBenchmarks
{
    private const int RtpLength = 1200;
    private const int RtcpLength = 80;

    private SrtpContext _tx = null!;
    private SrtpContext _rx = null!;
    private readonly byte[] _rtp = new byte[RtpLength + 16];
    private readonly byte[] _rtcp = new byte[RtcpLength + 20];
    private ushort _seq;

    [Params(SrtpProfile.AesCm128HmacSha1_80, SrtpProfile.AeadAes128Gcm)]
    public SrtpProfile Profile { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        byte[] key = new byte[Profile.KeyLength()];
        byte[] salt = new byte[Profile.SaltLength()];
        rng.NextBytes(key);
        rng.NextBytes(salt);
        _tx = new SrtpContext(Profile, key, salt);
        _rx = new SrtpContext(Profile, key, salt);
        rng.NextBytes(_rtp);
        _rtp[0] = 0x80;                                                  // V=2, no CSRC, no extension
        _rtp[1] = 96;
        BinaryPrimitives.WriteUInt32BigEndian(_rtp.AsSpan(8), 0x12345678);
        rng.NextBytes(_rtcp);
        _rtcp[0] = 0x81;
        _rtcp[1] = 201;
        BinaryPrimitives.WriteUInt16BigEndian(_rtcp.AsSpan(2), RtcpLength / 4 - 1);
        BinaryPrimitives.WriteUInt32BigEndian(_rtcp.AsSpan(4), 0x12345678);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tx.Dispose();
        _rx.Dispose();
    }

    [Benchmark(Description = "SRTP protect+unprotect 1200 B")]
    public int RtpProtectUnprotect()
    {
        BinaryPrimitives.WriteUInt16BigEndian(_rtp.AsSpan(2), _seq++);
        if (_tx.Protect(_rtp, RtpLength, out int protectedLength) != SrtpStatus.Ok) throw new InvalidOperationException("protect");
        if (_rx.Unprotect(_rtp.AsSpan(0, protectedLength), out int plainLength) != SrtpStatus.Ok) throw new InvalidOperationException("unprotect");
        return plainLength;
    }

    [Benchmark(Description = "SRTCP protect+unprotect 80 B")]
    public int RtcpProtectUnprotect()
    {
        if (_tx.ProtectRtcp(_rtcp, RtcpLength, out int protectedLength) != SrtpStatus.Ok) throw new InvalidOperationException("protect");
        if (_rx.UnprotectRtcp(_rtcp.AsSpan(0, protectedLength), out int plainLength) != SrtpStatus.Ok) throw new InvalidOperationException("unprotect");
        return plainLength;
    }
}
