namespace Conclave.Media.Transport.Rtp;

/// <summary>Outcome of parsing an RTP packet or its header extension block. The data plane never throws.</summary>
public enum RtpParseStatus
{
    /// <summary>The input is well formed.</summary>
    Ok = 0,
    /// <summary>A length (fixed header, CSRC list, extension, element, payload) runs past the buffer.</summary>
    TooShort,
    /// <summary>RFC 3550 §5.1: the version field is not 2.</summary>
    BadVersion,
    /// <summary>RFC 3550 §5.1: the P bit is set but the padding count is zero or exceeds the payload.</summary>
    BadPadding,
    /// <summary>The extension block's profile is neither RFC 8285 one-byte (0xBEDE) nor two-byte (0x100X).</summary>
    UnknownExtensionProfile,
    /// <summary>RFC 8285 §4.2/§4.3: an element is malformed (id 0 with a length, non-zero padding).</summary>
    BadExtensionElement,
}
