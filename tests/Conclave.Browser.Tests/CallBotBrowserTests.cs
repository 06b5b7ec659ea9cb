using System.Buffers.Binary;
using Conclave.Client;
using Conclave.Client.Calls;
using Conclave.Client.Media;
using Conclave.Client.Media.Files;
using Conclave.Client.Media.Video;
using Conclave.MediaServer.Tests;
using Conclave.E2ee.Calls;
using Conclave.E2ee.Identity;
using Conclave.Sfu.Routing;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Browser.Tests;

/// <summary>
/// The .NET client against Chromium (issue 7): a <see cref="CallBot"/> in the same end-to-end encrypted call as a page
/// plays a tone the page decrypts and hears, and records the page's fake microphone; a bot plays a media file's video
/// and sound, which the page decrypts and decodes, the video from the keyframe the page's arrival asked for.
/// </summary>
public sealed class CallBotBrowserTests(BrowserFixture fixture, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_dotnet_bots_tone_plays_in_Chromium_without_decrypt_errors_and_the_bot_records_the_pages_microphone()
    {
        string room = await fixture.CreateRoomAsync();
        string directory = Directory.CreateTempSubdirectory("conclave-record-").FullName;
        try
        {
            await using var call = new PeopleInCall(room);
            Person alice = await Calls.JoinAsync(fixture, call, "Alice Martin");
            await alice.WaitForStateAsync("s.joined && s.e2ee === 'on'");
            string aliceId = (await alice.StateAsync()).SessionId!;

            using DeviceIdentity device = DeviceIdentity.Generate();
            await using SignalingClient signaling = await ConnectAsync(room, "Announcer", device);
            var tone = new SineWave(440);
            await using CallBot bot = await CallBot.JoinAsync(signaling, device, room,
                new CallBotOptions { Microphone = tone.Fill, RecordDirectory = directory }, TestContext.Current.CancellationToken);

            // The page decrypts the bot's Opus frames (SFrame under the key the call's protocol gave it) and plays them.
            await alice.WaitForStateAsync(
                $"s.participants.length === 2 && s.participants.every(p => p.signed) && "
                + $"s.inbound.some(i => i.participantId === '{bot.SessionId}' && i.kind === 'audio' && i.framesDecrypted > 50 && i.audioLevel > 0) && "
                + "s.inbound.every(i => i.decryptErrors === 0)");
            output.WriteLine(await alice.DescribeAsync());

            // What the bot sends, as the SFU receives it: SFrame ciphertext under the bot's own KIDs, never Opus in clear.
            await fixture.Capture.AssertSFrameCiphertextAsync(bot.SessionId, TrackSource.Microphone,
                SfuCapture.KidOfSender(EpochKeys.SenderIndex(bot.SessionId, device.SigningPublicKey)), 50);

            // The bot decrypts and decodes the page's microphone (Chromium's fake device: a periodic beep).
            await Calls.WaitUntilAsync(() => bot.Recorded.Any(p => p.ParticipantId == aliceId && p.FramesDecoded >= 150));
            RecordedParticipant heard = Assert.Single(bot.Recorded, p => p.ParticipantId == aliceId);
            output.WriteLine($"bot: {bot.Microphone!.FramesSent} frames sent, {bot.Microphone.FramesWithoutKey} dropped before its key; heard {heard}");
            Assert.Equal((0L, 0L), (heard.DecryptErrors, heard.DecodeErrors));
            Assert.Empty(alice.PageErrors);
            await bot.DisposeAsync();                                      // the WAV file gets its final header

            short[] samples = ReadWav(heard.Path!);
            double sum = 0;
            int peak = 0;
            foreach (short s in samples)
            {
                sum += (double)s * s;
                peak = Math.Max(peak, Math.Abs((int)s));
            }
            double rms = Math.Sqrt(sum / Math.Max(1, samples.Length));
            output.WriteLine($"recorded {samples.Length / 48000.0:0.00} s of the page's microphone: RMS {rms:0}, peak {peak}");
            Assert.True(samples.Length >= 150 * OpusAudioSender.FrameSamples, $"{samples.Length} samples");
            Assert.True(rms > 100 && peak > 1000, $"RMS {rms:0}, peak {peak}: silence");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_bots_media_file_plays_in_Chromium_video_and_sound_from_a_keyframe_asked_for_when_the_page_joined()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string room = await fixture.CreateRoomAsync();
        string directory = Directory.CreateTempSubdirectory("conclave-media-").FullName;
        try
        {
            string clip = await TestMedia.CreateAsync(directory, "clip.mp4",
                "-f lavfi -i testsrc=size=640x480:rate=30:duration=2 -f lavfi -i sine=frequency=440:duration=2 -c:v libx264 -pix_fmt yuv420p -c:a aac");
            MediaTools tools = MediaTools.Locate(Environment.GetEnvironmentVariable("PATH"));
            MediaFile file = await MediaFile.ProbeAsync(clip, tools, ct);
            await using MediaFileAudio sound = await MediaFileAudio.OpenAsync(file, tools, loop: true, ct);
            await using MediaFileVideo picture = await MediaFileVideo.OpenAsync(file, tools, loop: true, cancellationToken: ct);

            // The bot is alone first, sending (its first keyframe goes to nobody); the page arrives later.
            using DeviceIdentity device = DeviceIdentity.Generate();
            await using SignalingClient signaling = await ConnectAsync(room, "Presenter", device);
            await using CallBot bot = await CallBot.JoinAsync(signaling, device, room,
                new CallBotOptions { Microphone = sound.Fill, Camera = picture, Listen = false }, ct);
            await Calls.WaitUntilAsync(() => bot.Camera!.FramesSent >= 30);
            long keyframesBefore = bot.Camera!.KeyframesSent;

            await using var call = new PeopleInCall(room);
            Person alice = await Calls.JoinAsync(fixture, call, "Alice Martin");
            await alice.WaitForStateAsync(
                $"s.inbound.some(i => i.participantId === '{bot.SessionId}' && i.kind === 'video' && i.framesDecoded > 30 && i.frameWidth === 480) && "
                + $"s.inbound.some(i => i.participantId === '{bot.SessionId}' && i.kind === 'audio' && i.framesDecrypted > 50 && i.audioLevel > 0) && "
                + "s.inbound.every(i => i.decryptErrors === 0)");
            output.WriteLine(await alice.DescribeAsync());
            output.WriteLine($"bot camera: {bot.Camera.FramesSent} frames, {bot.Camera.KeyframesSent} keyframes ({keyframesBefore} before the page), "
                + $"{bot.KeyframeRequests} PLI/FIR, {picture.EncodersStarted} encoders, {picture.FramesSkipped} skipped; error {bot.LastError}");

            // The page's decoder started from a keyframe made for it: asked by PLI or FIR, answered by a new encoder.
            Assert.True(bot.KeyframeRequests >= 1);
            Assert.True(bot.Camera.KeyframesSent > keyframesBefore);
            Assert.Null(bot.LastError);
            Assert.Null(picture.Failure);
            // What the SFU receives of the camera: the uncompressed data chunk in clear, the rest SFrame ciphertext.
            await fixture.Capture.AssertSFrameCiphertextAsync(bot.SessionId, TrackSource.Camera,
                SfuCapture.KidOfSender(EpochKeys.SenderIndex(bot.SessionId, device.SigningPublicKey)), 30, vp8ClearPrefix: Vp8ClearPrefix.UncompressedDataChunk);
            Assert.Empty(alice.PageErrors);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The samples of a 48 kHz mono 16-bit WAV file, its header checked.</summary>
    private static short[] ReadWav(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        Assert.Equal("RIFF"u8.ToArray(), file[..4]);
        Assert.Equal("WAVE"u8.ToArray(), file[8..12]);
        Assert.Equal(48000, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(24)));
        Assert.Equal((short)1, BinaryPrimitives.ReadInt16LittleEndian(file.AsSpan(22)));
        Assert.Equal((short)16, BinaryPrimitives.ReadInt16LittleEndian(file.AsSpan(34)));
        int data = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(40));
        Assert.Equal(file.Length - 44, data);
        var samples = new short[data / 2];
        for (int i = 0; i < samples.Length; i++) samples[i] = BinaryPrimitives.ReadInt16LittleEndian(file.AsSpan(44 + 2 * i));
        return samples;
    }

    /// <summary>An invited user with <paramref name="identity"/>'s public keys registered, connected to signaling.</summary>
    private async Task<SignalingClient> ConnectAsync(string room, string name, DeviceIdentity identity)
    {
        using ConclaveApiClient anonymous = ConclaveApiClient.Create(fixture.Server.BaseAddress);
        RedeemResponse user = await anonymous.RedeemInvitationAsync(new Uri(await fixture.InviteAsync(room, name)), TestContext.Current.CancellationToken);
        using ConclaveApiClient api = ConclaveApiClient.Create(fixture.Server.BaseAddress, user.Token);
        await api.RegisterDeviceAsync(identity, TestContext.Current.CancellationToken);
        var client = new SignalingClient();
        await client.ConnectAsync(fixture.Server.BaseAddress, user.Token, cancellationToken: TestContext.Current.CancellationToken);
        return client;
    }
}
