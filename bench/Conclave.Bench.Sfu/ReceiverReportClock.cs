using System.Diagnostics;
using Conclave.Media.Transport.Rtcp;

namespace Conclave.Bench.Sfu;

/// <summary>Sends every subscriber's receiver reports once a second (RFC 3550 §6.4.2; browsers report about as often),
/// spread over the second so they do not all arrive together. One thread (<see cref="ThreadName"/>), one buffer.</summary>
internal sealed class ReceiverReportClock : IDisposable
{
    public const string ThreadName = "bench-rtcp";

    private static readonly long Interval = Stopwatch.Frequency;

    // Allocated by this
    private readonly SimulatedParticipant[] _subscribers;
    private readonly long[] _due;
    private readonly byte[] _buffer = new byte[1_500];
    private readonly ReportBlock[] _blocks = new ReportBlock[31];
    private readonly Thread _thread;
    private volatile bool _stopping;

    public ReceiverReportClock(IEnumerable<SimulatedParticipant> subscribers)
    {
        _subscribers = [.. subscribers.Where(s => s.Legs.Count > 0)];
        _due = new long[_subscribers.Length];
        _thread = new Thread(Run) { IsBackground = true, Name = ThreadName };
    }

    public void Start()
    {
        long now = Stopwatch.GetTimestamp();
        for (int i = 0; i < _due.Length; i++) _due[i] = now + Interval * i / Math.Max(1, _due.Length);
        _thread.Start();
    }

    public void Dispose()
    {
        _stopping = true;
        if (_thread.IsAlive) _thread.Join();
    }

    private void Run()
    {
        while (!_stopping)
        {
            long now = Stopwatch.GetTimestamp();
            for (int i = 0; i < _subscribers.Length; i++)
            {
                if (now < _due[i]) continue;
                _due[i] += Interval;
                _subscribers[i].SendReceiverReports(now, _buffer, _blocks);
            }
            Thread.Sleep(20);
        }
    }
}
