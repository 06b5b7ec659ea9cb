using Conclave.Media.Transport.Rtp;

namespace Conclave.Sfu.Routing;

/// <summary>A diagnostics hook: sees every RTP packet the SFU receives from a publisher, after SRTP unprotect, once
/// the packet is matched to its track (<see cref="Producer"/>) and forwarded. Set on the node's
/// <see cref="MediaEndpoint"/> (<see cref="MediaEndpoint.InboundObserver"/>); null in production, where the packet
/// path pays one null check for it. Tests use it to check at the SFU that media is end-to-end encrypted (SFrame
/// ciphertext, never a codec's plaintext).
/// <para>Called on the media port's receive thread, for every peer of the node: it must return quickly, must not
/// block, and must not keep the packet (<see cref="InboundRtpPacket.Payload"/> is the receive buffer, reused for the
/// next datagram). An exception counts as a listener fault of that peer's datagram.</para></summary>
public interface IInboundRtpObserver
{
    /// <summary>One received RTP packet of a published track.</summary>
    void OnInboundRtp(in InboundRtpPacket packet);
}

/// <summary>What <see cref="IInboundRtpObserver"/> sees of one received RTP packet: which call, publisher, track and
/// stream it belongs to, its header fields and its payload. A view over the receive buffer, valid only during the
/// call; nothing is parsed or allocated unless a property asks for it (<see cref="StartOfFrame"/> reads the header
/// extensions).</summary>
public readonly ref struct InboundRtpPacket
{
    private readonly RtpHeader _header;

    internal InboundRtpPacket(InboundStream stream, in RtpHeader header)
    {
        Stream = stream;
        _header = header;
    }

    /// <summary>The RTP stream (the track, or one of its simulcast encodings) the packet belongs to.</summary>
    public InboundStream Stream { get; }

    /// <summary>The published track.</summary>
    public Producer Producer => Stream.Producer;

    /// <summary>The call (room) of the router that received it.</summary>
    public string CallId => Stream.Producer.Peer.Router.CallId;

    /// <summary>The publisher's participant (signaling session) id.</summary>
    public string ParticipantId => Stream.Producer.Peer.ParticipantId;

    /// <summary>The published section's source: microphone, camera or screen.</summary>
    public TrackSource Source => Stream.Producer.Source;

    /// <summary>The publisher's m= section.</summary>
    public string Mid => Stream.Producer.Mid;

    /// <summary>The simulcast encoding's rid; null for a track without simulcast.</summary>
    public string? Rid => Stream.Rid;

    /// <summary>The negotiated codec's encoding name (<c>opus</c>, <c>VP8</c>).</summary>
    public string CodecName => Stream.Producer.Codec.Name;

    /// <summary>The SSRC.</summary>
    public uint Ssrc => _header.Ssrc;

    /// <summary>The payload type, as negotiated with the publisher.</summary>
    public byte PayloadType => _header.PayloadType;

    /// <summary>The sequence number, as the publisher sent it.</summary>
    public ushort SequenceNumber => _header.SequenceNumber;

    /// <summary>The RTP timestamp, as the publisher sent it.</summary>
    public uint Timestamp => _header.Timestamp;

    /// <summary>The M bit.</summary>
    public bool Marker => _header.Marker;

    /// <summary>The RTP payload: after the fixed header, CSRCs and header extensions, without padding (RFC 3550 §5.1).
    /// Empty for a padding-only packet.</summary>
    public ReadOnlySpan<byte> Payload => _header.Payload;

    /// <summary>The whole header view, for anything else (extensions, CSRCs).</summary>
    public RtpHeader Header => _header;

    /// <summary>The dependency descriptor's start-of-frame flag (AV1 RTP spec, Appendix A.2), when the publisher
    /// negotiated the extension and this packet carries it; null otherwise.</summary>
    public bool? StartOfFrame => TryGetDescriptorFlags(out byte flags) ? (flags & 0x80) != 0 : null;

    /// <summary>The dependency descriptor's end-of-frame flag, when present; null otherwise.</summary>
    public bool? EndOfFrame => TryGetDescriptorFlags(out byte flags) ? (flags & 0x40) != 0 : null;

    /// <summary>The first byte of the dependency descriptor (start, end, template id): its mandatory fields are 3 bytes.</summary>
    private bool TryGetDescriptorFlags(out byte flags)
    {
        flags = 0;
        int id = Stream.Producer.Peer.Extensions.DescriptorId;
        if (id == 0 || _header.TryGetExtensions(out RtpHeaderExtensionReader extensions) != RtpParseStatus.Ok
            || !extensions.TryFind(id, out ReadOnlySpan<byte> value) || value.Length < 3)
        {
            return false;
        }
        flags = value[0];
        return true;
    }
}
