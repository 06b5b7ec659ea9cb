using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using FFMpegCore;
using FFMpegCore.Pipes;

namespace Conclave.Client.Media.Files;

/// <summary>
/// The audio of any file ffmpeg reads, decoded to 48 kHz mono 16-bit PCM as a bot's microphone (<see cref="Fill"/> is an
/// <see cref="AudioFrameSource"/>): ffmpeg (through FFMpegCore) writes into a pipe at most a second ahead of the pacer,
/// which takes a 20 ms frame from it without blocking. <see cref="OpenAsync"/> waits for the first samples, so a file
/// that cannot be played fails there with a <see cref="MediaFileException"/> that says why. Looping restarts the input at its end (<c>-stream_loop -1</c>) without a gap.
/// </summary>
public sealed class MediaFileAudio : IAsyncDisposable
{
    /// <summary>Bytes of one frame of PCM: <see cref="OpusAudioSender.FrameSamples"/> 16-bit samples.</summary>
    private const int FrameBytes = OpusAudioSender.FrameSamples * sizeof(short);

    /// <summary>How far decoding may run ahead of playback: one second of PCM.</summary>
    private const int AheadBytes = OpusAudioSender.SampleRate * sizeof(short);

    private readonly MediaTools _tools;
    private readonly bool _loop;
    private readonly Pipe _pcm = new(new PipeOptions(pauseWriterThreshold: AheadBytes, resumeWriterThreshold: AheadBytes / 2, useSynchronizationContext: false));
    private readonly CancellationTokenSource _stop = new();
    private Task _decoding = Task.CompletedTask;
    private MediaFileException? _failure;
    private int _disposed;
    private long _framesPlayed, _underruns;
    private bool _ended;

    private MediaFileAudio(MediaFile file, MediaTools tools, bool loop)
    {
        File = file;
        _tools = tools;
        _loop = loop;
    }

    /// <summary>The file played.</summary>
    public MediaFile File { get; }

    /// <summary>Frames handed to the pacer so far, silence of underruns excluded.</summary>
    public long FramesPlayed => Interlocked.Read(ref _framesPlayed);

    /// <summary>Frames filled with silence because decoding had fallen behind (a starved machine).</summary>
    public long Underruns => Interlocked.Read(ref _underruns);

    /// <summary>Why decoding stopped before the end of the file, once it did; null while it runs or after a clean end.</summary>
    public MediaFileException? Failure => Volatile.Read(ref _failure);

    /// <summary>
    /// Starts decoding the audio of <paramref name="file"/> (probed: <see cref="MediaFile.ProbeAsync"/>) with the ffmpeg
    /// of <paramref name="tools"/>, and returns once the first frame is decoded.
    /// </summary>
    /// <exception cref="MediaFileException">The file has no audio stream, or it does not decode.</exception>
    public static async Task<MediaFileAudio> OpenAsync(MediaFile file, MediaTools tools, bool loop = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(tools);
        if (file.Audio is null) throw new MediaFileException(MediaFileError.Unsupported, $"{file.Name} has no audio stream to play (video only)");
        var audio = new MediaFileAudio(file, tools, loop);
        audio._decoding = Task.Run(audio.DecodeAsync, CancellationToken.None);
        try
        {
            await audio.FirstFrameAsync(cancellationToken).ConfigureAwait(false);
            return audio;
        }
        catch
        {
            await audio.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The next 20 ms (<see cref="AudioFrameSource"/>): false once the file has ended (and, when decoding failed,
    /// <see cref="Failure"/> says why); silence when decoding has fallen behind. Never blocks.
    /// </summary>
    public bool Fill(Span<short> frame)
    {
        if (frame.Length * sizeof(short) != FrameBytes) throw new ArgumentException($"a frame is {OpusAudioSender.FrameSamples} samples", nameof(frame));
        if (_ended) return false;
        if (!_pcm.Reader.TryRead(out ReadResult read))
        {
            Underrun(frame);
            return true;
        }
        ReadOnlySequence<byte> buffer = read.Buffer;
        if (buffer.Length >= FrameBytes || (read.IsCompleted && buffer.Length > 0))
        {
            int take = (int)Math.Min(buffer.Length, FrameBytes);
            Span<byte> bytes = MemoryMarshal.AsBytes(frame);
            buffer.Slice(0, take).CopyTo(bytes);
            bytes[take..].Clear();                                   // the last, partial frame: padded with silence
            if (!BitConverter.IsLittleEndian) for (int i = 0; i < frame.Length; i++) frame[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(frame[i]);
            _pcm.Reader.AdvanceTo(buffer.GetPosition(take));
            Interlocked.Increment(ref _framesPlayed);
            return true;
        }
        _pcm.Reader.AdvanceTo(buffer.Start, buffer.End);
        if (read.IsCompleted)
        {
            _ended = true;
            return false;
        }
        Underrun(frame);
        return true;
    }

    /// <summary>Stops ffmpeg and waits for it to exit. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _decoding.ConfigureAwait(false);
        _stop.Dispose();
    }

    private void Underrun(Span<short> frame)
    {
        frame.Clear();
        Interlocked.Increment(ref _underruns);
    }

    /// <summary>Waits (without taking anything) until a whole frame is decoded; throws when decoding ended first.</summary>
    private async Task FirstFrameAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult read = await _pcm.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            long length = read.Buffer.Length;
            _pcm.Reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            if (length >= FrameBytes || (read.IsCompleted && length > 0)) return;
            if (read.IsCompleted)
            {
                throw Failure ?? new MediaFileException(MediaFileError.Unsupported, $"{File.Name} has an audio stream without samples");
            }
        }
    }

    /// <summary>Runs ffmpeg until the file ends (never, when looping) or <see cref="DisposeAsync"/>; records why it failed.</summary>
    private async Task DecodeAsync()
    {
        CancellationToken stop = _stop.Token;
        var errors = new FfmpegMessages();
        try
        {
            await FFMpegArguments
                .FromFileInput(File.Path, verifyExists: true, input => { if (_loop) input.WithCustomArgument("-stream_loop -1"); })
                .OutputToPipe(new StreamPipeSink((output, _) => PumpAsync(output, stop)), output => output
                    .WithCustomArgument($"-map 0:a:0 -vn -sn -dn -ac 1 -ar {OpusAudioSender.SampleRate}")
                    .ForceFormat("s16le"))
                .NotifyOnStandardError(errors.Add)
                .CancellableThrough(stop)
                .ProcessAsynchronously(throwOnError: true, _tools.Options, stop)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (!stop.IsCancellationRequested)         // whatever FFMpegCore reports of ffmpeg's failure
        {
            Volatile.Write(ref _failure, new MediaFileException(MediaFileError.DecodeFailed,
                $"ffmpeg could not decode the {File.Audio!.Codec} audio of {File.Name} ({errors.LastLineOr(e)})", e));
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // stopped on purpose
        }
        finally
        {
            await _pcm.Writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Copies ffmpeg's PCM into the pipe, waiting while a second of it is unplayed.</summary>
    private async Task PumpAsync(Stream output, CancellationToken stop)
    {
        PipeWriter writer = _pcm.Writer;
        while (true)
        {
            int read = await output.ReadAsync(writer.GetMemory(16 * 1024), stop).ConfigureAwait(false);
            if (read == 0) return;
            writer.Advance(read);
            FlushResult flushed = await writer.FlushAsync(stop).ConfigureAwait(false);
            if (flushed.IsCompleted) return;
        }
    }
}
