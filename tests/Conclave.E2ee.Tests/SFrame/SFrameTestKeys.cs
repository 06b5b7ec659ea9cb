using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Tests.SFrame;

/// <summary>Shared suites, keys and paired sender/receivers for the SFrame tests.</summary>
internal static class SFrameTestKeys
{
    public static readonly SFrameCipherSuite[] Suites =
    [
        SFrameCipherSuite.Aes128CtrHmacSha256_80,
        SFrameCipherSuite.Aes128CtrHmacSha256_64,
        SFrameCipherSuite.Aes128CtrHmacSha256_32,
        SFrameCipherSuite.Aes128GcmSha256_128,
        SFrameCipherSuite.Aes256GcmSha512_128,
    ];

    public static TheoryData<SFrameCipherSuite> AllSuites => new(Suites);

    public static TheoryData<SFrameCipherSuite> CtrSuites => new(
        SFrameCipherSuite.Aes128CtrHmacSha256_80, SFrameCipherSuite.Aes128CtrHmacSha256_64, SFrameCipherSuite.Aes128CtrHmacSha256_32);

    /// <summary>A base key that differs per seed.</summary>
    public static byte[] BaseKey(int seed = 1)
    {
        byte[] key = new byte[16];
        new Random(seed).NextBytes(key);
        return key;
    }

    public static byte[] Bytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>A sender and a receiver sharing <paramref name="keyId"/>'s key.</summary>
    public static (SFrameSender Sender, SFrameReceiver Receiver) Pair(SFrameCipherSuite suite, SFrameKeyId keyId, int seed = 1)
    {
        var sender = new SFrameSender(suite);
        var receiver = new SFrameReceiver(suite);
        sender.SetKey(keyId, BaseKey(seed));
        receiver.AddKey(keyId, BaseKey(seed));
        return (sender, receiver);
    }

    public static byte[] Encrypt(SFrameSender sender, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> metadata = default)
    {
        byte[] buffer = new byte[sender.GetCiphertextLength(plaintext.Length)];
        Assert.Equal(SFrameStatus.Ok, sender.Encrypt(plaintext, metadata, buffer, out int written));
        Assert.Equal(buffer.Length, written);
        return buffer;
    }
}
