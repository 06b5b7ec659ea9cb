using System.Collections.Concurrent;
using Conclave.Media.Transport.Dtls;

namespace Conclave.MediaServer.Tests;

/// <summary>A client's media handler that queues what it receives, for tests to await.</summary>
internal sealed class RecordingHandler : IDtlsSrtpTransportHandler
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly BlockingCollection<byte[]> _rtp = new();
    private readonly BlockingCollection<byte[]> _rtcp = new();

    public TaskCompletionSource<(DtlsSrtpCloseReason Reason, string Detail)> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void OnConnected(DtlsSrtpTransport transport)
    {
    }

    public void OnRtp(DtlsSrtpTransport transport, Span<byte> packet) => _rtp.Add(packet.ToArray());

    public void OnRtcp(DtlsSrtpTransport transport, Span<byte> packet) => _rtcp.Add(packet.ToArray());

    public void OnClosed(DtlsSrtpTransport transport, DtlsSrtpCloseReason reason, string detail) => Closed.TrySetResult((reason, detail));

    public Task<byte[]> NextRtpAsync() => Take(_rtp);

    public Task<byte[]> NextRtcpAsync() => Take(_rtcp);

    private static Task<byte[]> Take(BlockingCollection<byte[]> queue) => Task.Run(() =>
    {
        using var timeout = new CancellationTokenSource(Patience);
        return queue.Take(timeout.Token);
    });
}
