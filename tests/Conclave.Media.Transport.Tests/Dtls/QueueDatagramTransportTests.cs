using Conclave.Media.Transport.Dtls;

namespace Conclave.Media.Transport.Tests.Dtls;

public sealed class QueueDatagramTransportTests
{
    [Fact]
    public void Receive_returns_queued_datagrams_in_order_then_minus_one_on_timeout()
    {
        var transport = new QueueDatagramTransport(_ => { });
        Assert.True(transport.Enqueue([1, 2, 3]));
        Assert.True(transport.Enqueue([4]));
        byte[] buffer = new byte[16];
        Assert.Equal(3, transport.Receive(buffer, 2, 14, 1000));
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer[2..5]);
        Assert.Equal(1, transport.Receive(buffer, 0, 16, 1000));
        Assert.Equal(4, buffer[0]);
        Assert.Equal(-1, transport.Receive(buffer, 0, 16, 1));
    }

    [Fact]
    public void Bounds_are_checked_and_oversized_datagrams_dropped_not_truncated()
    {
        var transport = new QueueDatagramTransport(_ => { }, receiveLimit: 300, sendLimit: 300);
        byte[] buffer = new byte[8];
        Assert.Throws<ArgumentOutOfRangeException>(() => transport.Receive(buffer, 4, 8, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => transport.Receive(buffer, -1, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => transport.Send(buffer, 6, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => transport.Send(new byte[301], 0, 301));
        Assert.False(transport.Enqueue(new byte[301]));
        Assert.False(transport.Enqueue([]));
        Assert.True(transport.Enqueue(new byte[9]));           // longer than the receive buffer below
        Assert.True(transport.Enqueue([7]));
        Assert.Equal(1, transport.Receive(buffer, 0, 8, 1000));
        Assert.Equal(7, buffer[0]);
        Assert.Equal(3, transport.DroppedDatagrams);
        Assert.Equal(300, transport.GetReceiveLimit());
        Assert.Equal(300, transport.GetSendLimit());
    }

    [Fact]
    public void Queue_is_bounded()
    {
        var transport = new QueueDatagramTransport(_ => { });
        for (int i = 0; i < QueueDatagramTransport.MaxQueuedDatagrams; i++) Assert.True(transport.Enqueue([1]));
        Assert.False(transport.Enqueue([1]));
        Assert.Equal(1, transport.DroppedDatagrams);
    }

    [Fact]
    public async Task Close_releases_a_blocked_receiver_and_stops_sending()
    {
        int sent = 0;
        var transport = new QueueDatagramTransport(_ => Interlocked.Increment(ref sent));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int> receiver = Task.Factory.StartNew(() =>
        {
            started.SetResult();
            return transport.Receive(new byte[64], 0, 64, 0);   // 0 = wait forever
        }, TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        transport.Send([1, 2], 0, 2);
        transport.Close();
        await Assert.ThrowsAsync<IOException>(() => receiver.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        transport.Send([1, 2], 0, 2);
        Assert.Equal(1, sent);
        Assert.False(transport.Enqueue([1]));
        Assert.Throws<IOException>(() => transport.Receive(new byte[4], 0, 4, 1));
    }
}
