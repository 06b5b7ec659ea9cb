using Conclave.Media.Transport.Rtcp;
using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Tests.Bandwidth;

/// <summary>The per-packet and per-feedback paths allocate nothing once warm.</summary>
public class BandwidthAllocationGuardTests
{
    [Fact]
    public void Metering_estimating_allocating_and_throttling_do_not_allocate()
    {
        var clock = new ManualClock();
        var meters = new[] { new BitrateMeter(clock), new BitrateMeter(clock), new BitrateMeter(clock) };
        var estimator = new SubscriberBandwidthEstimator(clock);
        var camera = Layers.Camera();
        var allocator = new BandwidthAllocator(clock);
        allocator.AudioConsumerCount = 2;
        allocator.AddVideoConsumer(camera, isScreenShare: false);
        allocator.AddVideoConsumer(Layers.ScreenShare(), isScreenShare: true).SetMaxResolution(960, 540);
        var throttle = new KeyframeRequestThrottle(clock);
        var statuses = new TransportCcPacket[20];
        byte[] feedbackBuffer = new byte[1_500];
        byte[] report = RtcpFeedback.ReceiverReport((0xA, 1_000, 10));
        long step = clock.At(1) - clock.At(0);                           // 1 ms per round
        long now = clock.At(0);

        void Round()
        {
            now += step;
            for (int i = 0; i < meters.Length; i++) meters[i].OnPacket(1_200, now);
            camera.SetLayer(2, camera[2] with { Bitrate = meters[2].GetBitrate(now) + 1 });
            // 20 packets sent and reported each round, one in seven rounds with 4 lost (transport-cc, §3.1).
            bool lossy = (now / step) % 7 == 0;
            for (int i = 0; i < statuses.Length; i++)
            {
                ushort sequence = estimator.OnPacketSent(1_200, now);
                statuses[i] = lossy && i % 5 == 0 ? new(sequence, TransportCcStatus.NotReceived, 0) : new(sequence, TransportCcStatus.ReceivedSmallDelta, i == 0 ? 4 : 0);
            }
            var writer = new TransportCcWriter { BaseSequenceNumber = statuses[0].SequenceNumber, ReferenceTime = (int)(now / step / 64), Packets = statuses };
            writer.TryWrite(feedbackBuffer, out int feedbackLength);
            TransportCc.TryRead(feedbackBuffer.AsSpan(0, feedbackLength), out var feedback);
            estimator.OnTransportCc(feedback, now);
            ReceiverReport.TryRead(report, out var receiverReport);
            estimator.OnReceiverReport(receiverReport, now);
            estimator.OnReceiverEstimatedMaxBitrate(3_000_000);
            allocator.Allocate(estimator.Estimate, now);
            if (throttle.Request(now) || throttle.TryTake(now)) throttle.OnKeyframe();
        }

        for (int i = 0; i < 10_000; i++) Round();                         // warm-up: tiering, first dictionary entry
        // A per-call allocation shows in every window; the runtime's rare one-off allocations on this thread do not.
        var windows = new List<long>();
        for (int window = 0; window < 5; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++) Round();
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            if (windows[^1] == 0) break;
        }
        Assert.True(windows[^1] == 0, "bytes allocated per window of 10,000 rounds: " + string.Join(", ", windows));
    }
}
