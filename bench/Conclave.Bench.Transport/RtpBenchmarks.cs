using BenchmarkDotNet.Attributes;
using Conclave.Media.Transport.Rtp;

namespace Conclave.Bench.Transport;

/// <summary>
/// RTP on the forwarding path, one 1,200-byte video packet as Chromium sends it: 12-byte header, a one-byte-form
/// extension block (RFC 8285 §4.2) with abs-send-time (id 2), transport-wide sequence number (id 3) and mid (id 4),
/// then the payload. Parse = <see cref="RtpHeader.TryRead"/> plus a walk of every extension element and the
/// transport-cc lookup an SFU does per packet; write = <see cref="RtpPacketWriter.TryWrite"/> of the same packet
/// (header, extensions and a 1,172-byte payload copy).
/// </summary>
[MemoryDiagnoser]
public class RtpBenchmarks
{
    private const int PacketLength = 1200;

    private readonly byte[] _packet = new byte[PacketLength];
    private readonly byte[] _output = new byte[1500];
    private readonly byte[] _extensionData = new byte[64];
    private readonly byte[] _payload = new byte[PacketLength];
    private int _extensionLength;
    private ushort _extensionProfile;
    private int _payloadLength;

    [GlobalSetup]
    public void Setup()
    {
        var writer = new RtpHeaderExtensionWriter(_extensionData, allowTwoByte: false);
        writer.TryAdd(2, AbsSendTimeExtension.Length, out Span<byte> absSendTime);
        AbsSendTimeExtension.TryWrite(absSendTime, 0x12_3456);
        writer.TryAdd(3, TransportSequenceNumberExtension.Length, out Span<byte> transportSequence);
        TransportSequenceNumberExtension.TryWrite(transportSequence, 4242);
        writer.TryAdd(4, "0"u8);
        if (!writer.TryFinish(out _extensionProfile, out _extensionLength)) throw new InvalidOperationException("extensions");
        _payloadLength = PacketLength - RtpHeader.FixedLength - 4 - _extensionLength;
        new Random(1).NextBytes(_payload);
        if (!Writer(1).TryWrite(_packet, out int written) || written != PacketLength) throw new InvalidOperationException("packet");
    }

    private RtpPacketWriter Writer(ushort sequenceNumber) => new()
    {
        PayloadType = 96,
        SequenceNumber = sequenceNumber,
        Timestamp = 90_000,
        Ssrc = 0x1234_5678,
        HasExtension = true,
        ExtensionProfile = _extensionProfile,
        ExtensionData = _extensionData.AsSpan(0, _extensionLength),
        Payload = _payload.AsSpan(0, _payloadLength),
    };

    [Benchmark(Description = "RTP parse 1200 B + 3 one-byte extensions")]
    public int Parse()
    {
        if (RtpHeader.TryRead(_packet, out RtpHeader header) != RtpParseStatus.Ok) throw new InvalidOperationException("parse");
        int sum = header.SequenceNumber + header.PayloadType + (int)header.Ssrc + header.Payload.Length;
        if (header.TryGetExtensions(out RtpHeaderExtensionReader reader) != RtpParseStatus.Ok) throw new InvalidOperationException("extensions");
        RtpHeaderExtensionReader walk = reader;
        while (walk.TryReadNext(out RtpHeaderExtension element)) sum += element.Id + element.Value.Length;
        if (reader.TryFind(3, out ReadOnlySpan<byte> value) && TransportSequenceNumberExtension.TryRead(value, out ushort transportSequence))
            sum += transportSequence;
        return sum;
    }

    [Benchmark(Description = "RTP write 1200 B (header + 3 extensions + payload copy)")]
    public int Write()
    {
        Writer(2).TryWrite(_output, out int written);
        return written;
    }
}
