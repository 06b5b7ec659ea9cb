using System.Diagnostics;

namespace Conclave.Client.Media;

/// <summary>
/// Plays an <see cref="AudioFrameSource"/> in real time: one 20 ms frame per 20 ms, each against its own deadline
/// <c>start + n × 20 ms</c> on the monotonic clock, so timer lateness never accumulates into drift over minutes. After
/// a stall of more than <see cref="MaxLateFrames"/> frames it skips the lost time (reporting it, so the RTP timestamp
/// moves on too) rather than sending a burst.
/// </summary>
public sealed class AudioPacer
{
    /// <summary>The most frames sent late in a row to catch up; beyond, the lost time is skipped.</summary>
    public const int MaxLateFrames = 10;

    private const long FramesPerSecond = OpusAudioSender.SampleRate / OpusAudioSender.FrameSamples;   // 50

    private readonly AudioFrameSource _source;
    private readonly PcmFrameHandler _onFrame;
    private readonly Action<int>? _onSkip;
    private long _played, _skipped;

    /// <summary>Paces <paramref name="source"/> into <paramref name="onFrame"/>; <paramref name="onSkip"/> hears of skipped frames.</summary>
    public AudioPacer(AudioFrameSource source, PcmFrameHandler onFrame, Action<int>? onSkip = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(onFrame);
        _source = source;
        _onFrame = onFrame;
        _onSkip = onSkip;
    }

    /// <summary>Frames played so far.</summary>
    public long FramesPlayed => Interlocked.Read(ref _played);

    /// <summary>Frames skipped after stalls.</summary>
    public long FramesSkipped => Interlocked.Read(ref _skipped);

    /// <summary>Plays until the source ends or <paramref name="cancellationToken"/> fires (then returns without throwing).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var frame = new short[OpusAudioSender.FrameSamples];
        long start = Stopwatch.GetTimestamp();
        long index = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // Deadlines in exact integer arithmetic (frame n is due n / 50 s after the start): no rounding accumulates,
                // and whole seconds are taken apart so nothing overflows however long it plays.
                long due = start + index / FramesPerSecond * Stopwatch.Frequency + index % FramesPerSecond * Stopwatch.Frequency / FramesPerSecond;
                long wait = due - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    // Whole milliseconds, rounded up: Task.Delay takes nothing finer, and a shorter wait would return at
                    // once and spin on the clock. The frame is then up to a timer tick late, never early; the next
                    // deadline is still start + n × 20 ms.
                    long milliseconds = (wait * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency;
                    await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                long late = -wait * FramesPerSecond / Stopwatch.Frequency;
                if (late > MaxLateFrames)
                {
                    _onSkip?.Invoke((int)late);
                    index += late;
                    Interlocked.Add(ref _skipped, late);
                    continue;
                }
                if (!_source(frame)) return;
                _onFrame(frame);
                index++;
                Interlocked.Increment(ref _played);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
