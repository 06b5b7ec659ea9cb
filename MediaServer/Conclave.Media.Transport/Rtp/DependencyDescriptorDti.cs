namespace Conclave.Media.Transport.Rtp;

/// <summary>AV1 RTP Appendix A.4.2 Table A.2: Decode Target Indication (DTI), the relation of a frame to a decode target.</summary>
public enum DependencyDescriptorDti : byte
{
    /// <summary>'-': no payload for this decode target is present.</summary>
    NotPresent = 0,
    /// <summary>'D': the frame belongs to the decode target and no later frame of it depends on this one.</summary>
    Discardable = 1,
    /// <summary>'S': if this frame is decodable, every later frame of the decode target is (A.4.4: a switch point).</summary>
    Switch = 2,
    /// <summary>'R': the frame belongs to the decode target and is neither discardable nor a switch point.</summary>
    Required = 3,
}
