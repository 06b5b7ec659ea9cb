using System.CommandLine;
using Conclave.Client;
using Conclave.Client.Calls;
using Conclave.Client.Media;
using Conclave.Client.Media.Files;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Ice;

namespace Conclave.Cli;

/// <summary>
/// <c>conclave call ROOM --play MEDIA_FILE [--loop] [--record OUT_DIR] [--dtx]</c>: this device joins the room's end-to-end
/// encrypted call as a participant without a browser (<see cref="CallBot"/>). <c>--play</c> decodes the file's audio
/// with ffmpeg and speaks it as Opus (<see cref="MediaFileAudio"/>); <c>--record</c> writes each other participant's
/// audio to its own WAV file. It leaves when the file has played (unless it loops or records), when the server ends
/// the connection, or on Ctrl+C; leaving signs a leave statement, so the others rotate their keys.
/// </summary>
internal static class CallCommand
{
    public static Command Create(GlobalOptions globals, CliHost host)
    {
        var room = new Argument<string>("ROOM") { Description = "The room whose call to join" };
        var play = new Option<string?>("--play") { Description = "Speak this file's audio into the call (any format ffmpeg reads)", HelpName = "MEDIA_FILE" };
        var loop = new Option<bool>("--loop") { Description = "Play the file again and again, until Ctrl+C" };
        var record = new Option<string?>("--record") { Description = "Write each participant's audio to OUT_DIR/<participant>.wav, until Ctrl+C", HelpName = "OUT_DIR" };
        var dtx = new Option<bool>("--dtx") { Description = "Send no packets during silence (Opus DTX)" };
        var command = new Command("call", "Join a room's encrypted call: play a media file into it, record it") { room, play, loop, record, dtx };
        CliAction.Set(command, globals, host, async (context, cancellationToken) =>
        {
            string roomName = context.Get(room)!;
            string? playPath = context.Get(play);
            string? recordDirectory = context.Get(record);
            bool looping = context.Get(loop);
            if (playPath is null && recordDirectory is null) throw new CliException("nothing to do: give --play MEDIA_FILE, --record OUT_DIR, or both", ExitCodes.Usage);
            if (looping && playPath is null) throw new CliException("--loop needs --play MEDIA_FILE", ExitCodes.Usage);

            await using MediaFileAudio? audio = playPath is null ? null : await OpenAsync(context, playPath, looping, cancellationToken).ConfigureAwait(false);
            if (recordDirectory is not null) recordDirectory = CreateDirectory(recordDirectory);
            using DeviceLogin login = await DeviceLogin.OpenAsync(context, cancellationToken).ConfigureAwait(false);
            await using var signaling = new SignalingClient(new SignalingClientOptions { PinnedCertificateSha256 = login.Pin });
            await signaling.ConnectAsync(login.Server, login.Token, cancellationToken: cancellationToken).ConfigureAwait(false);

            var options = new CallBotOptions
            {
                LocalAddress = await LocalRoute.TowardsAsync(login.Server, cancellationToken).ConfigureAwait(false),
                Microphone = audio is null ? null : audio.Fill,
                Listen = recordDirectory is not null,
                RecordDirectory = recordDirectory,
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
                context.Error.WriteLine($"In the call of {Output.Clean(roomName)} as {Output.Clean(login.Me.DisplayName)} (participant {bot.SessionId}).");
                if (audio is not null)
                {
                    context.Error.WriteLine($"Playing {Output.Clean(Path.GetFileName(playPath!))} ({Output.Clean(audio.File.Audio!.Codec)}, {Seconds(audio.File.Duration.TotalSeconds)}){(looping ? ", looping" : "")}.");
                }
                if (recordDirectory is not null) context.Error.WriteLine($"Recording each participant's audio into {Output.Clean(recordDirectory)}.");
                context.Error.WriteLine(audio is not null && !looping && recordDirectory is null ? "It leaves when the file ends; Ctrl+C leaves now." : "Ctrl+C leaves.");

                // Until the file ends (when that is the point), the server closes the connection, or Ctrl+C.
                Task until = audio is not null && !looping && recordDirectory is null ? bot.PlaybackEnded : Task.Delay(Timeout.Infinite, CancellationToken.None);
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
                await bot.DisposeAsync().ConfigureAwait(false);                // leaves with a signed statement; WAV headers written
                Report(context, bot, audio);
                if (audio?.Failure is { } failure) throw new CliException(Output.Clean(failure.Message), ExitCodes.Usage);
                if (closedByServer) throw new CliException($"the server closed the connection ({signaling.Closed.Result?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no code"})", ExitCodes.Unreachable);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<MediaFileAudio> OpenAsync(CliContext context, string path, bool loop, CancellationToken cancellationToken)
    {
        try
        {
            MediaTools tools = MediaTools.Locate(context.Host.Env("PATH"));
            MediaFile file = await MediaFile.ProbeAsync(path, tools, cancellationToken).ConfigureAwait(false);
            return await MediaFileAudio.OpenAsync(file, tools, loop, cancellationToken).ConfigureAwait(false);
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
    private static void Report(CliContext context, CallBot bot, MediaFileAudio? audio)
    {
        IReadOnlyList<RecordedParticipant> recorded = bot.Recorded;
        if (context.Json)
        {
            context.WriteJson(new CallSummary(bot.SessionId, bot.Microphone?.FramesSent ?? 0, audio?.Underruns ?? 0,
                recorded.Select(r => new CallRecording(r.ParticipantId, r.Path, r.FramesDecoded, r.DecryptErrors, r.DecodeErrors)).ToList()),
                CliJsonContext.Default.CallSummary);
            return;
        }
        if (bot.Microphone is { } microphone)
        {
            string underruns = audio is { Underruns: > 0 } ? $", {audio.Underruns} frames of silence where decoding fell behind" : "";
            context.Error.WriteLine($"Left the call: sent {microphone.FramesSent} frames ({Seconds(FrameSeconds(microphone.FramesSent))}){underruns}.");
        }
        else
        {
            context.Error.WriteLine("Left the call.");
        }
        foreach (RecordedParticipant r in recorded)
        {
            string errors = r.DecryptErrors + r.DecodeErrors > 0 ? $", {r.DecryptErrors} undecryptable and {r.DecodeErrors} undecodable frames" : "";
            context.Error.WriteLine($"Recorded participant {r.ParticipantId}: {Seconds(FrameSeconds(r.FramesDecoded))}{errors}.");
            if (r.Path is not null) context.Out.WriteLine(r.Path);
        }
    }

    private static double FrameSeconds(long frames) => frames * (double)OpusAudioSender.FrameSamples / OpusAudioSender.SampleRate;

    private static string Seconds(double seconds) => seconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s";
}

/// <summary>What <c>conclave call --json</c> prints when it leaves.</summary>
internal sealed record CallSummary(string ParticipantId, long FramesSent, long Underruns, IReadOnlyList<CallRecording> Recordings);

/// <summary>One participant's recording in <see cref="CallSummary"/>.</summary>
internal sealed record CallRecording(string ParticipantId, string? Path, long FramesDecoded, long DecryptErrors, long DecodeErrors);
