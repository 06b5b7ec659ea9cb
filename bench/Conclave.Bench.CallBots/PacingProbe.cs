using System.Diagnostics;
using Conclave.Client.Media;

namespace Conclave.Bench.CallBots;

/// <summary>
/// Wraps a bot's microphone to see its <see cref="AudioPacer"/> at work: the pacer calls the source once per frame it
/// sends, when that frame is due (frame n at start + n × 20 ms), and not for the frames it skips after a stall (those
/// the sender counts: <see cref="OpusAudioSender.FramesSkipped"/>). This measures each call's lateness against its
/// deadline: the start is estimated as the earliest call time less that call's offset (the pacer never calls early),
/// and a call more than <see cref="AudioPacer.MaxLateFrames"/> + 1 frames late follows a skip, whose frames move the
/// schedule on.
/// </summary>
internal sealed class PacingProbe(AudioFrameSource inner)
{
    private const long FramesPerSecond = OpusAudioSender.SampleRate / OpusAudioSender.FrameSamples;   // 50

    private readonly Lock _gate = new();
    private readonly List<double> _lateness = new(4096);             // ms, since the last Drain
    private long _start, _index, _calls;

    /// <summary>Frames the pacer asked for so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>The <see cref="AudioFrameSource"/> to give the bot.</summary>
    public bool Fill(Span<short> frame)
    {
        long now = Stopwatch.GetTimestamp();
        if (Interlocked.Read(ref _calls) == 0) _start = now;
        long due = Due(_index);
        long lateFrames = (now - due) * FramesPerSecond / Stopwatch.Frequency;
        if (lateFrames > AudioPacer.MaxLateFrames + 1)
        {
            _index += lateFrames;                                    // what the pacer skipped before calling
            due = Due(_index);
        }
        // The pacer never calls before a deadline, so its start is at or before every call's time less its offset: the
        // earliest such value is the closest estimate of the start (the first call may itself have come late).
        if (now < due)
        {
            _start -= due - now;
            due = now;
        }
        double lateMs = (now - due) * 1000.0 / Stopwatch.Frequency;
        lock (_gate) _lateness.Add(lateMs);
        _index++;
        Interlocked.Increment(ref _calls);
        return inner(frame);
    }

    /// <summary>The lateness of every call since the previous drain, in ms.</summary>
    public double[] Drain()
    {
        lock (_gate)
        {
            double[] all = [.. _lateness];
            _lateness.Clear();
            return all;
        }
    }

    private long Due(long index) =>
        _start + index / FramesPerSecond * Stopwatch.Frequency + index % FramesPerSecond * Stopwatch.Frequency / FramesPerSecond;
}
