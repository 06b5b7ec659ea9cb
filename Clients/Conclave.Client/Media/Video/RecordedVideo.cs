namespace Conclave.Client.Media.Video;

/// <summary>What a bot recorded of one participant's video track.</summary>
/// <param name="ParticipantId">The participant (session id).</param>
/// <param name="Source">The track's source: <c>camera</c> or <c>screen</c>.</param>
/// <param name="Path">The WebM file, once the first keyframe started it; null before, or when not writing files.</param>
/// <param name="FramesWritten">Frames decrypted and written (or counted, without a file).</param>
/// <param name="Keyframes">Keyframes among them.</param>
/// <param name="DecryptErrors">Frames that did not authenticate or were malformed.</param>
/// <param name="FramesWithoutKey">Frames under a key this device was not given (around its joining).</param>
/// <param name="FramesDropped">Frames incomplete (packets lost) or waiting for a keyframe after one was.</param>
/// <param name="Failure">Why the file could not be written (ffmpeg's reason), if it could not.</param>
public sealed record RecordedVideo(string ParticipantId, string Source, string? Path, long FramesWritten, long Keyframes, long DecryptErrors,
    long FramesWithoutKey, long FramesDropped, string? Failure);
