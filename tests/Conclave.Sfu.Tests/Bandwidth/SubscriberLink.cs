using Conclave.Media.Transport.Rtcp;
using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Tests.Bandwidth;

/// <summary>Plays the path from the SFU to one subscriber for estimator tests: packets are sent through the
/// estimator (which numbers them, draft-holmer-rmcat-transport-wide-cc-extensions-01 §2), arrive when the test says
/// or never, and come back as the subscriber's transport-cc feedback (§3.1), written with the transport's writer.</summary>
internal sealed class SubscriberLink(SubscriberBandwidthEstimator estimator, ManualClock clock)
{
    private readonly List<(ushort Sequence, double? ArrivalMs)> _unreported = [];
    private byte _feedbackCount;

    /// <summary>Sends a packet of <paramref name="bytes"/> at <paramref name="sentMs"/>; it arrives at
    /// <paramref name="arrivalMs"/> by the subscriber's clock, or is lost (null). Returns its transport-wide number.</summary>
    public ushort Send(double sentMs, double? arrivalMs, int bytes = 1_200)
    {
        ushort sequence = estimator.OnPacketSent(bytes, clock.At(sentMs));
        _unreported.Add((sequence, arrivalMs));
        return sequence;
    }

    /// <summary>Reports every packet sent since the previous feedback, handled at <paramref name="atMs"/>.</summary>
    public void Feedback(double atMs)
    {
        byte[] bytes = Write(_unreported);
        _unreported.Clear();
        Assert.Equal(RtcpParseStatus.Ok, TransportCc.TryRead(bytes, out TransportCc feedback));
        estimator.OnTransportCc(feedback, clock.At(atMs));
    }

    /// <summary>Reports <paramref name="packets"/> as given (numbers must be consecutive), handled at <paramref name="atMs"/>.</summary>
    public void Feedback(double atMs, IReadOnlyList<(ushort Sequence, double? ArrivalMs)> packets)
    {
        Assert.Equal(RtcpParseStatus.Ok, TransportCc.TryRead(Write(packets), out TransportCc feedback));
        estimator.OnTransportCc(feedback, clock.At(atMs));
    }

    /// <summary>Sends <paramref name="received"/> packets that arrive after 10 ms, then <paramref name="lost"/> that do
    /// not, all at <paramref name="ms"/>, and reports them at once: loss without any change in delay.</summary>
    public void Exchange(double ms, int received, int lost)
    {
        for (int i = 0; i < received; i++) Send(ms, ms + 10);
        for (int i = 0; i < lost; i++) Send(ms, null);
        Feedback(ms);
    }

    // §3.1: the reference time counts 64 ms; each arrival is a delta in 250 µs from the previous one (the first from
    // the reference time), one byte when it fits in 0–63.75 ms, else two, signed.
    private byte[] Write(IReadOnlyList<(ushort Sequence, double? ArrivalMs)> packets)
    {
        double first = packets.FirstOrDefault(p => p.ArrivalMs is not null).ArrivalMs ?? 0;
        int reference = (int)Math.Floor(first / 64);
        double previous = reference * 64.0;
        var statuses = new TransportCcPacket[packets.Count];
        for (int i = 0; i < packets.Count; i++)
        {
            if (packets[i].ArrivalMs is not double arrival)
            {
                statuses[i] = new(packets[i].Sequence, TransportCcStatus.NotReceived, 0);
                continue;
            }
            int delta = (int)Math.Round((arrival - previous) * 4);
            previous += delta / 4.0;
            statuses[i] = new(packets[i].Sequence, delta is >= 0 and <= 255 ? TransportCcStatus.ReceivedSmallDelta : TransportCcStatus.ReceivedLargeDelta, delta);
        }
        var writer = new TransportCcWriter
        {
            SenderSsrc = 1, MediaSsrc = 2, BaseSequenceNumber = packets[0].Sequence, ReferenceTime = reference,
            FeedbackPacketCount = _feedbackCount++, Packets = statuses,
        };
        var buffer = new byte[writer.GetWrittenLength()];
        Assert.True(writer.TryWrite(buffer, out _));
        return buffer;
    }
}
