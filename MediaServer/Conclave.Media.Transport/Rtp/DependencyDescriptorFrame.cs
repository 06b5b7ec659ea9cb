namespace Conclave.Media.Transport.Rtp;

/// <summary>
/// What <see cref="DependencyDescriptorWriter"/> needs to know about one packet of one stream (AV1 RTP Appendix A.4.2).
/// </summary>
/// <param name="FrameNumber">A.4.2 frame_number: one more for every frame of the stream, wrapping at 16 bits. Every
/// packet of a frame carries the same number, and the templates' fdiffs count in these numbers.</param>
/// <param name="FramesSinceKeyframe">Frames of this stream since its last keyframe: 0 for the keyframe itself. The
/// position in the temporal pattern follows from it (the pattern restarts at every keyframe, as libwebrtc's does).</param>
/// <param name="StartOfFrame">A.4.2 start_of_frame: the packet is the frame's first.</param>
/// <param name="EndOfFrame">A.4.2 end_of_frame: the packet is the frame's last.</param>
public readonly record struct DependencyDescriptorFrame(ushort FrameNumber, int FramesSinceKeyframe, bool StartOfFrame, bool EndOfFrame);
