using Conclave.Media.Transport.Dtls;

namespace Conclave.Media.Transport.Tests.Dtls;

public sealed class QueueDatagramTransportTests
{
    // A DTLS 1.2 application_data record of epoch 1 (RFC 6347 §4.1) with the 24-byte AES-GCM minimum (RFC 5288 §3),
    // filled with `marker`: Enqueue queues it unchanged (only epoch-0 records are renumbered).
    private static byte[] Record(byte marker, int fragment = 24)
    {
        byte[] record = new byte[13 + fragment];
        record.AsSpan(13).Fill(marker);
        record[0] = 23; record[1] = 0xFE; record[2] = 0xFD; record[4] = 1;
        record[11] = (byte)(fragment >> 8); record[12] = (byte)fragment;
        return record;
    }

    [Fact]
    public void Receive_returns_queued_datagrams_in_order_then_minus_one_on_timeout()
    {
        var transport = new QueueDatagramTransport(_ => { });
        byte[] first = Record(1), second = Record(4, 30);
        Assert.True(transport.Enqueue(first));
        Assert.True(transport.Enqueue(second));
        byte[] buffer = new byte[64];
        Assert.Equal(first.Length, transport.Receive(buffer, 2, 62, 1000));
        Assert.Equal(first, buffer[2..(2 + first.Length)]);
        Assert.Equal(second.Length, transport.Receive(buffer, 0, 64, 1000));
        Assert.Equal(second, buffer[..second.Length]);
        Assert.Equal(-1, transport.Receive(buffer, 0, 64, 1));
    }

    [Fact]
    public void Bounds_are_checked_and_oversized_datagrams_dropped_not_truncated()
    {
        var transport = new QueueDatagramTransport(_ => { }, receiveLimit: 300, sendLimit: 300);
        byte[] buffer = new byte[40];
        Assert.Throws<ArgumentOutOfRangeException>(() => transport.Receive(buffer, 36, 8, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => transport.Receive(buffer, -1, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => transport.Send(buffer, 38, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => transport.Send(new byte[301], 0, 301));
        Assert.False(transport.Enqueue(Record(0, 301 - 13)));
        Assert.False(transport.Enqueue([]));
        Assert.True(transport.Enqueue(Record(9, 28)));         // longer than the receive buffer below
        Assert.True(transport.Enqueue(Record(7)));
        Assert.Equal(37, transport.Receive(buffer, 0, 40, 1000));
        Assert.Equal(7, buffer[13]);
        Assert.Equal(3, transport.DroppedDatagrams);
        Assert.Equal(0, transport.MalformedDatagrams);
        Assert.Equal(300, transport.GetReceiveLimit());
        Assert.Equal(300, transport.GetSendLimit());
    }

    [Fact]
    public void Queue_is_bounded()
    {
        var transport = new QueueDatagramTransport(_ => { });
        byte[] record = Record(1);
        for (int i = 0; i < QueueDatagramTransport.MaxQueuedDatagrams; i++) Assert.True(transport.Enqueue(record));
        Assert.False(transport.Enqueue(record));
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
        Assert.False(transport.Enqueue(Record(1)));
        Assert.Throws<IOException>(() => transport.Receive(new byte[4], 0, 4, 1));
    }
}
