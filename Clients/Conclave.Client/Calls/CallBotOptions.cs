using System.Net;
using Conclave.Client.Media;
using Conclave.Client.Media.Files;
using Conclave.Client.Media.Video;

namespace Conclave.Client.Calls;

/// <summary>What a <see cref="CallBot"/> sends and keeps.</summary>
public sealed record CallBotOptions
{
    /// <summary>The interface media is sent from (the server's candidate must be of its family).</summary>
    public IPAddress LocalAddress { get; init; } = IPAddress.Loopback;

    /// <summary>The bot's microphone, played in real time from the moment media connects; null publishes nothing.</summary>
    public AudioFrameSource? Microphone { get; init; }

    /// <summary>The bot's camera (VP8 frames in real time, e.g. a file's video through <c>MediaFileVideo</c>), played from
    /// the moment media connects; null publishes no video.</summary>
    public IVideoSource? Camera { get; init; }

    /// <summary>Subscribe to every other participant's audio and decode it (counted in <see cref="CallBot.Recorded"/>).</summary>
    public bool Listen { get; init; } = true;

    /// <summary>Where each participant's audio is written as <c>&lt;session id&gt;.wav</c> (and video as <c>.webm</c>, with
    /// <see cref="RecordVideo"/>); null: decode and count only.</summary>
    public string? RecordDirectory { get; init; }

    /// <summary>ffmpeg, to subscribe to the others' video too (with <see cref="Listen"/>) and remux each track into a
    /// WebM file in <see cref="RecordDirectory"/> (<c>Vp8VideoRecorder</c>); null receives audio only.</summary>
    public MediaTools? RecordVideo { get; init; }

    /// <summary>Opus DTX: frames of silence are not sent (RFC 7587 §3.1.3).</summary>
    public bool Dtx { get; init; }

    /// <summary>The Opus encoder's target bitrate, bit/s.</summary>
    public int Bitrate { get; init; } = 32_000;

    /// <summary>The Opus encoder's complexity, 0–10 (RFC 6716 leaves it to the encoder): lower costs less CPU per bot.</summary>
    public int Complexity { get; init; } = 10;
}
