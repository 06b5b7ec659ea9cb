namespace Conclave.Client.Media.Video;

/// <summary>What became of a video frame handed to <see cref="Vp8VideoSender.Send"/>.</summary>
public enum VideoSendStatus
{
    /// <summary>Encrypted and sent, every packet of it.</summary>
    Sent,

    /// <summary>Dropped: no send key yet (a frame is never sent in clear).</summary>
    NoKey,

    /// <summary>Dropped: not a VP8 frame (too short) or larger than <see cref="Vp8VideoSender.MaxFrameLength"/>.</summary>
    Malformed,

    /// <summary>Dropped: encryption failed (an exhausted counter).</summary>
    EncryptFailed,

    /// <summary>Some packet could not be sent (the transport is closed).</summary>
    NotSent,
}
