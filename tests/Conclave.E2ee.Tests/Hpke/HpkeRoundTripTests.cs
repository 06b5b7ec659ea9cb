using Conclave.E2ee.Hpke;

namespace Conclave.E2ee.Tests.Hpke;

/// <summary>Seal then Open with freshly generated keys, for every implemented suite (RFC 9180 §5.1.1, §5.2, §5.3, §6.1).</summary>
public sealed class HpkeRoundTripTests
{
    public static TheoryData<HpkeKemId, HpkeKdfId, HpkeAeadId> Suites => HpkeTestKeys.AllSuites;

    public static TheoryData<HpkeKemId> Kems => HpkeTestKeys.Kems;

    [Theory]
    [MemberData(nameof(Suites))]
    public void A_wrapped_base_key_unwraps(HpkeKemId kem, HpkeKdfId kdf, HpkeAeadId aead)
    {
        var suite = new HpkeSuite(kem, kdf, aead);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(kem);
        byte[] baseKey = HpkeTestKeys.BaseKey();

        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(suite, recipient.PublicKey, HpkeTestKeys.Info, HpkeTestKeys.Aad, baseKey, out byte[] enc, out byte[] ct));
        Assert.Equal(suite.EncapsulatedKeyLength, enc.Length);
        Assert.Equal(suite.GetCiphertextLength(baseKey.Length), ct.Length);

        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Open(suite, recipient, enc, HpkeTestKeys.Info, HpkeTestKeys.Aad, ct, out byte[] opened));
        Assert.Equal(baseKey, opened);
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void Each_seal_uses_a_fresh_encapsulation(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(kem);

        var (enc1, ct1) = HpkeTestKeys.Seal(suite, recipient, HpkeTestKeys.BaseKey());
        var (enc2, ct2) = HpkeTestKeys.Seal(suite, recipient, HpkeTestKeys.BaseKey());

        Assert.NotEqual(enc1, enc2);
        Assert.NotEqual(ct1, ct2);
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void One_base_key_wraps_to_many_devices(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        HpkeKeyPair[] devices = [HpkeKeyPair.Generate(kem), HpkeKeyPair.Generate(kem), HpkeKeyPair.Generate(kem)];
        byte[] baseKey = HpkeTestKeys.BaseKey(9);
        try
        {
            var wrapped = new List<(byte[] Enc, byte[] Ct)>();
            foreach (HpkeKeyPair device in devices) wrapped.Add(HpkeTestKeys.Seal(suite, device, baseKey));

            for (int i = 0; i < devices.Length; i++)
                for (int j = 0; j < devices.Length; j++)
                {
                    HpkeStatus status = HpkeBaseMode.Open(suite, devices[i], wrapped[j].Enc, HpkeTestKeys.Info, HpkeTestKeys.Aad, wrapped[j].Ct, out byte[] opened);
                    Assert.Equal(i == j ? HpkeStatus.Ok : HpkeStatus.AuthenticationFailed, status);
                    if (i == j) Assert.Equal(baseKey, opened);
                }
        }
        finally
        {
            foreach (HpkeKeyPair device in devices) device.Dispose();
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Contexts_carry_a_sequence_of_messages_and_agree_on_exports(HpkeKemId kem, HpkeKdfId kdf, HpkeAeadId aead)
    {
        var suite = new HpkeSuite(kem, kdf, aead);
        using HpkeKeyPair recipientKey = HpkeKeyPair.Generate(kem);
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.SetupSender(suite, recipientKey.PublicKey, HpkeTestKeys.Info, out byte[] enc, out HpkeSenderContext? s));
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.SetupRecipient(suite, recipientKey, enc, HpkeTestKeys.Info, out HpkeRecipientContext? r));
        using HpkeSenderContext sender = s!;
        using HpkeRecipientContext recipient = r!;

        for (int i = 0; i < 20; i++)
        {
            byte[] pt = HpkeTestKeys.Bytes(i * 7, i), ct = new byte[pt.Length + 16], opened = new byte[pt.Length];
            byte[] aad = [(byte)i];
            Assert.Equal(HpkeStatus.Ok, sender.Seal(aad, pt, ct, out int sealedLength));
            Assert.Equal(HpkeStatus.Ok, recipient.Open(aad, ct.AsSpan(0, sealedLength), opened, out int openedLength));
            Assert.Equal(pt, opened[..openedLength]);
        }
        Assert.Equal(20UL, sender.SequenceNumber);
        Assert.Equal(20UL, recipient.SequenceNumber);

        byte[] fromSender = new byte[48], fromRecipient = new byte[48], other = new byte[48];
        Assert.Equal(HpkeStatus.Ok, sender.Export("sframe base key"u8, fromSender));
        Assert.Equal(HpkeStatus.Ok, recipient.Export("sframe base key"u8, fromRecipient));
        Assert.Equal(HpkeStatus.Ok, recipient.Export("something else"u8, other));
        Assert.Equal(fromSender, fromRecipient);
        Assert.NotEqual(fromSender, other);
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void Seal_and_Open_work_in_place(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        using HpkeKeyPair recipientKey = HpkeKeyPair.Generate(kem);
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.SetupSender(suite, recipientKey.PublicKey, [], out byte[] enc, out HpkeSenderContext? s));
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.SetupRecipient(suite, recipientKey, enc, [], out HpkeRecipientContext? r));
        using HpkeSenderContext sender = s!;
        using HpkeRecipientContext recipient = r!;
        byte[] pt = HpkeTestKeys.Bytes(40, 3);
        byte[] buffer = new byte[56];
        pt.CopyTo(buffer, 0);

        Assert.Equal(HpkeStatus.Ok, sender.Seal([], buffer.AsSpan(0, 40), buffer, out int written));
        Assert.Equal(56, written);
        Assert.Equal(HpkeStatus.Ok, recipient.Open([], buffer, buffer, out written));
        Assert.Equal(pt, buffer[..written]);
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void Empty_and_large_plaintexts_round_trip(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        using HpkeKeyPair recipient = HpkeKeyPair.Generate(kem);
        foreach (byte[] pt in new[] { Array.Empty<byte>(), HpkeTestKeys.Bytes(100_000, 5) })
        {
            var (enc, ct) = HpkeTestKeys.Seal(suite, recipient, pt);
            Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Open(suite, recipient, enc, HpkeTestKeys.Info, HpkeTestKeys.Aad, ct, out byte[] opened));
            Assert.Equal(pt, opened);
        }
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void A_stored_and_reloaded_device_key_still_opens(HpkeKemId kem)
    {
        HpkeSuite suite = HpkeTestKeys.ConclaveSuite(kem);
        byte[] stored;
        byte[] enc, ct;
        using (HpkeKeyPair original = HpkeKeyPair.Generate(kem))
        {
            stored = original.ExportPrivateKey();
            (enc, ct) = HpkeTestKeys.Seal(suite, original, HpkeTestKeys.BaseKey());
        }
        using HpkeKeyPair reloaded = HpkeKeyPair.FromPrivateKey(kem, stored);

        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Open(suite, reloaded, enc, HpkeTestKeys.Info, HpkeTestKeys.Aad, ct, out byte[] opened));
        Assert.Equal(HpkeTestKeys.BaseKey(), opened);
    }
}
