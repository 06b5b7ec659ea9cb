using Conclave.Media.Transport.Sdp;
using Conclave.Sfu.Metrics;
using Conclave.Sfu.Routing;

namespace Conclave.Bench.Sfu;

/// <summary>Brings the participants into the call: offers and answers through <see cref="Router.Negotiate"/>, as the
/// server's signaling does, then ICE and DTLS on every connection.</summary>
internal sealed class CallSetup(BenchOptions options, Router router, List<SimulatedParticipant> participants)
{
    /// <summary>Publishers offer their microphone and camera first, so their tracks exist; then every receiving
    /// participant offers again (or for the first time) with one recvonly section per other track, as a browser
    /// renegotiates after a <c>tracks</c> event. The last answer of each is the one it connects with.</summary>
    public (NegotiationSummary, Dictionary<SimulatedParticipant, string>) Negotiate(LatencyHistogram endToEnd)
    {
        var answers = new Dictionary<SimulatedParticipant, string>();
        foreach (SimulatedParticipant publisher in participants.Where(p => p.Streams.Count > 0))
            answers[publisher] = Answer(publisher, publisher.CreateOffer([]), OfferSections.PublishRequests, []);

        var indexById = participants.ToDictionary(p => p.Id, p => p.Index);
        bool receives(SimulatedParticipant p) => options.Scenario == Scenario.Room || p.Streams.Count == 0;
        int rejected = 0, receivingSections = 0, transportCcReceiving = 0;
        foreach (SimulatedParticipant subscriber in participants.Where(receives))
        {
            List<Producer> tracks = [.. router.Producers.Where(t => t.Peer.ParticipantId != subscriber.Id)
                .OrderBy(t => indexById[t.Peer.ParticipantId]).ThenBy(t => t.Source.IsAudio() ? 0 : 1)];
            (IReadOnlyList<MediaDescription> sections, IReadOnlyList<SubscribeRequest> requests) =
                OfferSections.Subscribe(tracks, firstMid: subscriber.Streams.Count > 0 ? 2 : 0);
            string answer = Answer(subscriber, subscriber.CreateOffer(sections),
                subscriber.Streams.Count > 0 ? OfferSections.PublishRequests : [], requests);
            answers[subscriber] = answer;
            subscriber.ExpectLegs(SdpParser.Parse(answer),
                requests.Select((r, i) => (r.Mid, indexById[tracks[i].Peer.ParticipantId], tracks[i].Source.IsAudio())), endToEnd);
            rejected += requests.Count - subscriber.Legs.Count;
            foreach (MediaDescription section in SdpParser.Parse(answer).Media.Where(m => m.Port != 0 && requests.Any(r => r.Mid == m.Mid)))
            {
                receivingSections++;
                if (HasTransportCc(section, both: true)) transportCcReceiving++;
            }
        }

        MediaDescription? camera = participants.Where(p => p.Streams.Count > 0).Select(p => SdpParser.Parse(answers[p]))
            .Select(a => a.Media.FirstOrDefault(m => m.Mid == MediaProfile.VideoMid)).FirstOrDefault();
        var summary = new NegotiationSummary(
            camera?.Simulcast is { } simulcast && simulcast.Recv.Count == MediaProfile.Encodings.Length,
            camera is null ? [] : [.. camera.Extensions.Select(e => e.Uri)],
            participants.Sum(p => p.Legs.Count),
            rejected,
            receivingSections,
            transportCcReceiving,
            participants.Where(p => p.Streams.Count > 0).Sum(p => SdpParser.Parse(answers[p]).Media
                .Count(m => m.Mid is MediaProfile.AudioMid or MediaProfile.VideoMid && HasTransportCc(m, both: false))));
        return (summary, answers);
    }

    /// <summary>draft-holmer-rmcat-transport-wide-cc-extensions-01 §4: the answer's extmap of the transport-wide
    /// sequence number and its codec's <c>a=rtcp-fb:&lt;pt&gt; transport-cc</c>, both (or either).</summary>
    private static bool HasTransportCc(MediaDescription section, bool both)
    {
        bool extension = section.Extensions.Any(e => e.Uri == RtpHeaderExtension.TransportWideCcUri);
        bool feedback = section.Codecs.Any(c => c.Feedback.Any(f => f.Type == OfferSections.TransportCcFeedbackType));
        return both ? extension && feedback : extension || feedback;
    }

    private string Answer(SimulatedParticipant participant, string offer, IReadOnlyList<PublishRequest> publish,
        IReadOnlyList<SubscribeRequest> subscribe)
    {
        NegotiationResult result = router.Negotiate(participant.Id, offer, publish, subscribe);
        return result.AnswerSdp ?? throw new BenchException(
            $"the router refused the offer of {participant.Id}: {result.ErrorCode}: {result.ErrorMessage}");
    }

    /// <summary>ICE and DTLS of every participant at once, then the SFU's side of each: all within the timeout.</summary>
    public async Task ConnectAsync(Dictionary<SimulatedParticipant, string> answers, CancellationToken cancellationToken)
    {
        TimeSpan timeout = TimeSpan.FromSeconds(options.ConnectTimeoutSeconds);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        await Task.WhenAll(participants.Select(async p =>
        {
            try
            {
                await p.Connection.ConnectAsync(answers[p], deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new BenchException($"participant {p.Id} did not connect within {timeout.TotalSeconds:0} s: {e.GetType().Name}: {e.Message}");
            }
        })).ConfigureAwait(false);
        while (participants.FirstOrDefault(p => router.FindPeer(p.Id)?.IsConnected != true) is { } waiting)
        {
            if (deadline.IsCancellationRequested)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new BenchException($"the SFU's side of {waiting.Id} did not finish DTLS within {timeout.TotalSeconds:0} s");
            }
            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
