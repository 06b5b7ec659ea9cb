using System.Collections.Concurrent;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Sdp;
using Conclave.Sfu.Bandwidth;
using Conclave.Sfu.Metrics;
using Conclave.Media.Transport.Rtcp;
using Conclave.Sfu.Speakers;

namespace Conclave.Sfu.Routing;

/// <summary>The SFU of one call on this node (mediasoup's Router): its peers, the tracks they publish
/// (<see cref="Producer"/>) and the copies each peer receives (<see cref="Consumer"/>). Every client makes the offers
/// (one PeerConnection, BUNDLE); the router answers them (<see cref="Negotiate"/>), so there is never glare.
/// <para>Signaling calls come from any thread and are serialised by one lock; media runs on the media port's receive
/// thread without it.</para></summary>
public sealed class Router : IDisposable
{
    /// <summary>How often held-back keyframe requests are flushed.</summary>
    public static readonly TimeSpan MaintenanceInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How often RTCP reports go out on every leg (RFC 3550 §6.2 allows this reduced minimum for WebRTC's
    /// bandwidths; browsers report about once a second too).</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);

    // Passed by argument
    private readonly MediaEndpoint _endpoint;
    private readonly TimeProvider _time;

    // Allocated by this
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, SfuPeer> _peers = new(StringComparer.Ordinal);
    private readonly Dictionary<SfuPeer, PeerIce> _ice = [];
    private readonly ITimer _maintenance;                               // Owned
    private string? _dominantSpeaker;
    private long _lastReports;
    private int _maintaining;                                            // 1 while a timer tick runs
    private bool _disposed;

    /// <summary>Creates the router of call <paramref name="callId"/>.</summary>
    public Router(string callId, MediaEndpoint endpoint, TimeProvider time)
    {
        CallId = callId;
        _endpoint = endpoint;
        _time = time;
        _maintenance = time.CreateTimer(static s => ((Router)s!).Maintain(), this, MaintenanceInterval, MaintenanceInterval);
    }

    /// <summary>The call (room) this router serves.</summary>
    public string CallId { get; }

    /// <summary>Raised (on any thread) when a peer's transport ends by itself: DTLS close or failure.</summary>
    public event Action<SfuPeer, string>? PeerTransportClosed;

    /// <summary>Raised (on the timer thread) when the call's dominant speaker changes; null when nobody is.</summary>
    public event Action<string?>? DominantSpeakerChanged;

    /// <summary>Raised (on the timer thread) when the simulcast layers subscribers want of a track change (dynacast):
    /// the publisher should send only the rids listed, lowest first, and pause the others (none when nobody watches).</summary>
    public event Action<Producer, IReadOnlyList<string>>? WantedLayersChanged;

    /// <summary>The participant speaking now, by the audio levels their microphones report (RFC 6464).</summary>
    public string? DominantSpeaker => Volatile.Read(ref _dominantSpeaker);

    internal ActiveSpeakerDetector<string> Speakers { get; } = new();

    /// <summary>The node's forwarding counters.</summary>
    internal ForwardingStatistics Statistics => _endpoint.Statistics;

    /// <summary>The node's diagnostics hook on received RTP, if any (<see cref="MediaEndpoint.InboundObserver"/>).</summary>
    internal IInboundRtpObserver? InboundObserver => _endpoint.InboundObserver;

    /// <summary>Every published track of the call.</summary>
    public IReadOnlyList<Producer> Producers => [.. _peers.Values.SelectMany(p => p.Producers)];

    /// <summary>The participant's peer, if it has negotiated.</summary>
    public SfuPeer? FindPeer(string participantId) => _peers.GetValueOrDefault(participantId);

    /// <summary>Answers a participant's offer: creates its transport on the first one, publishes the sections it
    /// sends on, subscribes the sections it receives on to the tracks it names, and drops what the offer no longer has.</summary>
    public NegotiationResult Negotiate(string participantId, string offerSdp, IReadOnlyList<PublishRequest> publish, IReadOnlyList<SubscribeRequest> subscribe)
    {
        SessionDescription offer;
        try
        {
            offer = WebRtcOffer.WithBundleOnlySectionsActive(SdpParser.Parse(offerSdp));
        }
        catch (SdpParseException e)
        {
            return NegotiationResult.Fail(NegotiationResult.BadSdp, e.Message);
        }
        if (!WebRtcOffer.TryRead(offer, out WebRtcOffer? remote, out string? problem)) return NegotiationResult.Fail(NegotiationResult.BadSdp, problem!);

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            SfuPeer peer = _peers.GetOrAdd(participantId, id => new SfuPeer(id, this, _time));
            DtlsSetup setup;
            try
            {
                setup = SdpAnswerBuilder.AnswerSetup(remote!.Setup);
            }
            catch (ArgumentException e)
            {
                return NegotiationResult.Fail(NegotiationResult.BadSdp, e.Message);
            }
            PeerIce ice = Connect(peer, remote, setup);
            return new SfuAnswer(this, peer, offer, ice.Local, _endpoint, _time).Build(publish, subscribe);
        }
    }

    /// <summary>Caps what <paramref name="participantId"/> receives of video track <paramref name="trackId"/> to
    /// <paramref name="maxWidth"/> × <paramref name="maxHeight"/> (the size it is shown at); 0 × 0 pauses it (not
    /// shown). The allocator applies it at its next run. False if the participant does not receive that video track.</summary>
    public bool SetVideoCap(string participantId, string trackId, int maxWidth, int maxHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxWidth);
        ArgumentOutOfRangeException.ThrowIfNegative(maxHeight);
        lock (_lock)
        {
            if (_disposed || !_peers.TryGetValue(participantId, out SfuPeer? peer)) return false;
            LayerSelector? selector = peer.Consumers.FirstOrDefault(c => c.Producer.Id == trackId)?.Selector;
            if (selector is null) return false;
            bool paused = maxWidth == 0 && maxHeight == 0;
            selector.SetPaused(paused);
            if (!paused) selector.SetMaxResolution(maxWidth, maxHeight);
            return true;
        }
    }

    /// <summary>Removes a participant: its tracks leave every subscriber, its transport closes (close_notify).</summary>
    /// <returns>True when it had published tracks (the others' track lists changed).</returns>
    public bool RemovePeer(string participantId)
    {
        lock (_lock)
        {
            if (!_peers.TryRemove(participantId, out SfuPeer? peer)) return false;
            bool hadTracks = peer.Producers.Count > 0;
            foreach (Producer producer in peer.Producers) RemoveProducerLocked(producer);
            foreach (Consumer consumer in peer.Consumers.ToList()) RemoveConsumerLocked(consumer);
            peer.Close();
            if (peer.Handle is { } handle) _endpoint.Listener.Unregister(handle);
            _ice.Remove(peer);
            return hadTracks;
        }
    }

    /// <summary>Ends every peer.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _maintenance.Dispose();
        foreach (string id in _peers.Keys.ToList()) RemovePeer(id);
    }

    internal void OnPeerTransportClosed(SfuPeer peer, string reason) => PeerTransportClosed?.Invoke(peer, reason);

    internal void AddProducerLocked(SfuPeer peer, Producer producer)
    {
        peer.AddProducer(producer);
        if (producer.Source.IsAudio()) Speakers.AddSpeaker(peer.ParticipantId);
    }

    internal void RemoveProducerLocked(Producer producer)
    {
        foreach (Consumer consumer in producer.Consumers) RemoveConsumerLocked(consumer);
        producer.Peer.RemoveProducer(producer);
        if (producer.Source.IsAudio() && !producer.Peer.Producers.Any(p => p.Source.IsAudio())) Speakers.RemoveSpeaker(producer.Peer.ParticipantId);
    }

    internal void AddConsumerLocked(Consumer consumer)
    {
        Producer producer = consumer.Producer;
        BandwidthAllocator allocator = consumer.Subscriber.Allocator;
        if (producer.Source.IsAudio()) allocator.AudioConsumerCount++;
        else consumer.Selector = allocator.AddVideoConsumer(producer.Layers, producer.Source == TrackSource.Screen);
        consumer.Subscriber.AddConsumer(consumer);
        producer.AddConsumer(consumer);
        consumer.RequestKeyframe();                                     // every new subscriber starts on a keyframe
    }

    internal void RemoveConsumerLocked(Consumer consumer)
    {
        consumer.Producer.RemoveConsumer(consumer);
        consumer.Subscriber.RemoveConsumer(consumer);
        BandwidthAllocator allocator = consumer.Subscriber.Allocator;
        if (consumer.Selector is { } selector) allocator.RemoveVideoConsumer(selector);
        else allocator.AudioConsumerCount--;
    }

    internal Producer? FindProducer(string trackId) =>
        _peers.Values.SelectMany(p => p.Producers).FirstOrDefault(p => p.Id == trackId);

    /// <summary>The peer's ICE-lite registration and DTLS transport: created on the first offer; an offer with new
    /// ICE credentials restarts ICE (RFC 8445 §9) with new local ones, keeping DTLS.</summary>
    private PeerIce Connect(SfuPeer peer, WebRtcOffer remote, DtlsSetup answerSetup)
    {
        if (_ice.TryGetValue(peer, out PeerIce? known))
        {
            if (known.RemoteUfrag == remote.RemoteIce.Ufrag) return known;
            var restarted = new PeerIce(IceCredentials.Generate(), remote.RemoteIce.Ufrag);
            _endpoint.Listener.RestartPeer(peer.Handle!, restarted.Local, restarted.RemoteUfrag);
            _ice[peer] = restarted;
            return restarted;
        }
        var ice = new PeerIce(IceCredentials.Generate(), remote.RemoteIce.Ufrag);
        MediaPeerHandle handle = _endpoint.Listener.RegisterPeer(ice.Local, ice.RemoteUfrag, peer);
        DtlsRole role = answerSetup == DtlsSetup.Active ? DtlsRole.Client : DtlsRole.Server;
        MediaDatagramSender send = handle.Send;
        if (_endpoint.SendDecorator is { } decorate) send = decorate(peer.ParticipantId, send);
        var transport = new DtlsSrtpTransport(role, _endpoint.Certificate, remote.RemoteFingerprint, send, peer, _endpoint.DtlsOptions);
        peer.Attach(handle, transport);
        transport.Start();
        _ice[peer] = ice;
        return ice;
    }

    /// <summary>Timer tick. A tick that comes while the previous one still runs is skipped, so ticks never overlap
    /// and their events (dynacast above all: a late "nothing wanted" would pause a watched camera) keep their order.</summary>
    private void Maintain()
    {
        if (Interlocked.Exchange(ref _maintaining, 1) == 1) return;
        try
        {
            MaintainOnce();
        }
        finally
        {
            Volatile.Write(ref _maintaining, 0);
        }
    }

    private void MaintainOnce()
    {
        long now = _time.GetTimestamp();
        bool report = _time.GetElapsedTime(_lastReports, now) >= ReportInterval;
        if (report)
        {
            _lastReports = now;
            ulong ntp = NtpTime.From(_time.GetUtcNow());
            foreach (SfuPeer peer in _peers.Values) peer.SendReports(ntp, now);
        }
        List<(Producer Producer, IReadOnlyList<string> Rids)>? dynacast = null;
        lock (_lock)
        {
            if (_disposed) return;
            foreach (SfuPeer peer in _peers.Values)
            {
                foreach (Producer producer in peer.Producers) producer.Maintain(now);
            }
            foreach (SfuPeer peer in _peers.Values) peer.AllocateBandwidth(now);
            foreach (SfuPeer peer in _peers.Values)
            {
                foreach (Producer producer in peer.Producers)
                {
                    if (producer.TryTakeWantedLayersChange(out IReadOnlyList<string>? rids)) (dynacast ??= []).Add((producer, rids));
                }
            }
        }
        foreach ((Producer producer, IReadOnlyList<string> rids) in dynacast ?? []) WantedLayersChanged?.Invoke(producer, rids);
        DominantSpeakerResult<string> speaker = Speakers.Evaluate((long)_time.GetElapsedTime(0).TotalMilliseconds);
        if (speaker.Changed)
        {
            string? id = speaker.HasSpeaker ? speaker.SpeakerId : null;
            Volatile.Write(ref _dominantSpeaker, id);
            DominantSpeakerChanged?.Invoke(id);
        }
    }

    private sealed record PeerIce(IceCredentials Local, string RemoteUfrag);
}
