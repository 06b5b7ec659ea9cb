using Conclave.Client;
using Conclave.Client.Calls;
using Conclave.Client.Media;
using Conclave.Client.Media.Files;
using Conclave.E2ee.Identity;

namespace Conclave.Bench.CallBots;

/// <summary>A bot's counters at one instant.</summary>
internal readonly record struct BotCounters(long AudioSent, long AudioWithoutKey, long AudioFailed, long PacerCalls, long PacerSkipped,
    long VideoSent, long VideoWithoutKey, long VideoFailed, long VideoSkipped, long Encoders, long KeyframeRequests, long Underruns);

/// <summary>
/// One call bot as a person running <c>conclave call</c> would be: an invited user's device (a new
/// <see cref="DeviceIdentity"/>, its public keys registered), a signaling connection, and a <see cref="CallBot"/> in the
/// room's call that publishes and does not listen.
/// </summary>
internal sealed class Bot : IAsyncDisposable
{
    private readonly DeviceIdentity _identity;
    private readonly SignalingClient _signaling;
    private readonly MediaFileAudio? _fileAudio;
    private readonly MediaFileVideo? _fileVideo;
    private CallBot? _call;

    private Bot(DeviceIdentity identity, SignalingClient signaling, PacingProbe pacing, MediaFileAudio? fileAudio, MediaFileVideo? fileVideo)
    {
        _identity = identity;
        _signaling = signaling;
        Pacing = pacing;
        _fileAudio = fileAudio;
        _fileVideo = fileVideo;
    }

    public PacingProbe Pacing { get; }

    public CallBot Call => _call ?? throw new InvalidOperationException("not joined");

    /// <summary>Sent its first Opus frame (and its first VP8 frame, with video).</summary>
    public bool Sending => _call is { } call && call.Microphone!.FramesSent > 0 && (call.Camera is null || call.Camera.FramesSent > 0);

    /// <summary>The last failure the bot or its file reported, if any.</summary>
    public Exception? Error => (Exception?)_call?.LastError ?? _fileVideo?.Failure ?? _fileAudio?.Failure;

    public static async Task<Bot> JoinAsync(Uri server, string token, string room, BotMedia media, int complexity, MediaTools? tools, MediaFile? clip,
        CancellationToken cancellationToken)
    {
        var identity = DeviceIdentity.Generate();
        SignalingClient? signaling = null;
        MediaFileAudio? fileAudio = null;
        MediaFileVideo? fileVideo = null;
        Bot? bot = null;
        try
        {
            using (ConclaveApiClient device = ConclaveApiClient.Create(server, token))
                await device.RegisterDeviceAsync(identity, cancellationToken).ConfigureAwait(false);
            signaling = new SignalingClient();
            await signaling.ConnectAsync(server, token, resume: null, cancellationToken).ConfigureAwait(false);
            AudioFrameSource microphone;
            if (media == BotMedia.Audio)
            {
                microphone = new SineWave(440).Fill;
            }
            else
            {
                fileAudio = await MediaFileAudio.OpenAsync(clip!, tools!, loop: true, cancellationToken).ConfigureAwait(false);
                fileVideo = await MediaFileVideo.OpenAsync(clip!, tools!, loop: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                microphone = fileAudio.Fill;
            }
            bot = new Bot(identity, signaling, new PacingProbe(microphone), fileAudio, fileVideo);
            bot._call = await CallBot.JoinAsync(signaling, identity, room,
                new CallBotOptions { Microphone = bot.Pacing.Fill, Camera = fileVideo, Listen = false, Complexity = complexity }, cancellationToken).ConfigureAwait(false);
            return bot;
        }
        catch
        {
            if (bot is not null)
            {
                await bot.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                if (fileVideo is not null) await fileVideo.DisposeAsync().ConfigureAwait(false);
                if (fileAudio is not null) await fileAudio.DisposeAsync().ConfigureAwait(false);
                if (signaling is not null) await signaling.DisposeAsync().ConfigureAwait(false);
                identity.Dispose();
            }
            throw;
        }
    }

    public BotCounters Read()
    {
        CallBot call = Call;
        OpusAudioSender mic = call.Microphone!;
        return new BotCounters(mic.FramesSent, mic.FramesWithoutKey, mic.FramesFailed, Pacing.Calls, mic.FramesSkipped,
            call.Camera?.FramesSent ?? 0, call.Camera?.FramesWithoutKey ?? 0, call.Camera?.FramesFailed ?? 0, _fileVideo?.FramesSkipped ?? 0,
            _fileVideo?.EncodersStarted ?? 0, call.KeyframeRequests, _fileAudio?.Underruns ?? 0);
    }

    /// <summary>Leaves the call (signed leave statement), stops ffmpeg, closes signaling.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_call is not null) await _call.DisposeAsync().ConfigureAwait(false);
        if (_fileVideo is not null) await _fileVideo.DisposeAsync().ConfigureAwait(false);
        if (_fileAudio is not null) await _fileAudio.DisposeAsync().ConfigureAwait(false);
        await _signaling.DisposeAsync().ConfigureAwait(false);
        _identity.Dispose();
    }
}
