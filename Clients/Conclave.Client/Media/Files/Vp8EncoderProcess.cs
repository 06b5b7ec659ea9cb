using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Pipelines;
using Conclave.Client.Media.Video;
using FFMpegCore;
using FFMpegCore.Pipes;

namespace Conclave.Client.Media.Files;

/// <summary>
/// One ffmpeg encoding raw I420 pictures to VP8 with libvpx in real-time mode (no lag, error resilient), IVF out:
/// pictures written in order come out in order, one frame each, the first a keyframe. A keyframe on demand is a new
/// encoder (<see cref="MediaFileVideo"/>): this one's input is completed, it flushes what it holds and exits, and the
/// next one's frames are delivered only after this one's last.
/// </summary>
internal sealed class Vp8EncoderProcess
{
    private readonly Pipe _input;
    private readonly ConcurrentQueue<long> _indices = new();          // the pictures written, in order
    private readonly Action<ReadOnlyMemory<byte>, long> _deliver;
    private readonly Task _previous;
    private readonly FfmpegMessages _errors = new();
    private int _delivered;

    /// <param name="size">The pictures' size.</param>
    /// <param name="settings">Frame rate, bitrate, keyframe interval.</param>
    /// <param name="tools">Where ffmpeg is.</param>
    /// <param name="previous">The encoder this one replaces (its frames go first), or a completed task.</param>
    /// <param name="deliver">Takes each frame and the index of its picture.</param>
    /// <param name="stop">Kills ffmpeg.</param>
    public Vp8EncoderProcess((int Width, int Height) size, VideoSettings settings, MediaTools tools, Task previous,
        Action<ReadOnlyMemory<byte>, long> deliver, CancellationToken stop)
    {
        int pictureBytes = size.Width * size.Height * 3 / 2;
        _input = new Pipe(new PipeOptions(pauseWriterThreshold: pictureBytes * 3L, resumeWriterThreshold: pictureBytes, useSynchronizationContext: false));
        _previous = previous;
        _deliver = deliver;
        string input = string.Create(CultureInfo.InvariantCulture, $"-pix_fmt yuv420p -video_size {size.Width}x{size.Height} -framerate {settings.FrameRate}");
        string output = string.Create(CultureInfo.InvariantCulture,
            $"-c:v libvpx -deadline realtime -cpu-used 8 -lag-in-frames 0 -error-resilient 1 -auto-alt-ref 0 -threads 1 -b:v {settings.Bitrate} -g {settings.FrameRate * settings.KeyframeInterval}");
        Completion = FFMpegArguments
            .FromPipeInput(new StreamPipeSource(_input.Reader.AsStream()), o => o.ForceFormat("rawvideo").WithCustomArgument(input))
            .OutputToPipe(new StreamPipeSink((stream, _) => ReadFramesAsync(stream, stop)), o => o.WithCustomArgument(output).ForceFormat("ivf"))
            .NotifyOnStandardError(_errors.Add)
            .CancellableThrough(stop)
            .ProcessAsynchronously(throwOnError: true, tools.Options, stop);
    }

    /// <summary>Runs until the input is complete and every frame is delivered; faults when ffmpeg fails.</summary>
    public Task Completion { get; }

    /// <summary>Whether a frame came out yet (the keyframe a new encoder starts with).</summary>
    public bool HasOutput => Volatile.Read(ref _delivered) != 0;

    /// <summary>ffmpeg's reason for <paramref name="error"/>, from its stderr.</summary>
    public string Reason(Exception error) => _errors.LastLineOr(error);

    /// <summary>Queues picture <paramref name="index"/> for encoding; waits while three pictures are pending.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> picture, long index, CancellationToken cancellationToken)
    {
        _indices.Enqueue(index);
        await _input.Writer.WriteAsync(picture, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>No more pictures: ffmpeg encodes what it holds and exits.</summary>
    public void CompleteInput() => _input.Writer.Complete();

    private async Task ReadFramesAsync(Stream stream, CancellationToken stop)
    {
        var reader = new IvfReader(stream);
        while (true)
        {
            ReadOnlyMemory<byte> frame = await reader.ReadFrameAsync(stop).ConfigureAwait(false);
            if (frame.IsEmpty) return;
            if (!HasOutput) await _previous.ConfigureAwait(false);      // the replaced encoder's frames go out first
            if (!_indices.TryDequeue(out long index)) throw new InvalidDataException("ffmpeg gave more frames than pictures");
            Volatile.Write(ref _delivered, 1);
            _deliver(frame, index);
        }
    }
}
