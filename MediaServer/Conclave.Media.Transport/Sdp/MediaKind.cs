namespace Conclave.Media.Transport.Sdp;

/// <summary>The <c>&lt;media&gt;</c> field of an m= line (RFC 8866 §5.14).</summary>
public enum MediaKind
{
    /// <summary>Any other media token (text, message, ...), kept verbatim in <see cref="MediaDescription.Media"/>.</summary>
    Other,
    /// <summary><c>audio</c>.</summary>
    Audio,
    /// <summary><c>video</c>.</summary>
    Video,
    /// <summary><c>application</c> (data channels).</summary>
    Application,
}
