using System.Buffers.Binary;
using Conclave.Media.Transport.Dtls;

namespace Conclave.Media.Transport.Tests.Dtls;

/// <summary>
/// What <see cref="QueueDatagramTransport.Enqueue"/> lets through to BouncyCastle: whole DTLS 1.2 records (RFC 6347
/// §4.1), epoch-0 content checked as plaintext, epoch-0 sequence numbers renumbered in arrival order.
/// </summary>
public sealed class QueueDatagramTransportFilterTests
{
    // Record headers (RFC 6347 §4.1): type | version | epoch | sequence_number | length.
    // Handshake headers (RFC 6347 §4.2.2): msg_type | length | message_seq | fragment_offset | fragment_length.
    private static string Fill(int bytes) => string.Concat(Enumerable.Repeat("A5", bytes));

    private static byte[] Hex(string spaced) => Convert.FromHexString(spaced.Replace(" ", "", StringComparison.Ordinal));

    public static TheoryData<string, string> WellFormed => new()
    {
        { "ClientHello in DTLS 1.0 (RFC 6347 §4.2.1)",     "16 FEFF 0000 000000000000 000E  01 000002 0000 000000 000002 AABB" },
        { "fatal alert in DTLS 1.0 before agreement",       "15 FEFF 0000 000000000000 0002  02 28" },
        { "close_notify warning",                           "15 FEFD 0000 000000000009 0002  01 00" },
        { "ServerHelloDone, an empty message",              "16 FEFD 0000 000000000003 000C  0E 000000 0003 000000 000000" },
        { "two fragments of one message in one record",     "16 FEFD 0000 000000000001 0020  0B 000008 0001 000000 000004 01020304  0B 000008 0001 000004 000004 05060708" },
        { "change_cipher_spec then a protected Finished",   "14 FEFD 0000 000000000005 0001  01  16 FEFD 0001 000000000000 0030 " + Fill(48) },
        { "protected record of exactly the GCM overhead",   "17 FEFD 0001 00000000000A 0018 " + Fill(24) },
    };

    public static TheoryData<string, string> Malformed => new()
    {
        { "shorter than a record header",                   "16 FEFD 0000 000000000000 00" },
        { "length runs past the datagram",                  "15 FEFD 0000 000000000000 0003  02 28" },
        { "trailing byte after a record",                   "15 FEFD 0000 000000000000 0002  02 28  00" },
        { "good record then a bad one",                     "15 FEFD 0000 000000000000 0002  02 28  17 FEFD 0000 000000000001 0001  00" },
        { "heartbeat, never negotiated (RFC 6520)",         "18 FEFD 0001 000000000000 0018 " + Fill(24) },
        { "connection ID, never negotiated (RFC 9146)",     "19 FEFD 0001 000000000000 0018 " + Fill(24) },
        { "DTLS 1.3 unified header (RFC 9147 §4)",          "2C 1234 0018 " + Fill(24) },
        { "TLS 1.2 record version",                         "16 0303 0000 000000000000 000E  01 000002 0000 000000 000002 AABB" },
        { "DTLS version {254, 252}",                        "16 FEFC 0000 000000000000 000E  01 000002 0000 000000 000002 AABB" },
        { "application data at epoch 0 (RFC 5246 §6.1)",    "17 FEFD 0000 000000000000 0004  01020304" },
        { "change_cipher_spec of value 2 (RFC 5246 §7.1)",  "14 FEFD 0000 000000000000 0001  02" },
        { "change_cipher_spec of two bytes",                "14 FEFD 0000 000000000000 0002  0101" },
        { "alert of three bytes (RFC 5246 §7.2)",           "15 FEFD 0000 000000000000 0003  02 28 00" },
        { "alert of level 3",                               "15 FEFD 0000 000000000000 0002  03 28" },
        { "empty handshake record (RFC 5246 §6.2.1)",       "16 FEFD 0000 000000000000 0000" },
        { "handshake header cut short",                     "16 FEFD 0000 000000000000 0004  01 000002" },
        { "fragment longer than its record",                "16 FEFD 0000 000000000000 000E  01 000010 0000 000000 000010 AABB" },
        { "fragment beyond its message (RFC 6347 §4.2.3)",  "16 FEFD 0000 000000000000 000E  01 000002 0000 000001 000002 AABB" },
        { "ServerHello in DTLS 1.0",                        "16 FEFF 0000 000000000000 000E  02 000002 0000 000000 000002 AABB" },
        { "change_cipher_spec in DTLS 1.0",                 "14 FEFF 0000 000000000000 0001  01" },
        { "DTLS 1.0 at epoch 1",                            "17 FEFF 0001 000000000000 0018 " + Fill(24) },
        { "protected record under the GCM overhead",        "17 FEFD 0001 000000000000 0017 " + Fill(23) },
    };

    [Theory]
    [MemberData(nameof(WellFormed))]
    public void Well_formed_records_are_queued(string name, string hex)
    {
        Assert.NotEmpty(name);
        byte[] datagram = Hex(hex);
        var transport = new QueueDatagramTransport(_ => { });
        Assert.True(transport.Enqueue(datagram));
        byte[] received = new byte[QueueDatagramTransport.DefaultReceiveLimit];
        Assert.Equal(datagram.Length, transport.Receive(received, 0, received.Length, 1000));
        Assert.Equal(0, transport.DroppedDatagrams);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_records_are_dropped_and_counted(string name, string hex)
    {
        Assert.NotEmpty(name);
        var transport = new QueueDatagramTransport(_ => { });
        Assert.False(transport.Enqueue(Hex(hex)));
        Assert.Equal(1, transport.MalformedDatagrams);
        Assert.Equal(1, transport.DroppedDatagrams);
        Assert.Equal(-1, transport.Receive(new byte[64], 0, 64, 1));
    }

    [Fact]
    public void Epoch_0_records_are_renumbered_in_arrival_order_and_later_epochs_left_alone()
    {
        byte[] first = Hex("15 FEFD 0000 FFFFFFFFFFFF 0002  01 00  17 FEFD 0001 000000000007 0018 " + Fill(24));
        byte[] second = Hex("16 FEFD 0000 000000000042 000C  0E 000000 0003 000000 000000");
        var transport = new QueueDatagramTransport(_ => { });
        Assert.True(transport.Enqueue(first));
        Assert.True(transport.Enqueue(second));

        byte[] buffer = new byte[QueueDatagramTransport.DefaultReceiveLimit];
        Assert.Equal(first.Length, transport.Receive(buffer, 0, buffer.Length, 1000));
        Assert.Equal(0UL, Sequence(buffer, 0));
        Assert.Equal(7UL, Sequence(buffer, 15));                    // epoch 1: authenticated by BouncyCastle, untouched
        Assert.Equal(first.AsSpan(11).ToArray(), buffer[11..first.Length]);
        Assert.Equal(second.Length, transport.Receive(buffer, 0, buffer.Length, 1000));
        Assert.Equal(1UL, Sequence(buffer, 0));
        Assert.Equal(second.AsSpan(11).ToArray(), buffer[11..second.Length]);
    }

    [Fact]
    public void Queue_of_well_formed_records_is_bounded()
    {
        byte[] alert = Hex("15 FEFD 0000 000000000000 0002  01 00");
        var transport = new QueueDatagramTransport(_ => { });
        for (int i = 0; i < QueueDatagramTransport.MaxQueuedDatagrams; i++) Assert.True(transport.Enqueue(alert));
        Assert.False(transport.Enqueue(alert));
        Assert.Equal(1, transport.DroppedDatagrams);
        Assert.Equal(0, transport.MalformedDatagrams);
    }

    [Fact]
    public void Dropping_a_malformed_datagram_does_not_allocate()
    {
        byte[] forged = Hex("17 FEFD 0000 000000000000 0004  01020304");
        var transport = new QueueDatagramTransport(_ => { });
        for (int i = 0; i < 1000; i++) transport.Enqueue(forged);        // warm-up (tiering)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) transport.Enqueue(forged);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(11_000, transport.MalformedDatagrams);
    }

    private static ulong Sequence(byte[] datagram, int record) =>
        (ulong)BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(record + 5)) << 32 | BinaryPrimitives.ReadUInt32BigEndian(datagram.AsSpan(record + 7));
}
