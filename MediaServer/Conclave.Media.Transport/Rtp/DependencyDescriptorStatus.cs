namespace Conclave.Media.Transport.Rtp;

/// <summary>Outcome of reading one dependency descriptor. The data plane never throws.</summary>
public enum DependencyDescriptorStatus
{
    /// <summary>The descriptor is well formed and resolved against a template structure.</summary>
    Ok = 0,
    /// <summary>AV1 RTP Appendix A.4.1: the value ends before a field the syntax requires.</summary>
    TooShort,
    /// <summary>The value is longer than an RFC 8285 element can be (<see cref="DependencyDescriptorExtension.MaxLength"/>).</summary>
    TooLong,
    /// <summary>
    /// AV1 RTP Appendix A.4.1 Table A.1: the template structure exceeds MAX_SPATIAL_ID (3), MAX_TEMPORAL_ID (7) or
    /// MAX_TEMPLATE_ID + 1 (64) templates.
    /// </summary>
    InvalidStructure,
    /// <summary>No template structure has been received on this stream yet: wait for (or request) a keyframe.</summary>
    NoStructure,
    /// <summary>
    /// AV1 RTP Appendix A.4.2: frame_dependency_template_id is outside the current structure's range, which means
    /// the structure changed and the packet carrying the new one was lost: request a keyframe.
    /// </summary>
    UnknownTemplate,
}
