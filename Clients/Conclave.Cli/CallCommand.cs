using System.CommandLine;
using System.Globalization;
using Conclave.Client;
using Conclave.Client.Calls;
using Conclave.Client.Media;
using Conclave.Client.Media.Files;
using Conclave.Client.Media.Video;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Ice;

namespace Conclave.Cli;

/// <summary>
/// <c>conclave call ROOM --play MEDIA_FILE [--loop] [--record OUT_DIR] [--dtx]</c>: this device joins the room's end-to-end
/// encrypted call as a participant without a browser (<see cref="CallBot"/>). <c>--play</c> decodes the file with
/// ffmpeg and sends its sound as Opus (<see cref="MediaFileAudio"/>) and its picture as VP8
/// (<see cref="MediaFileVideo"/>); <c>--record</c> writes each other participant's audio to a WAV file and video to a
/// WebM file. It leaves when the file has played (unless it loops or records), when the server ends the connection,
/// or on Ctrl+C; leaving signs a leave statement, so the others rotate their keys. docs/calls-cli.md.
/// </summary>
internal static class CallCommand
{
    public static Command Create(GlobalOptions globals, CliHost host)
    {
        var room = new Argument<string>("ROOM") { Description = "The room whose call to join" };
        var play = new Option<string?>("--play") { Description = "Send this file's sound and picture into the call (any format ffmpeg reads)", HelpName = "MEDIA_FILE" };
        var loop = new Option<bool>("--loop") { Description = "Play the file again and again, until Ctrl+C" };
        var record = new Option<string?>("--record")
        {
            Description = "Write each participant's audio to OUT_DIR/<participant>.wav and video to .webm, until Ctrl+C",
            HelpName = "OUT_DIR",
        };
        var dtx = new Option<bool>("--dtx") { Description = "Send no audio packets during silence (Opus DTX)" };
        var command = new Command("call", "Join a room's encrypted call: play a media file into it, record it") { room, play, loop, record, dtx };
        CliAction.Set(command, globals, host, async (context, cancellationToken) =>
        {
            string roomName = context.Get(room)!;
            string? playPath = context.Get(play);
            string? recordDirectory = context.Get(record);
            bool looping = context.Get(loop);
            if (playPath is null && recordDirectory is null) throw new CliException("nothing to do: give --play MEDIA_FILE, --record OUT_DIR, or both", ExitCodes.Usage);
            if (looping && playPath is null) throw new CliException("--loop needs --play MEDIA_FILE", ExitCodes.Usage);

            MediaTools? tools = LocateTools(context, required: playPath is not null);
            await using Playback? playback = playPath is null ? null : await Playback.OpenAsync(playPath, tools!, looping, cancellationToken).ConfigureAwait(false);
            if (recordDirectory is not null) recordDirectory = CreateDirectory(recordDirectory);
            using DeviceLogin login = await DeviceLogin.OpenAsync(context, cancellationToken).ConfigureAwait(false);
            await using var signaling = new SignalingClient(new SignalingClientOptions { PinnedCertificateSha256 = login.Pin });
            await signaling.ConnectAsync(login.Server, login.Token, cancellationToken: cancellationToken).ConfigureAwait(false);

            var options = new CallBotOptions
            {
                LocalAddress = await LocalRoute.TowardsAsync(login.Server, cancellationToken).ConfigureAwait(false),
                Microphone = playback?.Audio is { } audio ? audio.Fill : null,
                Camera = playback?.Video,
                Listen = recordDirectory is not null,
                RecordDirectory = recordDirectory,
                RecordVideo = tools,
                Dtx = context.Get(dtx),
            };
            CallBot bot;
            try
            {
                bot = await CallBot.JoinAsync(signaling, login.Identity, roomName, options, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MediaNegotiationException or IceConnectionException or DtlsSrtpHandshakeException)
            {
                throw new CliException($"joined, but media could not connect to the server: {Output.Clean(e.Message)}", ExitCodes.Unreachable);
            }
            await using (bot.ConfigureAwait(false))
            {
                bool untilTheEnd = playback is not null && !looping && recordDirectory is null;
                context.Error.WriteLine($"In the call of {Output.Clean(roomName)} as {Output.Clean(login.Me.DisplayName)} (participant {bot.SessionId}).");
                if (playback is not null) context.Error.WriteLine($"Playing {playback.Describe()}{(looping ? ", looping" : "")}.");
                if (recordDirectory is not null)
                {
                    string what = tools is null ? "audio (no ffmpeg: no video)" : "audio and video";
                    context.Error.WriteLine($"Recording each participant's {what} into {Output.Clean(recordDirectory)}.");
                }
                context.Error.WriteLine(untilTheEnd ? "It leaves when the file ends; Ctrl+C leaves now." : "Ctrl+C leaves.");

                // Until the file ends (when that is the point), the server closes the connection, or Ctrl+C.
                Task until = untilTheEnd ? bot.PlaybackEnded : Task.Delay(Timeout.Infinite, CancellationToken.None);
                bool closedByServer = false;
                try
                {
                    Task first = await Task.WhenAny(until, signaling.Closed).WaitAsync(cancellationToken).ConfigureAwait(false);
                    closedByServer = first == signaling.Closed;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // Ctrl+C: the way a looping or recording call ends
                }
                await bot.DisposeAsync().ConfigureAwait(false);                // leaves with a signed statement; files finished
                Report(context, bot, playback);
                if (playback?.Failure is { } failure) throw new CliException(Output.Clean(failure.Message), ExitCodes.Usage);
                if (closedByServer) throw new CliException($"the server closed the connection ({signaling.Closed.Result?.ToString(CultureInfo.InvariantCulture) ?? "no code"})", ExitCodes.Unreachable);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>ffmpeg and ffprobe on PATH: required to play; to record, only video needs them (a notice says so).</summary>
    private static MediaTools? LocateTools(CliContext context, bool required)
    {
        try
        {
            return MediaTools.Locate(context.Host.Env("PATH"));
        }
        catch (MediaFileException e) when (!required)
        {
            context.Error.WriteLine($"notice: {Output.Clean(e.Message)}");
            return null;
        }
        catch (MediaFileException e)
        {
            throw new CliException(Output.Clean(e.Message), ExitCodes.Usage);
        }
    }

    private static string CreateDirectory(string path)
    {
        try
        {
            return Directory.CreateDirectory(path).FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CliException($"cannot record into {Output.Clean(path)}: {Output.Clean(e.Message)}", ExitCodes.Usage);
        }
    }

    /// <summary>What was sent and recorded: a summary on stderr; the recordings' paths on stdout (or all of it as JSON).</summary>
    private static void Report(CliContext context, CallBot bot, Playback? playback)
    {
        IReadOnlyList<RecordedParticipant> audio = bot.Recorded;
        IReadOnlyList<RecordedVideo> video = bot.RecordedVideos;
        if (context.Json)
        {
            context.WriteJson(new CallSummary(bot.SessionId, bot.Microphone?.FramesSent ?? 0, bot.Camera?.FramesSent ?? 0, playback?.Audio?.Underruns ?? 0,
                [.. audio.Select(r => new CallRecording(r.ParticipantId, "microphone", r.Path, r.FramesDecoded, r.DecryptErrors + r.DecodeErrors))
                    .Concat(video.Select(v => new CallRecording(v.ParticipantId, v.Source, v.Path, v.FramesWritten, v.DecryptErrors)))]),
                CliJsonContext.Default.CallSummary);
            return;
        }
        var sent = new List<string>();
        if (bot.Microphone is { } microphone) sent.Add($"{Seconds(FrameSeconds(microphone.FramesSent))} of audio");
        if (bot.Camera is { } camera) sent.Add($"{camera.FramesSent} video frames ({camera.KeyframesSent} keyframes, {bot.KeyframeRequests} asked for)");
        if (playback?.Audio is { Underruns: > 0 } late) sent.Add($"{late.Underruns} frames of silence where decoding fell behind");
        context.Error.WriteLine(sent.Count == 0 ? "Left the call." : $"Left the call: sent {string.Join(", ", sent)}.");
        foreach (RecordedParticipant r in audio)
        {
            string errors = r.DecryptErrors + r.DecodeErrors > 0 ? $", {r.DecryptErrors} undecryptable and {r.DecodeErrors} undecodable frames" : "";
            context.Error.WriteLine($"Recorded participant {r.ParticipantId}'s audio: {Seconds(FrameSeconds(r.FramesDecoded))}{errors}.");
            if (r.Path is not null) context.Out.WriteLine(r.Path);
        }
        foreach (RecordedVideo v in video)
        {
            string errors = v.DecryptErrors > 0 ? $", {v.DecryptErrors} undecryptable frames" : "";
            string failure = v.Failure is null ? "" : $"; the file is incomplete: {Output.Clean(v.Failure)}";
            context.Error.WriteLine($"Recorded participant {v.ParticipantId}'s {v.Source}: {v.FramesWritten} frames{errors}{failure}.");
            if (v.Path is not null) context.Out.WriteLine(v.Path);
        }
    }

    private static double FrameSeconds(long frames) => frames * (double)OpusAudioSender.FrameSamples / OpusAudioSender.SampleRate;

    private static string Seconds(double seconds) => seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    /// <summary>The file's sound and picture, each decoding once probed; errors are the file's, before joining.</summary>
    private sealed class Playback : IAsyncDisposable
    {
        private Playback(MediaFile file) => File = file;

        public MediaFile File { get; }
        public MediaFileAudio? Audio { get; private set; }
        public MediaFileVideo? Video { get; private set; }
        public MediaFileException? Failure => Audio?.Failure ?? Video?.Failure;

        public static async Task<Playback> OpenAsync(string path, MediaTools tools, bool loop, CancellationToken cancellationToken)
        {
            Playback? playback = null;
            try
            {
                playback = new Playback(await MediaFile.ProbeAsync(path, tools, cancellationToken).ConfigureAwait(false));
                if (playback.File.Audio is not null) playback.Audio = await MediaFileAudio.OpenAsync(playback.File, tools, loop, cancellationToken).ConfigureAwait(false);
                if (playback.File.Video is not null)
                    playback.Video = await MediaFileVideo.OpenAsync(playback.File, tools, loop, cancellationToken: cancellationToken).ConfigureAwait(false);
                return playback;
            }
            catch (Exception e)
            {
                if (playback is not null) await playback.DisposeAsync().ConfigureAwait(false);
                if (e is MediaFileException file) throw new CliException(Output.Clean(file.Message), ExitCodes.Usage);
                throw;
            }
        }

        public string Describe()
        {
            var parts = new List<string>();
            if (Video is not null) parts.Add($"{File.Video!.Codec} video sent as {Video.Width}x{Video.Height} VP8");
            if (Audio is not null) parts.Add($"{File.Audio!.Codec} audio");
            parts.Add(Seconds(File.Duration.TotalSeconds));
            return $"{Output.Clean(File.Name)} ({Output.Clean(string.Join(", ", parts))})";
        }

        public async ValueTask DisposeAsync()
        {
            if (Audio is not null) await Audio.DisposeAsync().ConfigureAwait(false);
            if (Video is not null) await Video.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>What <c>conclave call --json</c> prints when it leaves.</summary>
internal sealed record CallSummary(string ParticipantId, long AudioFramesSent, long VideoFramesSent, long Underruns, IReadOnlyList<CallRecording> Recordings);

/// <summary>One recording in <see cref="CallSummary"/>: a participant's <c>microphone</c> (WAV) or <c>camera</c> or
/// <c>screen</c> (WebM).</summary>
internal sealed record CallRecording(string ParticipantId, string Source, string? Path, long Frames, long Errors);
