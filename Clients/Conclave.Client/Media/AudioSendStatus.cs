namespace Conclave.Client.Media;

/// <summary>What became of one PCM frame given to <see cref="OpusAudioSender"/>.</summary>
public enum AudioSendStatus
{
    /// <summary>Encoded, encrypted and written (and sent, by <see cref="OpusAudioSender.Send"/>).</summary>
    Sent,

    /// <summary>No SFrame key yet: the frame was dropped, never sent in clear (docs/e2ee.md, "No key, no frame").</summary>
    NoKey,

    /// <summary>DTX: the encoder found silence and the frame is not sent (RFC 7587 §3.1.3).</summary>
    Silent,

    /// <summary>The encoder failed on the frame.</summary>
    EncodeFailed,

    /// <summary>SFrame refused (the key's counter is exhausted) or the packet buffer was too small.</summary>
    EncryptFailed,

    /// <summary>The transport did not send it (not connected, closed, socket error).</summary>
    NotSent,
}
