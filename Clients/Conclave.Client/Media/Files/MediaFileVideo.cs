using System.Diagnostics;
using System.Globalization;
using Conclave.Client.Media.Video;
using FFMpegCore;
using FFMpegCore.Pipes;

namespace Conclave.Client.Media.Files;

/// <summary>
/// The video of any file ffmpeg reads, as a bot's camera (<see cref="IVideoSource"/>): one ffmpeg decodes it to raw
/// I420 pictures at a fixed frame rate, scaled to fit <see cref="VideoSettings"/> (<c>-vf fps,scale</c>), which this
/// reads when each is due; another (<see cref="Vp8EncoderProcess"/>) encodes them to VP8. A keyframe on demand starts a
/// new encoder at the next picture, whose first frame is a keyframe; requests are served at most every half second.
/// A picture more than two frames late (a starved machine) is skipped. RTP timestamps follow the picture index
/// (90 kHz), so a receiver sees the file's own timing.
/// </summary>
public sealed class MediaFileVideo : IVideoSource, IAsyncDisposable
{
    private static readonly TimeSpan MinRestartInterval = TimeSpan.FromMilliseconds(500);

    private readonly MediaTools _tools;
    private readonly bool _loop;
    private readonly VideoSettings _settings;
    private readonly int _pictureBytes;
    private readonly uint _timestampBase = (uint)System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<VideoFrameSink> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _decoding = Task.CompletedTask;
    private MediaFileException? _failure;
    private int _disposed;
    private int _keyframeWanted;
    private long _framesSent, _skipped, _keyframeRequests, _encoders;

    private MediaFileVideo(MediaFile file, MediaTools tools, bool loop, VideoSettings settings)
    {
        File = file;
        _tools = tools;
        _loop = loop;
        _settings = settings;
        (Width, Height) = settings.FitPicture(file.Video!.Width, file.Video.Height);
        _pictureBytes = Width * Height * 3 / 2;
    }

    /// <summary>The file played.</summary>
    public MediaFile File { get; }

    /// <summary>The picture sent: the file's, scaled to fit.</summary>
    public int Width { get; }

    /// <inheritdoc cref="Width"/>
    public int Height { get; }

    /// <summary>Frames handed to the sink.</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Pictures skipped because they were late.</summary>
    public long FramesSkipped => Interlocked.Read(ref _skipped);

    /// <summary>Keyframe requests received.</summary>
    public long KeyframeRequests => Interlocked.Read(ref _keyframeRequests);

    /// <summary>Encoders started: the first, and one per keyframe request served.</summary>
    public long EncodersStarted => Interlocked.Read(ref _encoders);

    /// <summary>Why playback stopped early, once it did.</summary>
    public MediaFileException? Failure => Volatile.Read(ref _failure);

    /// <summary>
    /// Starts decoding the video of <paramref name="file"/> and returns once the first picture is decoded (playback
    /// starts with <see cref="RunAsync"/>).
    /// </summary>
    /// <exception cref="MediaFileException">The file has no video stream, or it does not decode.</exception>
    public static async Task<MediaFileVideo> OpenAsync(MediaFile file, MediaTools tools, bool loop = false, VideoSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tools);
        settings ??= new VideoSettings();
        settings.Validate();
        if (file.Video is null) throw new MediaFileException(MediaFileError.Unsupported, $"{file.Name} has no video stream");
        var video = new MediaFileVideo(file, tools, loop, settings);
        video._decoding = Task.Run(video.DecodeAsync, CancellationToken.None);
        try
        {
            await video._ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return video;
        }
        catch
        {
            await video.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task RunAsync(VideoFrameSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!_started.TrySetResult(sink)) throw new InvalidOperationException("a file's video plays once");
        using CancellationTokenRegistration stop = cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), _stop);
        await _decoding.ConfigureAwait(false);
        if (Failure is { } failure) throw failure;
    }

    /// <inheritdoc />
    public void RequestKeyframe()
    {
        Interlocked.Increment(ref _keyframeRequests);
        Volatile.Write(ref _keyframeWanted, 1);
    }

    /// <summary>Stops both ffmpeg processes and waits for them. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _decoding.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task DecodeAsync()
    {
        CancellationToken stop = _stop.Token;
        var errors = new FfmpegMessages();
        string filter = string.Create(CultureInfo.InvariantCulture,
            $"-map 0:v:0 -an -sn -dn -vf fps={_settings.FrameRate},scale={Width}:{Height}:flags=bilinear,format=yuv420p -pix_fmt yuv420p");
        try
        {
            await FFMpegArguments
                .FromFileInput(File.Path, verifyExists: true, input => { if (_loop) input.WithCustomArgument("-stream_loop -1"); })
                .OutputToPipe(new StreamPipeSink((pictures, _) => PlayAsync(pictures, stop)), output => output.WithCustomArgument(filter).ForceFormat("rawvideo"))
                .NotifyOnStandardError(errors.Add)
                .CancellableThrough(stop)
                .ProcessAsynchronously(throwOnError: true, _tools.Options, stop)
                .ConfigureAwait(false);
            if (!_ready.Task.IsCompleted) Fail(new MediaFileException(MediaFileError.Unsupported, $"{File.Name} has a video stream without pictures"));
        }
        catch (Exception e) when (!stop.IsCancellationRequested)         // whatever FFMpegCore reports of ffmpeg's failure
        {
            Fail(new MediaFileException(MediaFileError.DecodeFailed, $"ffmpeg could not decode the {File.Video!.Codec} video of {File.Name} ({errors.LastLineOr(e)})", e));
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // stopped on purpose
        }
        finally
        {
            _ready.TrySetCanceled(stop.IsCancellationRequested ? stop : new CancellationToken(true));
        }
    }

    private void Fail(MediaFileException failure)
    {
        Interlocked.CompareExchange(ref _failure, failure, null);      // the first reason stands
        _ready.TrySetException(failure);
    }

    /// <summary>The decoder's output: pictures read when due and written to the current encoder.</summary>
    private async Task PlayAsync(Stream pictures, CancellationToken stop)
    {
        byte[] picture = new byte[_pictureBytes];
        if (!await ReadPictureAsync(pictures, picture, stop).ConfigureAwait(false)) return;
        _ready.TrySetResult();
        VideoFrameSink sink = await _started.Task.WaitAsync(stop).ConfigureAwait(false);

        var frameDuration = TimeSpan.FromSeconds(1.0 / _settings.FrameRate);
        var clock = Stopwatch.StartNew();
        TimeSpan lastStart = TimeSpan.Zero;
        Vp8EncoderProcess encoder = StartEncoder(Task.CompletedTask, sink, stop);
        try
        {
            for (long index = 0; ; index++)
            {
                TimeSpan due = frameDuration * index;
                TimeSpan wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, stop).ConfigureAwait(false);   // the pacing clock
                if (clock.Elapsed - due > frameDuration * 2)
                {
                    Interlocked.Increment(ref _skipped);
                }
                else
                {
                    if (Volatile.Read(ref _keyframeWanted) != 0 && encoder.HasOutput && clock.Elapsed - lastStart >= MinRestartInterval)
                    {
                        Volatile.Write(ref _keyframeWanted, 0);
                        encoder.CompleteInput();
                        encoder = StartEncoder(encoder.Completion, sink, stop);
                        lastStart = clock.Elapsed;
                    }
                    await encoder.WriteAsync(picture, index, stop).ConfigureAwait(false);
                }
                if (!await ReadPictureAsync(pictures, picture, stop).ConfigureAwait(false)) break;
            }
        }
        finally
        {
            encoder.CompleteInput();
        }
        await encoder.Completion.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
            .ConfigureAwait(false);                                      // a failure is recorded by StartEncoder
    }

    /// <summary>A new encoder after <paramref name="previous"/>; should it fail, playback stops with the reason.</summary>
    private Vp8EncoderProcess StartEncoder(Task previous, VideoFrameSink sink, CancellationToken stop)
    {
        Interlocked.Increment(ref _encoders);
        var encoder = new Vp8EncoderProcess((Width, Height), _settings, _tools, previous, (frame, index) =>
        {
            sink(frame.Span, unchecked(_timestampBase + (uint)(index * Vp8VideoSender.ClockRate / _settings.FrameRate)));
            Interlocked.Increment(ref _framesSent);
        }, stop);
        encoder.Completion.ContinueWith(done =>
        {
            if (!done.IsFaulted || stop.IsCancellationRequested) return;
            Fail(new MediaFileException(MediaFileError.DecodeFailed, $"ffmpeg could not encode VP8 ({encoder.Reason(done.Exception!.GetBaseException())})", done.Exception));
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // already disposed: nothing left to stop
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return encoder;
    }

    /// <summary>Reads one whole picture; false at the end of the stream.</summary>
    private static async Task<bool> ReadPictureAsync(Stream pictures, byte[] picture, CancellationToken stop)
    {
        int filled = 0;
        while (filled < picture.Length)
        {
            int read = await pictures.ReadAsync(picture.AsMemory(filled), stop).ConfigureAwait(false);
            if (read == 0) return false;
            filled += read;
        }
        return true;
    }
}
