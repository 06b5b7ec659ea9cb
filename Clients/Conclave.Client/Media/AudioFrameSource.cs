namespace Conclave.Client.Media;

/// <summary>Fills one frame of 48 kHz mono 16-bit PCM (<see cref="OpusAudioSender.FrameSamples"/> samples, 20 ms);
/// returns false when the source has ended (the frame is then not sent). Called on the pacing loop, once per 20 ms:
/// it must not block.</summary>
public delegate bool AudioFrameSource(Span<short> frame);
