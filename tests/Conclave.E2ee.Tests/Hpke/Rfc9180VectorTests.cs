using System.Text.Json;
using Conclave.E2ee.Hpke;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace Conclave.E2ee.Tests.Hpke;

/// <summary>
/// RFC 9180 App. A.1.1, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, mode_base (A.1.1.1 setup, A.1.1.2
/// encryptions, A.1.1.3 exports): DeriveKeyPair (§7.1.3), Encap/Decap (§4.1), every key schedule value (§5.1),
/// every encryption at its sequence number (§5.2) and every export (§5.3).
/// </summary>
public sealed class Rfc9180VectorTests
{
    private static JsonElement V => HpkeVectors.Rfc9180;

    public static TheoryData<int> Encryptions => Indices("encryptions");

    public static TheoryData<int> Exports => Indices("exports");

    [Fact]
    public void The_file_holds_the_A_1_1_base_mode_vector_with_six_encryptions_and_three_exports()
    {
        Assert.Equal(1, HpkeVectors.Rfc9180Count);
        Assert.Equal(0, V.Int("mode"));                              // mode_base
        Assert.Equal(HpkeSuite.X25519Sha256Aes128Gcm, V.Suite());
        Assert.Equal(6, V.GetProperty("encryptions").GetArrayLength());
        Assert.Equal(3, V.GetProperty("exports").GetArrayLength());
    }

    [Fact]
    public void DeriveKeyPair_gives_the_ephemeral_and_recipient_keys()
    {
        // RFC 9180 §7.1.3: sk = LabeledExpand(LabeledExtract("", "dkp_prk", ikm), "sk", "", 32); pk = X25519(sk, 9).
        byte[] sk = new byte[32], pk = new byte[32];

        DhKemX25519.DeriveKeyPair(V.Hex("ikmE"), sk, pk);
        Assert.Equal(V.Hex("skEm"), sk);
        Assert.Equal(V.Hex("pkEm"), pk);

        DhKemX25519.DeriveKeyPair(V.Hex("ikmR"), sk, pk);
        Assert.Equal(V.Hex("skRm"), sk);
        Assert.Equal(V.Hex("pkRm"), pk);
    }

    [Fact]
    public void The_public_DeriveKeyPair_gives_pkRm_and_serialises_the_clamped_skRm()
    {
        // RFC 9180 §7.1.2: SerializePrivateKey MUST clamp its output; the appendix prints skRm unclamped.
        using HpkeKeyPair recipient = HpkeKeyPair.DeriveKeyPair(HpkeKemId.DhKemX25519HkdfSha256, V.Hex("ikmR"));
        byte[] clamped = V.Hex("skRm");
        X25519.ClampPrivateKey(clamped);

        Assert.Equal(V.Hex("pkRm"), recipient.PublicKey.ToArray());
        Assert.Equal(clamped, recipient.ExportPrivateKey());
        Assert.NotEqual(V.Hex("skRm"), clamped);                     // this vector's skRm really is changed by clamping
    }

    [Fact]
    public void Encap_with_ikmE_gives_enc_and_shared_secret()
    {
        byte[] sharedSecret = new byte[32], enc = new byte[32];

        Assert.Equal(HpkeStatus.Ok, HpkeKem.Encap(HpkeKemId.DhKemX25519HkdfSha256, V.Hex("pkRm"), V.Hex("ikmE"), sharedSecret, enc));

        Assert.Equal(V.Hex("enc"), enc);
        Assert.Equal(V.Hex("shared_secret"), sharedSecret);
    }

    [Fact]
    public void Decap_with_skRm_gives_the_shared_secret()
    {
        using HpkeKeyPair recipient = HpkeKeyPair.FromPrivateKey(HpkeKemId.DhKemX25519HkdfSha256, V.Hex("skRm"));
        byte[] sharedSecret = new byte[32];

        Assert.Equal(HpkeStatus.Ok, recipient.Decap(V.Hex("enc"), sharedSecret));

        Assert.Equal(V.Hex("shared_secret"), sharedSecret);
        Assert.Equal(V.Hex("pkRm"), recipient.PublicKey.ToArray());
    }

    [Fact]
    public void Key_schedule_context_and_secret_match()
    {
        // RFC 9180 §5.1: key_schedule_context = mode || psk_id_hash || info_hash; secret = LabeledExtract(shared_secret, "secret", "").
        byte[] suiteId = new byte[HpkeSuite.SuiteIdLength];
        V.Suite().WriteSuiteId(suiteId);
        byte[] context = new byte[HpkeKeySchedule.KeyScheduleContextLength], secret = new byte[32];

        HpkeKeySchedule.WriteKeyScheduleContext(suiteId, V.Hex("info"), context);
        HpkeKeySchedule.ExtractSecret(suiteId, V.Hex("shared_secret"), secret);

        Assert.Equal(Convert.FromHexString("48504B45002000010001"), suiteId);  // "HPKE" || 0x0020 || 0x0001 || 0x0001
        Assert.Equal(V.Hex("key_schedule_context"), context);
        Assert.Equal(V.Hex("secret"), secret);
    }

    [Fact]
    public void Key_schedule_gives_key_base_nonce_and_exporter_secret()
    {
        var (key, baseNonce, exporterSecret) = V.KeySchedule();

        Assert.Equal(V.Hex("key"), key);
        Assert.Equal(V.Hex("base_nonce"), baseNonce);
        Assert.Equal(V.Hex("exporter_secret"), exporterSecret);
    }

    [Fact]
    public void SetupSender_with_ikmE_sends_the_vector_enc()
    {
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.SetupSenderDerand(V.Suite(), V.Hex("pkRm"), V.Hex("info"), V.Hex("ikmE"), out byte[] enc, out HpkeSenderContext? sender));
        using (sender)
        {
            Assert.Equal(V.Hex("enc"), enc);
            Assert.Equal(0UL, sender!.SequenceNumber);
        }
    }

    [Theory]
    [MemberData(nameof(Encryptions))]
    public void Each_encryption_seals_to_the_vector_ciphertext_at_its_sequence_number(int index)
    {
        JsonElement e = V.Encryption(index);
        ulong seq = (ulong)e.Int("sequence number");
        byte[] pt = e.Hex("pt"), ct = new byte[pt.Length + 16], nonce = new byte[12];
        using HpkeSenderContext sender = V.Sender();
        sender.SequenceNumber = seq;

        sender.ComputeNonce(seq, nonce);
        Assert.Equal(e.Hex("nonce"), nonce);                        // §5.2: base_nonce XOR I2OSP(seq, Nn)
        Assert.Equal(HpkeStatus.Ok, sender.Seal(e.Hex("aad"), pt, ct, out int written));

        Assert.Equal(e.Hex("ct"), ct[..written]);
        Assert.Equal(seq + 1, sender.SequenceNumber);
    }

    [Theory]
    [MemberData(nameof(Encryptions))]
    public void Each_encryption_opens_to_the_vector_plaintext_at_its_sequence_number(int index)
    {
        JsonElement e = V.Encryption(index);
        ulong seq = (ulong)e.Int("sequence number");
        byte[] ct = e.Hex("ct"), pt = new byte[ct.Length - 16];
        using HpkeRecipientContext recipient = V.Recipient();
        recipient.SequenceNumber = seq;

        Assert.Equal(HpkeStatus.Ok, recipient.Open(e.Hex("aad"), ct, pt, out int written));

        Assert.Equal(e.Hex("pt"), pt[..written]);
        Assert.Equal(seq + 1, recipient.SequenceNumber);
    }

    [Fact]
    public void Sealing_in_order_reaches_every_printed_sequence_number()
    {
        // No sequence number is set by hand: 257 seals in a row pass through 0, 1, 2, 4, 255 and 256.
        var expected = new Dictionary<ulong, JsonElement>();
        foreach (JsonElement e in V.GetProperty("encryptions").EnumerateArray()) expected[(ulong)e.Int("sequence number")] = e;
        byte[] pt = V.Encryption(0).Hex("pt"), ct = new byte[pt.Length + 16];
        using HpkeSenderContext sender = V.Sender();

        for (ulong seq = 0; seq <= 256; seq++)
        {
            byte[] aad = System.Text.Encoding.ASCII.GetBytes($"Count-{seq}");
            Assert.Equal(HpkeStatus.Ok, sender.Seal(aad, pt, ct, out _));
            if (expected.TryGetValue(seq, out JsonElement e)) Assert.Equal(e.Hex("ct"), ct);
        }
    }

    [Theory]
    [MemberData(nameof(Exports))]
    public void Each_export_matches_on_both_sides(int index)
    {
        JsonElement x = V.Export(index);
        byte[] fromSender = new byte[x.Int("L")], fromRecipient = new byte[x.Int("L")];
        using HpkeSenderContext sender = V.Sender();
        using HpkeRecipientContext recipient = V.Recipient();

        Assert.Equal(HpkeStatus.Ok, sender.Export(x.Hex("exporter_context"), fromSender));
        Assert.Equal(HpkeStatus.Ok, recipient.Export(x.Hex("exporter_context"), fromRecipient));

        Assert.Equal(x.Hex("exported_value"), fromSender);
        Assert.Equal(x.Hex("exported_value"), fromRecipient);
    }

    [Fact]
    public void Single_shot_Open_unwraps_the_sequence_0_ciphertext()
    {
        JsonElement e = V.Encryption(0);
        using HpkeKeyPair recipient = HpkeKeyPair.FromPrivateKey(HpkeKemId.DhKemX25519HkdfSha256, V.Hex("skRm"));

        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Open(V.Suite(), recipient, V.Hex("enc"), V.Hex("info"), e.Hex("aad"), e.Hex("ct"), out byte[] pt));

        Assert.Equal(e.Hex("pt"), pt);
    }

    private static TheoryData<int> Indices(string array)
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < HpkeVectors.Rfc9180.GetProperty(array).GetArrayLength(); i++) data.Add(i);
        return data;
    }
}
