using System.Diagnostics;
using System.Text.Json;
using Conclave.Cli;
using Conclave.Client.Media;
using Conclave.Client.Media.Files;

namespace Conclave.MediaServer.Tests;

/// <summary>
/// <c>conclave call</c> against the real server (issue 7): one login plays an MP4 (H.264 and AAC at 44.1 kHz stereo,
/// decoded by ffmpeg through FFMpegCore; Opus and VP8, SFrame, SRTP) into a room's call, another records it to WAV and
/// WebM, and both leave cleanly on their Ctrl+C (a cancelled token here); an MP3 plays once and the command leaves by
/// itself. Media files come from ffmpeg's own generators.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class CallCliTests(ServerFixture fixture, ITestOutputHelper output) : IDisposable
{
    private readonly List<string> _directories = [];

    public void Dispose()
    {
        foreach (string directory in _directories) Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task A_looping_video_played_by_one_login_is_recorded_to_wav_and_webm_by_another_and_both_leave_on_ctrl_c()
    {
        string room = await fixture.CreateRoomAsync();
        CliUser announcer = await LoginAsync(room, "Announcer");
        CliUser recorder = await LoginAsync(room, "Recording station");
        string clip = await MediaAsync(announcer, "clip.mp4",
            "-f lavfi -i testsrc=size=320x240:rate=30:duration=1 -f lavfi -i aevalsrc=0.5*sin(2*PI*440*t):s=44100:d=1 -ac 2 -c:v libx264 -pix_fmt yuv420p -c:a aac");
        string recordings = Path.Combine(recorder.Home, "recordings");
        var environment = new Dictionary<string, string?> { ["PATH"] = Environment.GetEnvironmentVariable("PATH") };

        using CancellationTokenSource stopRecorder = CancellationTokenSource.CreateLinkedTokenSource(Deadline.Token);
        using CancellationTokenSource stopAnnouncer = CancellationTokenSource.CreateLinkedTokenSource(Deadline.Token);
        Task<(int Exit, string Out, string Err)> recording = recorder.RunAsync(stopRecorder.Token, environment, "call", room, "--record", recordings);
        Task<(int Exit, string Out, string Err)> playing = announcer.RunAsync(stopAnnouncer.Token, environment, "call", room, "--play", clip, "--loop", "--json");

        // Three seconds of the announcer's sound in the recording (more than the one-second file, so it looped), and
        // its picture's WebM begun.
        const long ThreeSeconds = 44 + 3L * OpusAudioSender.SampleRate * sizeof(short);
        try
        {
            await WaitUntilAsync(() => Directory.Exists(recordings) && Directory.GetFiles(recordings, "*.wav").Any(f => new FileInfo(f).Length >= ThreeSeconds)
                && Directory.GetFiles(recordings, "*.webm").Any(f => new FileInfo(f).Length > 0), () => playing.IsCompleted || recording.IsCompleted);
        }
        finally
        {
            await stopAnnouncer.CancelAsync();
            await stopRecorder.CancelAsync();
        }
        (int playExit, string playOut, string playErr) = await playing;
        (int recordExit, string recordOut, string recordErr) = await recording;
        output.WriteLine($"announcer ({playExit}):\n{playErr}{playOut}\nrecorder ({recordExit}):\n{recordErr}{recordOut}");
        Assert.Equal((ExitCodes.Success, ExitCodes.Success), (playExit, recordExit));

        JsonElement summary = JsonDocument.Parse(playOut).RootElement;
        string announcerId = summary.GetProperty("participantId").GetString()!;
        Assert.True(summary.GetProperty("audioFramesSent").GetInt64() > 100, playOut);   // past two passes of the file
        Assert.True(summary.GetProperty("videoFramesSent").GetInt64() > 60, playOut);
        Assert.Contains("Playing clip.mp4 (h264 video sent as 320x240 VP8, aac audio, 1.0 s), looping.", playErr, StringComparison.Ordinal);
        string wav = Path.Combine(recordings, announcerId + ".wav"), webm = Path.Combine(recordings, announcerId + ".webm");
        Assert.Equal([wav, webm], recordOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));   // stdout: the files
        Assert.Contains("Recording each participant's audio and video into", recordErr, StringComparison.Ordinal);
        Assert.Matches(@"Recorded participant \S+'s audio: \d+\.\d s\.", recordErr);   // no decrypt or decode errors named
        Assert.Matches(@"Recorded participant \S+'s camera: \d+ frames\.", recordErr);

        MediaFile recordedVideo = await MediaFile.ProbeAsync(webm, MediaTools.Locate(Environment.GetEnvironmentVariable("PATH")), Deadline.Token);
        Assert.Equal(new MediaFileVideoStream("vp8", 320, 240), recordedVideo.Video);

        short[] samples = AudioAnalysis.ReadWav(wav);
        (double frequency, double bin) = AudioAnalysis.DominantFrequency(samples.AsSpan(samples.Length - 16384));
        double rms = AudioAnalysis.Rms(samples.AsSpan(samples.Length - 16384));
        output.WriteLine($"dominant {frequency:0.0} Hz (bin {bin:0.00}), RMS {rms:0}");
        Assert.InRange(frequency, 440 - bin, 440 + bin);
        Assert.True(rms > 3000, $"RMS {rms:0} is near silence");
    }

    [Fact]
    public async Task Without_loop_or_record_the_file_plays_once_and_the_command_leaves_by_itself()
    {
        string room = await fixture.CreateRoomAsync();
        CliUser announcer = await LoginAsync(room, "Announcer");
        string speech = await MediaAsync(announcer, "short.mp3", "-f lavfi -i sine=frequency=300:sample_rate=44100:duration=0.6 -ac 2 -c:a libmp3lame");
        (int exit, string stdout, string stderr) = await announcer.RunAsync(Deadline.Token,
            new Dictionary<string, string?> { ["PATH"] = Environment.GetEnvironmentVariable("PATH") }, "call", room, "--play", speech, "--json");
        output.WriteLine(stderr + stdout);
        Assert.Equal(ExitCodes.Success, exit);
        Assert.Contains("Playing short.mp3 (mp3 audio, 0.6 s).", stderr, StringComparison.Ordinal);
        Assert.Contains("It leaves when the file ends", stderr, StringComparison.Ordinal);
        JsonElement summary = JsonDocument.Parse(stdout).RootElement;
        Assert.InRange(summary.GetProperty("audioFramesSent").GetInt64(), 1, 32);   // 0.6 s is 30 frames (MP3 adds some padding)
        Assert.Equal(0, summary.GetProperty("videoFramesSent").GetInt64());
    }

    [Fact]
    public async Task The_conclave_process_leaves_the_call_and_exits_0_on_SIGINT()
    {
        string room = await fixture.CreateRoomAsync();
        CliUser recorder = await LoginAsync(room, "Recording station");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "conclave.dll"), "call", room, "--record", Path.Combine(recorder.Home, "rec") },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            Environment = { ["CONCLAVE_HOME"] = recorder.Home },
        };
        using Process conclave = Process.Start(start)!;
        var stderr = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var inCall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        conclave.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            stderr.Enqueue(e.Data);
            if (e.Data == "Ctrl+C leaves.") inCall.TrySetResult();
        };
        conclave.BeginErrorReadLine();
        Task<string> stdout = conclave.StandardOutput.ReadToEndAsync(Deadline.Token);
        try
        {
            await inCall.Task.WaitAsync(Deadline.Token);
            Assert.Equal(0, Kill(conclave.Id, Sigint));
            await conclave.WaitForExitAsync(Deadline.Token);
        }
        finally
        {
            if (!conclave.HasExited) conclave.Kill();
            output.WriteLine(string.Join('\n', stderr));
        }
        await stdout;
        Assert.Equal(ExitCodes.Success, conclave.ExitCode);
        Assert.Contains("Left the call.", stderr);
    }

    private const int Sigint = 2;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [Fact]
    public async Task Files_that_cannot_be_played_and_a_missing_ffmpeg_give_clear_errors_before_joining()
    {
        string room = await fixture.CreateRoomAsync();
        CliUser user = await LoginAsync(room, "Someone");
        var path = new Dictionary<string, string?> { ["PATH"] = Environment.GetEnvironmentVariable("PATH") };
        string garbage = Path.Combine(user.Home, "notes.mp3");
        await File.WriteAllBytesAsync(garbage, System.Security.Cryptography.RandomNumberGenerator.GetBytes(50_000), Deadline.Token);
        string subtitles = Path.Combine(user.Home, "minutes.srt");
        await File.WriteAllTextAsync(subtitles, "1\n00:00:00,000 --> 00:00:01,000\nHello\n", Deadline.Token);

        async Task<(int Exit, string Err)> RunAsync(IReadOnlyDictionary<string, string?>? environment, params string[] args)
        {
            (int exit, _, string err) = await user.RunAsync(Deadline.Token, environment, args);
            output.WriteLine($"conclave {string.Join(' ', args)} → {exit}: {err.Trim()}");
            return (exit, err);
        }

        (int missing, string missingErr) = await RunAsync(path, "call", room, "--play", Path.Combine(user.Home, "nope.wav"));
        Assert.Equal(ExitCodes.Usage, missing);
        Assert.Contains("nope.wav: no such file", missingErr, StringComparison.Ordinal);

        (int noTools, string noToolsErr) = await RunAsync(new Dictionary<string, string?> { ["PATH"] = user.Home }, "call", room, "--play", garbage);
        Assert.Equal(ExitCodes.Usage, noTools);
        Assert.Contains("ffmpeg was not found on PATH", noToolsErr, StringComparison.Ordinal);
        Assert.Contains(MediaTools.InstallHint, noToolsErr, StringComparison.Ordinal);

        (int unreadable, string unreadableErr) = await RunAsync(path, "call", room, "--play", garbage);
        Assert.Equal(ExitCodes.Usage, unreadable);
        Assert.Contains("notes.mp3 is not a media file ffmpeg can read", unreadableErr, StringComparison.Ordinal);

        string unknownCodec = Path.Combine(user.Home, "dictation.wav");                 // a WAV of format tag 0x7777
        await File.WriteAllBytesAsync(unknownCodec, [.. "RIFF"u8, 64, 0, 0, 0, .. "WAVEfmt "u8, 16, 0, 0, 0, 0x77, 0x77, 1, 0, 0x80, 0xBB, 0, 0,
            0, 0x77, 1, 0, 2, 0, 16, 0, .. "data"u8, 32, 0, 0, 0, .. new byte[32]], Deadline.Token);
        (int codec, string codecErr) = await RunAsync(path, "call", room, "--play", unknownCodec);
        Assert.Equal(ExitCodes.Usage, codec);
        Assert.Contains("dictation.wav: codec not supported", codecErr, StringComparison.Ordinal);

        (int textOnly, string textOnlyErr) = await RunAsync(path, "call", room, "--play", subtitles);
        Assert.Equal(ExitCodes.Usage, textOnly);
        Assert.Contains("minutes.srt has no audio or video stream", textOnlyErr, StringComparison.Ordinal);

        (int nothing, string nothingErr) = await RunAsync(path, "call", room);
        Assert.Equal(ExitCodes.Usage, nothing);
        Assert.Contains("nothing to do", nothingErr, StringComparison.Ordinal);

        (int loopAlone, string loopAloneErr) = await RunAsync(path, "call", room, "--loop", "--record", user.Home);
        Assert.Equal(ExitCodes.Usage, loopAlone);
        Assert.Contains("--loop needs --play", loopAloneErr, StringComparison.Ordinal);

        (int stranger, string strangerErr) = await RunAsync(path, "call", await fixture.CreateRoomAsync(), "--record", Path.Combine(user.Home, "r"));
        Assert.Equal(ExitCodes.Refused, stranger);
        Assert.StartsWith("error: ", strangerErr, StringComparison.Ordinal);
    }

    private async Task<CliUser> LoginAsync(string room, string name)
    {
        CliUser user = await CliUser.LoginAsync(fixture.Server, room, name);
        _directories.Add(user.Home);
        return user;
    }

    private static Task<string> MediaAsync(CliUser owner, string name, string arguments) => TestMedia.CreateAsync(owner.Home, name, arguments);

    private static async Task WaitUntilAsync(Func<bool> condition, Func<bool> givenUp)
    {
        while (!condition())
        {
            Assert.False(givenUp(), "a command ended before the condition held");
            await Task.Delay(50, Deadline.Token);
        }
    }
}
