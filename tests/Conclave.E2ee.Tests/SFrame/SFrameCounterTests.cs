using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Tests.SFrame;

/// <summary>
/// The sender's CTR (RFC 9605 §4.4.1: initially 0, incremented after each encryption) never repeats for a key,
/// and an exhausted key is refused (§7.4: never encrypt twice with the same key and nonce).
/// </summary>
public sealed class SFrameCounterTests
{
    public static TheoryData<SFrameCipherSuite> Suites => SFrameTestKeys.AllSuites;

    [Theory]
    [MemberData(nameof(Suites))]
    public void Counters_start_at_zero_and_never_repeat(SFrameCipherSuite suite)
    {
        using var sender = new SFrameSender(suite);
        sender.SetKey(SFrameKeyId.Create(4, 0), SFrameTestKeys.BaseKey());
        var seen = new HashSet<ulong>();
        byte[] buffer = new byte[64];

        for (ulong expected = 0; expected < 3_000; expected++)
        {
            Assert.Equal(expected, sender.NextCounter);
            Assert.Equal(SFrameStatus.Ok, sender.Encrypt(new byte[8], [], buffer, out int written));
            Assert.Equal(SFrameHeaderStatus.Ok, SFrameHeader.TryRead(buffer.AsSpan(0, written), out SFrameHeader header, out _));
            Assert.Equal(expected, header.Counter);
            Assert.True(seen.Add(header.Counter));
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void The_last_counter_is_used_once_then_the_key_is_refused(SFrameCipherSuite suite)
    {
        SFrameKeyId keyId = SFrameKeyId.Create(4, 0);
        var (sender, receiver) = SFrameTestKeys.Pair(suite, keyId);
        using (sender)
        using (receiver)
        {
            sender.SetKey(keyId.NextEpoch(), SFrameTestKeys.BaseKey(), firstCounter: ulong.MaxValue - 1);
            receiver.AddKey(keyId.NextEpoch(), SFrameTestKeys.BaseKey());
            byte[] buffer = new byte[100], plaintext = new byte[100];

            foreach (ulong expected in new[] { ulong.MaxValue - 1, ulong.MaxValue })
            {
                Assert.Equal(SFrameStatus.Ok, sender.Encrypt(new byte[10], [], buffer, out int written));
                Assert.Equal(SFrameStatus.Ok, receiver.Decrypt(buffer.AsSpan(0, written), [], plaintext, out _, out SFrameHeader header));
                Assert.Equal(expected, header.Counter);
            }

            Assert.True(sender.IsExhausted);
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(SFrameStatus.CounterExhausted, sender.Encrypt(new byte[10], [], buffer, out int written));
                Assert.Equal(0, written);
            }

            // A new key brings a fresh counter space.
            sender.SetKey(keyId.NextEpoch().NextEpoch(), SFrameTestKeys.BaseKey(3));
            Assert.False(sender.IsExhausted);
            Assert.Equal(SFrameStatus.Ok, sender.Encrypt(new byte[10], [], buffer, out _));
        }
    }

    [Fact]
    public void Installing_the_current_kid_again_is_refused()
    {
        using var sender = new SFrameSender();
        SFrameKeyId keyId = SFrameKeyId.Create(1, 1);
        sender.SetKey(keyId, SFrameTestKeys.BaseKey(1));
        SFrameTestKeys.Encrypt(sender, new byte[4]);

        // Restarting KID 1/1 at CTR 0 could repeat a nonce (§7.4), with either the same or another base key.
        Assert.Throws<InvalidOperationException>(() => sender.SetKey(keyId, SFrameTestKeys.BaseKey(1)));
        Assert.Throws<InvalidOperationException>(() => sender.SetKey(keyId, SFrameTestKeys.BaseKey(2)));

        Assert.Equal((keyId, 1UL), (sender.KeyId, sender.NextCounter));
    }

    [Fact]
    public void A_new_key_restarts_the_counter_under_its_own_kid()
    {
        using var sender = new SFrameSender();
        SFrameKeyId keyId = SFrameKeyId.Create(1, 1);
        sender.SetKey(keyId, SFrameTestKeys.BaseKey(1));
        for (int i = 0; i < 5; i++) SFrameTestKeys.Encrypt(sender, new byte[4]);

        sender.SetKey(keyId.NextEpoch(), SFrameTestKeys.BaseKey(2));

        Assert.Equal((keyId.NextEpoch(), 0UL), (sender.KeyId, sender.NextCounter));
    }

    [Fact]
    public void Without_a_key_nothing_is_encrypted()
    {
        using var sender = new SFrameSender();
        Assert.False(sender.HasKey);
        Assert.Equal(SFrameStatus.NoKey, sender.Encrypt(new byte[4], [], new byte[64], out int written));
        Assert.Equal(0, written);

        sender.SetKey(SFrameKeyId.Create(1, 1), SFrameTestKeys.BaseKey());
        sender.Dispose();
        Assert.Equal(SFrameStatus.NoKey, sender.Encrypt(new byte[4], [], new byte[64], out _));
        Assert.Throws<ArgumentException>(() => sender.SetKey(SFrameKeyId.Create(1, 2), []));
    }

    [Fact]
    public void Concurrent_threads_never_share_a_counter()
    {
        using var sender = new SFrameSender(SFrameCipherSuite.Aes128CtrHmacSha256_32);
        sender.SetKey(SFrameKeyId.Create(1, 1), SFrameTestKeys.BaseKey());
        const int Threads = 4, PerThread = 2_000;
        var counters = new ulong[Threads * PerThread];

        Parallel.For(0, Threads, t =>
        {
            byte[] buffer = new byte[64];
            for (int i = 0; i < PerThread; i++)
            {
                if (sender.Encrypt(new byte[8], [], buffer, out int written) != SFrameStatus.Ok) throw new InvalidOperationException();
                SFrameHeader.TryRead(buffer.AsSpan(0, written), out SFrameHeader header, out _);
                counters[t * PerThread + i] = header.Counter;
            }
        });

        Assert.Equal(counters.Length, new HashSet<ulong>(counters).Count);
        Assert.Equal((ulong)counters.Length, sender.NextCounter);
    }
}
