namespace Conclave.Client.Media.Video;

/// <summary>Takes one encoded VP8 frame and its RTP timestamp (90 kHz). The frame is valid during the call only.</summary>
public delegate void VideoFrameSink(ReadOnlySpan<byte> frame, uint rtpTimestamp);

/// <summary>A bot's camera: VP8 frames in real time, a keyframe when asked (a PLI or FIR reached the sender).</summary>
public interface IVideoSource
{
    /// <summary>Hands frames to <paramref name="sink"/> as they are due, until the source ends or
    /// <paramref name="cancellationToken"/>; faults when the source fails.</summary>
    Task RunAsync(VideoFrameSink sink, CancellationToken cancellationToken);

    /// <summary>Asks for a keyframe as soon as possible (RFC 4585 §6.3.1 PLI, RFC 5104 §4.3.1 FIR). Never blocks.</summary>
    void RequestKeyframe();
}
