using System.Text.Json;
using Conclave.E2ee.Hpke;

namespace Conclave.E2ee.Tests.Hpke;

/// <summary>
/// Reads the HPKE and X-Wing vector files under Vectors/ (see each file's _meta):
/// hpke-vectors.json (RFC 9180 App. A.1.1, mode_base), hpke-xwing-vectors.json (draft-ietf-hpke-pq-04, the two
/// kem_id 0x647a entries) and xwing-vectors.json (draft-connolly-cfrg-xwing-kem-10 spec/test-vectors.json).
/// </summary>
internal static class HpkeVectors
{
    private static readonly Lazy<JsonDocument> Rfc9180Document = Load("hpke-vectors.json");
    private static readonly Lazy<JsonDocument> XWingHpkeDocument = Load("hpke-xwing-vectors.json");
    private static readonly Lazy<JsonDocument> XWingDocument = Load("xwing-vectors.json");

    /// <summary>The single RFC 9180 App. A.1.1 base-mode vector.</summary>
    public static JsonElement Rfc9180 => Rfc9180Document.Value.RootElement.GetProperty("vectors")[0];

    public static int Rfc9180Count => Rfc9180Document.Value.RootElement.GetProperty("vectors").GetArrayLength();

    /// <summary>Entry <paramref name="index"/> of hpke-xwing-vectors.json (0: HKDF-SHA256, 1: SHAKE256; both ChaCha20Poly1305).</summary>
    public static JsonElement XWingHpke(int index) => XWingHpkeDocument.Value.RootElement.GetProperty("vectors")[index];

    public static int XWingHpkeCount => XWingHpkeDocument.Value.RootElement.GetProperty("vectors").GetArrayLength();

    /// <summary>Vector <paramref name="index"/> of xwing-vectors.json.</summary>
    public static JsonElement XWing(int index) => XWingDocument.Value.RootElement.GetProperty("vectors")[index];

    public static int XWingCount => XWingDocument.Value.RootElement.GetProperty("vectors").GetArrayLength();

    public static byte[] Hex(this JsonElement vector, string property) => Convert.FromHexString(vector.GetProperty(property).GetString()!);

    /// <summary>An integer field, which the RFC 9180 file holds as a string ("sequence number", "L") and hpke-pq as a number.</summary>
    public static int Int(this JsonElement vector, string property)
    {
        JsonElement value = vector.GetProperty(property);
        return value.ValueKind == JsonValueKind.String ? int.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : value.GetInt32();
    }

    public static HpkeSuite Suite(this JsonElement vector) =>
        new((HpkeKemId)vector.Int("kem_id"), (HpkeKdfId)vector.Int("kdf_id"), (HpkeAeadId)vector.Int("aead_id"));

    public static JsonElement Encryption(this JsonElement vector, int index) => vector.GetProperty("encryptions")[index];

    public static JsonElement Export(this JsonElement vector, int index) => vector.GetProperty("exports")[index];

    /// <summary>Runs the vector's key schedule through the library (RFC 9180 §5.1).</summary>
    public static (byte[] Key, byte[] BaseNonce, byte[] ExporterSecret) KeySchedule(this JsonElement vector)
    {
        HpkeSuite suite = vector.Suite();
        byte[] key = new byte[suite.Aead == HpkeAeadId.Aes128Gcm ? 16 : 32];
        byte[] baseNonce = new byte[12];
        byte[] exporterSecret = new byte[suite.Kdf == HpkeKdfId.Shake256 ? 64 : 32];
        HpkeKeySchedule.Derive(suite, vector.Hex("shared_secret"), vector.Hex("info"), key, baseNonce, exporterSecret);
        return (key, baseNonce, exporterSecret);
    }

    /// <summary>SetupBaseS with the vector's ikmE as Encap randomness, asserting it succeeds.</summary>
    public static HpkeSenderContext Sender(this JsonElement vector)
    {
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.SetupSenderDerand(vector.Suite(), vector.Hex("pkRm"), vector.Hex("info"), vector.Hex("ikmE"), out _, out HpkeSenderContext? sender));
        return sender!;
    }

    /// <summary>SetupBaseR from the vector's skRm and enc, asserting it succeeds.</summary>
    public static HpkeRecipientContext Recipient(this JsonElement vector)
    {
        using HpkeKeyPair recipient = HpkeKeyPair.FromPrivateKey(vector.Suite().Kem, vector.Hex("skRm"));
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.SetupRecipient(vector.Suite(), recipient, vector.Hex("enc"), vector.Hex("info"), out HpkeRecipientContext? context));
        return context!;
    }

    private static Lazy<JsonDocument> Load(string file) =>
        new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", file))));
}
