namespace Conclave.Media.Transport.Rtp;

/// <summary>
/// Constants of the AV1 RTP payload specification, Appendix A, "Dependency Descriptor RTP Header Extension".
/// Parsing is stateful (the template structure arrives on some packets only): see <see cref="DependencyDescriptorReader"/>.
/// </summary>
public static class DependencyDescriptorExtension
{
    /// <summary>AV1 RTP Appendix A.5: the extmap URI.</summary>
    public const string Uri = "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension";

    /// <summary>AV1 RTP Appendix A.4.1: the mandatory fields take three bytes; longer values carry the extended fields.</summary>
    public const int MandatoryLength = 3;

    /// <summary>
    /// RFC 8285 §4.3: a two-byte header element holds at most 255 bytes. The template structure usually needs the
    /// two-byte form (Chromium's L1T3 structure takes 23 bytes, past the one-byte form's 16), so this is the bound.
    /// </summary>
    public const int MaxLength = 255;
}
