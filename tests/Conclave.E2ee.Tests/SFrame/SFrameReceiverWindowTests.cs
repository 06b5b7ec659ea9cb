using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Tests.SFrame;

/// <summary>
/// The receiver's key store (RFC 9605 §4.4.1): keys by KID, a bounded window of older epochs per sender (§5.1:
/// old keys "should be deleted promptly"), and §5.2's rule that a new epoch with the same low-order bits replaces
/// the old one.
/// </summary>
public sealed class SFrameReceiverWindowTests
{
    private static byte[] FrameFor(SFrameKeyId keyId, int seed)
    {
        using var sender = new SFrameSender();
        sender.SetKey(keyId, SFrameTestKeys.BaseKey(seed));
        return SFrameTestKeys.Encrypt(sender, new byte[16]);
    }

    private static SFrameStatus Decrypt(SFrameReceiver receiver, byte[] frame) => receiver.Decrypt(frame, [], new byte[frame.Length], out _);

    [Fact]
    public void The_default_window_keeps_two_older_epochs_and_evicts_the_oldest()
    {
        using var receiver = new SFrameReceiver();
        Assert.Equal(SFrameReceiver.DefaultRetainedEpochs, receiver.RetainedEpochs);
        SFrameKeyId first = SFrameKeyId.Create(7, 0);
        byte[][] frames = new byte[5][];
        SFrameKeyId id = first;
        for (int epoch = 0; epoch < 5; epoch++, id = id.NextEpoch())
        {
            receiver.AddKey(id, SFrameTestKeys.BaseKey(epoch));
            frames[epoch] = FrameFor(id, epoch);
        }

        Assert.Equal(3, receiver.KeyCount);
        Assert.Equal(SFrameStatus.UnknownKey, Decrypt(receiver, frames[0]));
        Assert.Equal(SFrameStatus.UnknownKey, Decrypt(receiver, frames[1]));
        for (int epoch = 2; epoch < 5; epoch++) Assert.Equal(SFrameStatus.Ok, Decrypt(receiver, frames[epoch]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    public void The_window_size_is_configurable(int retained)
    {
        using var receiver = new SFrameReceiver(SFrameCipherSuite.Aes128GcmSha256_128, retained);
        SFrameKeyId id = SFrameKeyId.Create(1, 0);
        for (int epoch = 0; epoch < 10; epoch++, id = id.NextEpoch()) receiver.AddKey(id, SFrameTestKeys.BaseKey(epoch));

        Assert.Equal(retained + 1, receiver.KeyCount);
        Assert.True(receiver.ContainsKey(SFrameKeyId.Create(1, 9)));
        Assert.Equal(retained > 0, receiver.ContainsKey(SFrameKeyId.Create(1, 8)));
        Assert.False(receiver.ContainsKey(SFrameKeyId.Create(1, (ulong)(9 - retained - 1))));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(SFrameReceiver.MaxRetainedEpochs + 1)]
    public void A_window_that_could_span_every_epoch_is_refused(int retained) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SFrameReceiver(SFrameCipherSuite.Aes128GcmSha256_128, retained));

    [Fact]
    public void Each_sender_has_its_own_window()
    {
        using var receiver = new SFrameReceiver();
        receiver.AddKey(SFrameKeyId.Create(1, 0), SFrameTestKeys.BaseKey(10));
        byte[] quiet = FrameFor(SFrameKeyId.Create(1, 0), 10);
        SFrameKeyId busy = SFrameKeyId.Create(2, 0);
        for (int epoch = 0; epoch < 20; epoch++, busy = busy.NextEpoch()) receiver.AddKey(busy, SFrameTestKeys.BaseKey(epoch));

        Assert.Equal(SFrameStatus.Ok, Decrypt(receiver, quiet));     // sender 2's rekeys do not evict sender 1
        Assert.Equal(4, receiver.KeyCount);
    }

    [Fact]
    public void Wrapped_epochs_never_meet_a_key_still_held()
    {
        using var receiver = new SFrameReceiver();
        SFrameKeyId id = SFrameKeyId.Create(3, 0);
        for (int epoch = 0; epoch < 600; epoch++, id = id.NextEpoch())
        {
            receiver.AddKey(id, SFrameTestKeys.BaseKey(epoch));
            Assert.Equal(SFrameStatus.Ok, Decrypt(receiver, FrameFor(id, epoch)));
            Assert.Equal(Math.Min(epoch + 1, 3), receiver.KeyCount);
        }
    }

    [Fact]
    public void A_new_key_for_a_held_kid_replaces_the_old_one()
    {
        // RFC 9605 §5.2: "receivers MUST remove an old epoch when a new epoch with the same low-order E bits is
        // introduced". The replacement becomes the sender's newest key.
        using var receiver = new SFrameReceiver();
        SFrameKeyId e0 = SFrameKeyId.Create(3, 0), e1 = e0.NextEpoch(), e2 = e1.NextEpoch();
        receiver.AddKey(e0, SFrameTestKeys.BaseKey(100));
        receiver.AddKey(e1, SFrameTestKeys.BaseKey(101));
        receiver.AddKey(e2, SFrameTestKeys.BaseKey(102));

        receiver.AddKey(e0, SFrameTestKeys.BaseKey(356));            // epoch 256 arriving early

        Assert.Equal(3, receiver.KeyCount);
        Assert.Equal(SFrameStatus.AuthenticationFailed, Decrypt(receiver, FrameFor(e0, 100)));
        Assert.Equal(SFrameStatus.Ok, Decrypt(receiver, FrameFor(e0, 356)));

        receiver.AddKey(e2.NextEpoch(), SFrameTestKeys.BaseKey(103));
        Assert.False(receiver.ContainsKey(e1));                      // e1 was now the oldest, not the replaced e0
        Assert.True(receiver.ContainsKey(e2));
        Assert.True(receiver.ContainsKey(e0));
    }

    [Fact]
    public void Keys_and_senders_can_be_removed()
    {
        using var receiver = new SFrameReceiver();
        receiver.AddKey(SFrameKeyId.Create(1, 0), SFrameTestKeys.BaseKey(1));
        receiver.AddKey(SFrameKeyId.Create(1, 1), SFrameTestKeys.BaseKey(2));
        receiver.AddKey(SFrameKeyId.Create(2, 0), SFrameTestKeys.BaseKey(3));
        byte[] frame = FrameFor(SFrameKeyId.Create(2, 0), 3);

        Assert.True(receiver.RemoveKey(SFrameKeyId.Create(1, 0)));
        Assert.False(receiver.RemoveKey(SFrameKeyId.Create(1, 0)));
        Assert.Equal(1, receiver.RemoveSender(1));
        Assert.Equal(0, receiver.RemoveSender(1));
        Assert.Equal(1, receiver.KeyCount);
        Assert.Equal(SFrameStatus.Ok, Decrypt(receiver, frame));

        receiver.Dispose();
        Assert.Equal(0, receiver.KeyCount);
        Assert.Equal(SFrameStatus.UnknownKey, Decrypt(receiver, frame));
    }

    [Fact]
    public void An_unknown_key_reports_the_kid_so_the_frame_can_wait_for_it()
    {
        // RFC 9605 §4.4.4: with no key for the KID the client MAY buffer the frame and retry when the key arrives.
        using var receiver = new SFrameReceiver();
        SFrameKeyId keyId = SFrameKeyId.Create(11, 4);
        byte[] frame = FrameFor(keyId, 4);

        Assert.Equal(SFrameStatus.UnknownKey, receiver.Decrypt(frame, [], new byte[frame.Length], out _, out SFrameHeader header));
        Assert.Equal(keyId, new SFrameKeyId(header.KeyId));

        receiver.AddKey(keyId, SFrameTestKeys.BaseKey(4));
        Assert.Equal(SFrameStatus.Ok, Decrypt(receiver, frame));
    }
}
