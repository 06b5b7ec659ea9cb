using System.Text.Json;
using Conclave.Cli;
using Conclave.Client.Media;
using Conclave.Client.Media.Files;

namespace Conclave.MediaServer.Tests;

/// <summary>
/// <c>conclave call</c> against the real server (issue 7): one login plays an MP3 (44.1 kHz stereo, decoded by ffmpeg
/// through FFMpegCore, resampled to 48 kHz mono, Opus, SFrame, SRTP) into a room's call, another records it to WAV,
/// and both leave cleanly on their Ctrl+C (a cancelled token here). Media files come from ffmpeg's own generators.
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
    public async Task A_looping_mp3_played_by_one_login_is_recorded_by_another_and_both_leave_on_ctrl_c()
    {
        string room = await fixture.CreateRoomAsync();
        CliUser announcer = await LoginAsync(room, "Announcer");
        CliUser recorder = await LoginAsync(room, "Recording station");
        string tone = await MediaAsync(announcer, "tone.mp3", "-f lavfi -i aevalsrc=0.5*sin(2*PI*440*t):s=44100:d=1 -ac 2 -c:a libmp3lame");
        string recordings = Path.Combine(recorder.Home, "recordings");
        var environment = new Dictionary<string, string?> { ["PATH"] = Environment.GetEnvironmentVariable("PATH") };

        using CancellationTokenSource stopRecorder = CancellationTokenSource.CreateLinkedTokenSource(Deadline.Token);
        using CancellationTokenSource stopAnnouncer = CancellationTokenSource.CreateLinkedTokenSource(Deadline.Token);
        Task<(int Exit, string Out, string Err)> recording = recorder.RunAsync(stopRecorder.Token, environment, "call", room, "--record", recordings);
        Task<(int Exit, string Out, string Err)> playing = announcer.RunAsync(stopAnnouncer.Token, environment, "call", room, "--play", tone, "--loop", "--json");

        // Three seconds of the announcer in the recording: more than the one-second file, so it looped.
        const long ThreeSeconds = 44 + 3L * OpusAudioSender.SampleRate * sizeof(short);
        try
        {
            await WaitUntilAsync(() => Directory.Exists(recordings) && Directory.GetFiles(recordings, "*.wav").Any(f => new FileInfo(f).Length >= ThreeSeconds),
                () => playing.IsCompleted || recording.IsCompleted);
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
        Assert.True(summary.GetProperty("framesSent").GetInt64() > 100, playOut);   // past two passes of the file
        string wav = Path.Combine(recordings, announcerId + ".wav");
        Assert.Equal(wav, recordOut.Trim());                                         // stdout: the recordings' paths
        Assert.Contains("Recording each participant's audio into", recordErr, StringComparison.Ordinal);
        Assert.Matches(@"Recorded participant \S+: \d+\.\d s\.", recordErr);         // no decrypt or decode errors named

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
        string speech = await MediaAsync(announcer, "short.ogg", "-f lavfi -i sine=frequency=300:duration=0.6 -c:a libvorbis");
        (int exit, string stdout, string stderr) = await announcer.RunAsync(Deadline.Token,
            new Dictionary<string, string?> { ["PATH"] = Environment.GetEnvironmentVariable("PATH") }, "call", room, "--play", speech, "--json");
        output.WriteLine(stderr + stdout);
        Assert.Equal(ExitCodes.Success, exit);
        Assert.Contains("(vorbis, 0.6 s)", stderr, StringComparison.Ordinal);
        Assert.Contains("It leaves when the file ends", stderr, StringComparison.Ordinal);
        long sent = JsonDocument.Parse(stdout).RootElement.GetProperty("framesSent").GetInt64();
        Assert.InRange(sent, 1, 30);                                                 // 0.6 s is 30 frames, the last padded
    }

    [Fact]
    public async Task Files_that_cannot_be_played_and_a_missing_ffmpeg_give_clear_errors_before_joining()
    {
        string room = await fixture.CreateRoomAsync();
        CliUser user = await LoginAsync(room, "Someone");
        var path = new Dictionary<string, string?> { ["PATH"] = Environment.GetEnvironmentVariable("PATH") };
        string garbage = Path.Combine(user.Home, "notes.mp3");
        await File.WriteAllBytesAsync(garbage, System.Security.Cryptography.RandomNumberGenerator.GetBytes(50_000), Deadline.Token);
        string silentVideo = await MediaAsync(user, "silent.webm", "-f lavfi -i testsrc=size=160x120:rate=10:duration=1 -c:v libvpx");

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

        (int videoOnly, string videoOnlyErr) = await RunAsync(path, "call", room, "--play", silentVideo);
        Assert.Equal(ExitCodes.Usage, videoOnly);
        Assert.Contains("silent.webm has no audio stream to play (video only)", videoOnlyErr, StringComparison.Ordinal);

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
