using System.Security.Cryptography;
using System.Text.Json;
using Conclave.E2ee.Hpke;

namespace Conclave.E2ee.Tests.Hpke;

/// <summary>
/// HPKE with X-Wing (kem_id 0x647a), base mode, from draft-ietf-hpke-pq-04's vectors: entry 0 uses HKDF-SHA256,
/// entry 1 the one-stage SHAKE256 KDF (0x0011); both ChaCha20Poly1305. Checks Encap with ikmE as eseed, Decap with
/// skRm (the 32-byte seed, used as is: hpke-pq's DeriveKeyPair differs from the X-Wing draft's), the key schedule,
/// ten encryptions and five exports. info and pt in this file are ASCII strings of hex digits: used as given.
/// </summary>
public sealed class HpkeXWingVectorTests
{
    public static TheoryData<int> Entries => new(0, 1);

    public static TheoryData<int, int> Encryptions => Pairs("encryptions");

    public static TheoryData<int, int> Exports => Pairs("exports");

    [Fact]
    public void The_file_holds_two_base_mode_X_Wing_entries()
    {
        Assert.Equal(2, HpkeVectors.XWingHpkeCount);
        Assert.Equal(new HpkeSuite(HpkeKemId.XWing, HpkeKdfId.HkdfSha256, HpkeAeadId.ChaCha20Poly1305), HpkeVectors.XWingHpke(0).Suite());
        Assert.Equal(new HpkeSuite(HpkeKemId.XWing, HpkeKdfId.Shake256, HpkeAeadId.ChaCha20Poly1305), HpkeVectors.XWingHpke(1).Suite());
        for (int i = 0; i < 2; i++) Assert.Equal(0, HpkeVectors.XWingHpke(i).Int("mode"));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Suite_id_matches(int entry)
    {
        JsonElement v = HpkeVectors.XWingHpke(entry);
        byte[] suiteId = new byte[HpkeSuite.SuiteIdLength];

        v.Suite().WriteSuiteId(suiteId);

        Assert.Equal(v.Hex("suite_id"), suiteId);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void The_seed_skRm_gives_pkRm(int entry)
    {
        JsonElement v = HpkeVectors.XWingHpke(entry);
        using HpkeKeyPair recipient = HpkeKeyPair.FromPrivateKey(HpkeKemId.XWing, v.Hex("skRm"));

        Assert.Equal(v.Hex("pkRm"), recipient.PublicKey.ToArray());
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Encap_with_ikmE_as_eseed_gives_enc_and_shared_secret(int entry)
    {
        JsonElement v = HpkeVectors.XWingHpke(entry);
        byte[] sharedSecret = new byte[32], enc = new byte[XWingKem.CiphertextLength];

        Assert.Equal(HpkeStatus.Ok, HpkeKem.Encap(HpkeKemId.XWing, v.Hex("pkRm"), v.Hex("ikmE"), sharedSecret, enc));

        Assert.Equal(v.Hex("enc"), enc);
        Assert.Equal(v.Hex("shared_secret"), sharedSecret);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Decap_gives_the_shared_secret(int entry)
    {
        JsonElement v = HpkeVectors.XWingHpke(entry);
        using HpkeKeyPair recipient = HpkeKeyPair.FromPrivateKey(HpkeKemId.XWing, v.Hex("skRm"));
        byte[] sharedSecret = new byte[32];

        Assert.Equal(HpkeStatus.Ok, recipient.Decap(v.Hex("enc"), sharedSecret));

        Assert.Equal(v.Hex("shared_secret"), sharedSecret);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Key_schedule_gives_key_base_nonce_and_exporter_secret(int entry)
    {
        JsonElement v = HpkeVectors.XWingHpke(entry);

        var (key, baseNonce, exporterSecret) = v.KeySchedule();

        Assert.Equal(v.Hex("key"), key);
        Assert.Equal(v.Hex("base_nonce"), baseNonce);
        Assert.Equal(v.Hex("exporter_secret"), exporterSecret);
    }

    [Theory]
    [MemberData(nameof(Encryptions))]
    public void Each_encryption_seals_and_opens_in_sequence(int entry, int index)
    {
        Assert.SkipUnless(ChaCha20Poly1305.IsSupported, "this platform has no ChaCha20Poly1305");
        JsonElement v = HpkeVectors.XWingHpke(entry);
        JsonElement e = v.Encryption(index);
        byte[] pt = e.Hex("pt"), ct = new byte[pt.Length + 16], opened = new byte[pt.Length], nonce = new byte[12];
        using HpkeSenderContext sender = v.Sender();
        using HpkeRecipientContext recipient = v.Recipient();
        sender.SequenceNumber = recipient.SequenceNumber = (ulong)index;   // the entries are sequences 0..9

        sender.ComputeNonce((ulong)index, nonce);
        Assert.Equal(e.Hex("nonce"), nonce);
        Assert.Equal(HpkeStatus.Ok, sender.Seal(e.Hex("aad"), pt, ct, out _));
        Assert.Equal(e.Hex("ct"), ct);
        Assert.Equal(HpkeStatus.Ok, recipient.Open(e.Hex("aad"), e.Hex("ct"), opened, out _));
        Assert.Equal(pt, opened);
    }

    [Theory]
    [MemberData(nameof(Exports))]
    public void Each_export_matches_on_both_sides(int entry, int index)
    {
        Assert.SkipUnless(ChaCha20Poly1305.IsSupported, "this platform has no ChaCha20Poly1305");
        JsonElement v = HpkeVectors.XWingHpke(entry);
        JsonElement x = v.Export(index);
        byte[] fromSender = new byte[x.Int("L")], fromRecipient = new byte[x.Int("L")];
        using HpkeSenderContext sender = v.Sender();
        using HpkeRecipientContext recipient = v.Recipient();

        Assert.Equal(HpkeStatus.Ok, sender.Export(x.Hex("exporter_context"), fromSender));
        Assert.Equal(HpkeStatus.Ok, recipient.Export(x.Hex("exporter_context"), fromRecipient));

        Assert.Equal(x.Hex("exported_value"), fromSender);
        Assert.Equal(x.Hex("exported_value"), fromRecipient);
    }

    private static TheoryData<int, int> Pairs(string array)
    {
        var data = new TheoryData<int, int>();
        for (int entry = 0; entry < HpkeVectors.XWingHpkeCount; entry++)
            for (int i = 0; i < HpkeVectors.XWingHpke(entry).GetProperty(array).GetArrayLength(); i++) data.Add(entry, i);
        return data;
    }
}
