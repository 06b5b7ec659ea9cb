using Conclave.E2ee.Hpke;

namespace Conclave.E2ee.Tests.Hpke;

/// <summary>
/// draft-connolly-cfrg-xwing-kem-10 spec/test-vectors.json (valid for -05 to -10): seed → keys (§5.2),
/// EncapsulateDerand with the vector's eseed (§5.4.1) and Decapsulate (§5.5), for each of the three vectors.
/// </summary>
public sealed class XWingVectorTests
{
    public static TheoryData<int> Vectors
    {
        get
        {
            var data = new TheoryData<int>();
            for (int i = 0; i < HpkeVectors.XWingCount; i++) data.Add(i);
            return data;
        }
    }

    [Fact]
    public void The_file_holds_three_vectors() => Assert.Equal(3, HpkeVectors.XWingCount);

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Key_generation_from_the_seed_gives_the_vector_public_key(int index)
    {
        var v = HpkeVectors.XWing(index);
        using XWingDecapsulationKey key = XWingKem.ExpandDecapsulationKey(v.Hex("seed"));
        using HpkeKeyPair keyPair = HpkeKeyPair.FromPrivateKey(HpkeKemId.XWing, v.Hex("sk"));

        Assert.Equal(v.Hex("seed"), v.Hex("sk"));                    // §5.2: the decapsulation key is the seed
        Assert.Equal(v.Hex("pk"), key.PublicKey.ToArray());
        Assert.Equal(v.Hex("pk"), keyPair.PublicKey.ToArray());
        Assert.Equal(v.Hex("sk"), keyPair.ExportPrivateKey());
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void EncapsulateDerand_gives_the_vector_ciphertext_and_shared_secret(int index)
    {
        var v = HpkeVectors.XWing(index);
        byte[] sharedSecret = new byte[XWingKem.SharedSecretLength], ciphertext = new byte[XWingKem.CiphertextLength];

        Assert.Equal(HpkeStatus.Ok, XWingKem.EncapsulateDerand(v.Hex("pk"), v.Hex("eseed"), sharedSecret, ciphertext));

        Assert.Equal(v.Hex("ct"), ciphertext);
        Assert.Equal(v.Hex("ss"), sharedSecret);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Decapsulate_gives_the_vector_shared_secret(int index)
    {
        var v = HpkeVectors.XWing(index);
        using HpkeKeyPair keyPair = HpkeKeyPair.FromPrivateKey(HpkeKemId.XWing, v.Hex("sk"));
        byte[] sharedSecret = new byte[XWingKem.SharedSecretLength];

        Assert.Equal(HpkeStatus.Ok, keyPair.Decap(v.Hex("ct"), sharedSecret));

        Assert.Equal(v.Hex("ss"), sharedSecret);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void A_flipped_ML_KEM_ciphertext_bit_gives_an_unrelated_secret_not_an_error(int index)
    {
        // FIPS 203 §6.3 implicit rejection: Decapsulate never fails on a well-sized ct.
        var v = HpkeVectors.XWing(index);
        using HpkeKeyPair keyPair = HpkeKeyPair.FromPrivateKey(HpkeKemId.XWing, v.Hex("sk"));
        byte[] ct = v.Hex("ct"), sharedSecret = new byte[32];
        ct[100] ^= 0x01;

        Assert.Equal(HpkeStatus.Ok, keyPair.Decap(ct, sharedSecret));

        Assert.NotEqual(v.Hex("ss"), sharedSecret);
    }
}
