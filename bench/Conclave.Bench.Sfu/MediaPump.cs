using System.Diagnostics;
using Conclave.Media.Transport.Dtls;

namespace Conclave.Bench.Sfu;

/// <summary>The one thread that sends every publisher's packets: it wakes about every millisecond and sends what each
/// stream has due (a frame's packets back to back, as an unpaced encoder would). One thread, one set of buffers, so
/// the publishers' cost is easy to tell apart from the SFU's (thread name <see cref="ThreadName"/>).</summary>
internal sealed class MediaPump : IDisposable
{
    public const string ThreadName = "bench-pump";

    // Allocated by this
    private readonly (OutboundStream Stream, DtlsSrtpTransport Transport)[] _streams;
    private readonly PacketBuffers _buffers = new();
    private readonly Thread _thread;
    private volatile bool _stopping;

    public MediaPump(IEnumerable<SimulatedParticipant> publishers)
    {
        _streams = [.. publishers.SelectMany(p => p.Streams.Select(s => (s, p.Connection.Transport)))];
        _thread = new Thread(Run) { IsBackground = true, Name = ThreadName, Priority = ThreadPriority.AboveNormal };
    }

    public void Start()
    {
        long now = Stopwatch.GetTimestamp();
        foreach ((OutboundStream stream, _) in _streams) stream.Start(now, _buffers.Random);
        _thread.Start();
    }

    /// <summary>Stops sending and waits for the thread.</summary>
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
            foreach ((OutboundStream stream, DtlsSrtpTransport transport) in _streams) stream.SendDue(now, _buffers, transport);
            Thread.Sleep(1);
        }
    }
}
