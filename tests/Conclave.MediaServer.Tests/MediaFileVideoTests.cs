using System.Collections.Concurrent;
using Conclave.Client.Media.Files;
using Conclave.Client.Media.Video;

namespace Conclave.MediaServer.Tests;

/// <summary>
/// A media file's video as a bot's camera (issue 7): ffmpeg decodes and scales it, libvpx (through ffmpeg) encodes
/// VP8, a keyframe first and again on request, with RTP timestamps at the file's own pace.
/// </summary>
public sealed class MediaFileVideoTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("conclave-video-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task An_h264_file_plays_as_scaled_vp8_starting_with_a_keyframe_and_gives_another_when_asked()
    {
        string path = await TestMedia.CreateAsync(_directory, "clip.mp4", "-f lavfi -i testsrc=size=320x240:rate=25:duration=3 -c:v libx264 -pix_fmt yuv420p");
        MediaTools tools = MediaTools.Locate(Environment.GetEnvironmentVariable("PATH"));
        MediaFile file = await MediaFile.ProbeAsync(path, tools, Deadline.Token);
        Assert.Equal(new MediaFileVideoStream("h264", 320, 240), file.Video);
        Assert.Null(file.Audio);

        await using MediaFileVideo video = await MediaFileVideo.OpenAsync(file, tools, settings: new VideoSettings { MaxWidth = 160, MaxHeight = 160, FrameRate = 30 },
            cancellationToken: Deadline.Token);
        Assert.Equal((160, 120), (video.Width, video.Height));
        var frames = new ConcurrentQueue<(bool Keyframe, uint Timestamp, int Width)>();
        Task playing = video.RunAsync((frame, timestamp) =>
            frames.Enqueue((Vp8Frame.IsKeyframe(frame), timestamp, Vp8Frame.IsKeyframe(frame) ? (frame[6] | frame[7] << 8) & 0x3FFF : 0)), Deadline.Token);

        await WaitUntilAsync(() => frames.Count >= 10);
        video.RequestKeyframe();
        await WaitUntilAsync(() => frames.Count(f => f.Keyframe) >= 2);
        await playing.WaitAsync(Deadline.Token);                        // three seconds, then the file ends

        (bool Keyframe, uint Timestamp, int Width)[] all = [.. frames];
        output.WriteLine($"{all.Length} frames, keyframes at {string.Join(", ", all.Select((f, i) => (f, i)).Where(x => x.f.Keyframe).Select(x => x.i))}; "
            + $"skipped {video.FramesSkipped}, encoders {video.EncodersStarted}, requests {video.KeyframeRequests}");
        Assert.True(all[0].Keyframe);
        Assert.Equal(160, all[0].Width);                                 // RFC 6386 §9.1: the keyframe's 14-bit width
        Assert.Equal(2, video.EncodersStarted);
        Assert.Equal(2, all.Count(f => f.Keyframe));                     // the first, and the one asked for (-g is 10 s)
        Assert.All(all.Zip(all.Skip(1)), pair => Assert.Equal(0u, (pair.Second.Timestamp - pair.First.Timestamp) % 3000));
        Assert.All(all.Zip(all.Skip(1)), pair => Assert.True(pair.Second.Timestamp - pair.First.Timestamp is > 0 and < 90_000));
        Assert.InRange(all.Length + video.FramesSkipped, 85, 95);        // 3 s at 30 frames per second
        Assert.Null(video.Failure);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        while (!condition()) await Task.Delay(20, Deadline.Token);
    }
}
