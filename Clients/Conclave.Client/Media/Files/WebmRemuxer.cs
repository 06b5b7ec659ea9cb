using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Conclave.Client.Media.Video;
using FFMpegCore;
using FFMpegCore.Pipes;

namespace Conclave.Client.Media.Files;

/// <summary>
/// Writes received VP8 frames to a WebM file without re-encoding: an IVF stream into ffmpeg (<c>-f ivf -i pipe -c copy</c>,
/// through FFMpegCore), which writes the WebM container. <see cref="TryWrite"/> never blocks the receive thread: frames
/// wait in a bounded queue (about 4 s at 30 fps), and a frame that does not fit is refused (the caller then waits for
/// the next keyframe). <see cref="DisposeAsync"/> ends the stream, so ffmpeg finishes the file (its cues).
/// </summary>
public sealed class WebmRemuxer : IAsyncDisposable
{
    private const int QueuedFrames = 120;

    private readonly Channel<(byte[] Buffer, int Length)> _frames =
        Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(QueuedFrames) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Pipe _ivf = new(new PipeOptions(useSynchronizationContext: false));
    private readonly FfmpegMessages _errors = new();
    private readonly Task _writing, _ffmpeg;

    /// <summary>Starts ffmpeg writing <paramref name="path"/> (replaced if it exists) from frames of a
    /// <paramref name="width"/> × <paramref name="height"/> stream.</summary>
    public WebmRemuxer(string path, int width, int height, MediaTools tools)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tools);
        Path = path;
        Span<byte> header = _ivf.Writer.GetSpan(IvfReader.FileHeaderLength);
        IvfWriter.WriteFileHeader(header, width, height);
        _ivf.Writer.Advance(IvfReader.FileHeaderLength);
        _ffmpeg = FFMpegArguments
            .FromPipeInput(new StreamPipeSource(_ivf.Reader.AsStream()), o => o.ForceFormat("ivf"))
            .OutputToFile(path, overwrite: true, o => o.WithCustomArgument("-c copy").ForceFormat("webm"))
            .NotifyOnStandardError(_errors.Add)
            .ProcessAsynchronously(throwOnError: true, tools.Options);
        // Once ffmpeg is gone nobody reads the pipe: completing its reader lets the writer see it and stop.
        _ffmpeg.ContinueWith(_ => _ivf.Reader.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _writing = Task.Run(WriteAsync);
    }

    /// <summary>The WebM file.</summary>
    public string Path { get; }

    /// <summary>Why ffmpeg failed, once it did (the file is then incomplete).</summary>
    public string? Failure { get; private set; }

    /// <summary>Queues one frame (copied) with its presentation time in 1/90000 s; false when the queue is full or
    /// the writer stopped.</summary>
    public bool TryWrite(ReadOnlySpan<byte> frame, long presentationTime)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(IvfReader.FrameHeaderLength + frame.Length);
        IvfWriter.WriteFrameHeader(buffer, frame.Length, presentationTime);
        frame.CopyTo(buffer.AsSpan(IvfReader.FrameHeaderLength));
        if (_frames.Writer.TryWrite((buffer, IvfReader.FrameHeaderLength + frame.Length))) return true;
        ArrayPool<byte>.Shared.Return(buffer);
        return false;
    }

    /// <summary>Ends the stream and waits for ffmpeg to finish the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _frames.Writer.TryComplete();
        await _writing.ConfigureAwait(false);
        try
        {
            await _ffmpeg.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)   // whatever FFMpegCore reports of ffmpeg's failure
        {
            Failure = _errors.LastLineOr(e);
        }
    }

    private async Task WriteAsync()
    {
        try
        {
            await foreach ((byte[] buffer, int length) in _frames.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                try
                {
                    FlushResult flushed = await _ivf.Writer.WriteAsync(buffer.AsMemory(0, length)).ConfigureAwait(false);
                    if (flushed.IsCompleted) break;                      // ffmpeg stopped reading
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        finally
        {
            _frames.Writer.TryComplete();
            while (_frames.Reader.TryRead(out (byte[] Buffer, int Length) left)) ArrayPool<byte>.Shared.Return(left.Buffer);
            await _ivf.Writer.CompleteAsync().ConfigureAwait(false);
        }
    }
}
