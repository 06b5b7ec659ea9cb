namespace Conclave.Client.Media;

/// <summary>Receives one frame of PCM that an <see cref="AudioPacer"/> released on time; the span is valid during the call.</summary>
public delegate void PcmFrameHandler(ReadOnlySpan<short> frame);
