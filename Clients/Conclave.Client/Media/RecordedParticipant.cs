namespace Conclave.Client.Media;

/// <summary>What an <see cref="OpusAudioRecorder"/> received of one participant's audio so far.</summary>
/// <param name="ParticipantId">The publisher's session id.</param>
/// <param name="Path">The WAV file written, or null when recording to no file.</param>
/// <param name="FramesDecoded">Opus frames decrypted and decoded.</param>
/// <param name="DecryptErrors">Frames that failed authentication or were malformed (docs/e2ee.md: errors).</param>
/// <param name="DecodeErrors">Authentic frames the Opus decoder refused.</param>
/// <param name="FramesWithoutKey">Frames under a key this device was never given (sent before it joined: expected).</param>
/// <param name="SamplesWritten">48 kHz samples written (decoded audio, plus silence for gaps).</param>
public sealed record RecordedParticipant(string ParticipantId, string? Path, long FramesDecoded, long DecryptErrors, long DecodeErrors, long FramesWithoutKey, long SamplesWritten);
