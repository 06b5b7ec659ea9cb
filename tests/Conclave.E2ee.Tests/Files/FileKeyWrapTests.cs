using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Conclave.E2ee.Files;
using Conclave.E2ee.Hpke;
using Conclave.E2ee.Identity;

namespace Conclave.E2ee.Tests.Files;

/// <summary>
/// The file key per recipient device (docs/file-format.md, "The file key, per recipient"): HPKE-X-Wing or DHKEM(X25519)
/// by the device's registered keys, signed by the sender over the file id, the recipient and the file's head. The
/// server, which relays the wrap, tries to hand a recipient another key, or a wrap meant for another file or device.
/// </summary>
public sealed class FileKeyWrapTests : IDisposable
{
    private const string Recipient = "user-bob";

    private readonly DeviceIdentity _sender = DeviceIdentity.Generate();
    private readonly DeviceIdentity _xWing = DeviceIdentity.Generate();
    private readonly DeviceIdentity _x25519 = DeviceIdentity.FromPrivateKeys(FileTestData.Bytes(32, 1), FileTestData.Bytes(32, 2));
    private readonly DeviceIdentity _server = DeviceIdentity.Generate();
    private readonly byte[] _key = FileTestData.Key();
    private readonly FileHead _head;
    private readonly FileHead _otherHead;

    public FileKeyWrapTests()
    {
        byte[] plaintext = FileTestData.Bytes(100, 3);
        _head = FileEncryptor.CreateHead(_key, FileTestData.Id, FileTestData.ManifestOf(plaintext), 1, 64);
        _otherHead = FileEncryptor.CreateHead(_key, FileTestData.Id, FileTestData.ManifestOf(plaintext), 2, 64);
    }

    public void Dispose()
    {
        _sender.Dispose();
        _xWing.Dispose();
        _x25519.Dispose();
        _server.Dispose();
    }

    public static TheoryData<bool> Kems => new() { true, false };

    private DeviceIdentity Device(bool xWing) => xWing ? _xWing : _x25519;

    private string WrapTo(bool xWing) => FileKeyWrap.Wrap(_sender, _key, FileTestData.Id, _head, Recipient, DevicePublicKeys.Of(Device(xWing)));

    private bool Unwrap(string? wrap, bool xWing, string fileId = FileTestData.Id, FileHead? head = null, string recipient = Recipient, ReadOnlySpan<byte> sender = default) =>
        FileKeyWrap.TryUnwrap(wrap, Device(xWing), fileId, head ?? _head, recipient, sender.IsEmpty ? _sender.SigningPublicKey : sender, out _);

    [Theory]
    [MemberData(nameof(Kems))]
    public void A_wrap_opens_on_its_device(bool xWing)
    {
        string wrap = WrapTo(xWing);

        Assert.Equal(xWing ? 1650 : 199, wrap.Length);
        Assert.True(wrap.Length <= FileKeyWrap.MaxLength);
        Assert.Equal(xWing ? FileKeyWrap.XWingKem : FileKeyWrap.X25519Kem, Base64Url.DecodeFromChars(wrap)[0]);
        Assert.True(FileKeyWrap.TryUnwrap(wrap, Device(xWing), FileTestData.Id, _head, Recipient, _sender.SigningPublicKey, out byte[] key));
        Assert.Equal(_key, key);
        Assert.NotEqual(wrap, WrapTo(xWing));                         // HPKE draws a fresh ephemeral key each time
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void A_wrap_is_refused_elsewhere(bool xWing)
    {
        string wrap = WrapTo(xWing);
        using DeviceIdentity otherDevice = xWing ? DeviceIdentity.Generate() : DeviceIdentity.FromPrivateKeys(FileTestData.Bytes(32, 8), FileTestData.Bytes(32, 9));

        Assert.False(FileKeyWrap.TryUnwrap(wrap, otherDevice, FileTestData.Id, _head, Recipient, _sender.SigningPublicKey, out byte[] key));
        Assert.Empty(key);
        Assert.False(Unwrap(wrap, !xWing), "the device of the other kem");
        Assert.False(Unwrap(wrap, xWing, fileId: "anotherFileId"), "another file id");
        Assert.False(Unwrap(wrap, xWing, head: _otherHead), "another file's head");
        Assert.False(Unwrap(wrap, xWing, recipient: "user-eve"), "another recipient user");
        Assert.False(Unwrap(wrap, xWing, sender: _server.SigningPublicKey), "another sender");
        Assert.False(Unwrap(wrap, xWing, sender: new byte[31]), "a sender key of the wrong length");
        Assert.True(Unwrap(wrap, xWing), "the control");
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void The_server_cannot_hand_a_key_of_its_own(bool xWing)
    {
        // A genuine wrap of the server's key to the device, signed with the server's own device key.
        string forged = FileKeyWrap.Wrap(_server, FileTestData.Key(99), FileTestData.Id, _head, Recipient, DevicePublicKeys.Of(Device(xWing)));
        Assert.False(Unwrap(forged, xWing));
        Assert.True(FileKeyWrap.TryUnwrap(forged, Device(xWing), FileTestData.Id, _head, Recipient, _server.SigningPublicKey, out _), "the control");

        // The sender's signature with the server's enc and ct in place of the sender's.
        byte[] genuine = Base64Url.DecodeFromChars(WrapTo(xWing));
        byte[] swapped = Base64Url.DecodeFromChars(forged);
        genuine.AsSpan(genuine.Length - 64).CopyTo(swapped.AsSpan(swapped.Length - 64));
        Assert.False(Unwrap(Base64Url.EncodeToString(swapped), xWing));
    }

    [Theory]
    [MemberData(nameof(Kems))]
    public void Every_bit_of_a_wrap_matters(bool xWing)
    {
        byte[] bytes = Base64Url.DecodeFromChars(WrapTo(xWing));
        int step = xWing ? 7 : 1;
        for (int at = 0; at < bytes.Length; at += step)
        {
            byte[] flipped = (byte[])bytes.Clone();
            flipped[at] ^= (byte)(1 << (at % 8));
            Assert.False(Unwrap(Base64Url.EncodeToString(flipped), xWing), $"bit {at % 8} of byte {at}");
        }
    }

    [Fact]
    public void Malformed_strings_are_refused_without_throwing()
    {
        string wrap = WrapTo(xWing: false);
        string[] malformed =
        [
            "", "A", "AA", wrap[..^1], wrap + "A", wrap + "AA", wrap + "=", wrap + "==", " " + wrap, wrap + "\n",
            wrap.Replace('-', '+').Replace('_', '/') + (wrap.Contains('-') || wrap.Contains('_') ? "" : "+"),
            wrap[..^1] + (char)(wrap[^1] + 1),                          // the spare bits of the last character
            new string('A', FileKeyWrap.MaxLength + 1), "é" + wrap,
        ];
        foreach (string text in malformed) Assert.False(Unwrap(text, xWing: false), text.Length > 40 ? text[..40] : text);
        Assert.False(Unwrap(null, xWing: false));

        var random = new Random(21);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < 2000; i++)
        {
            char[] chars = new char[random.Next(i % 2 == 0 ? 250 : 4200)];
            for (int c = 0; c < chars.Length; c++) chars[c] = alphabet[random.Next(alphabet.Length)];
            Assert.False(Unwrap(new string(chars), xWing: i % 3 == 0));
        }
    }

    [Fact]
    public void A_downgrade_to_X25519_for_an_X_Wing_device_is_refused_even_when_signed()
    {
        byte[] downgraded = SignedWrap(FileKeyWrap.X25519Kem, HpkeSuite.X25519Sha256Aes128Gcm, _xWing.AgreementPublicKey, DevicePublicKeys.Of(_xWing));
        byte[] genuine = SignedWrap(FileKeyWrap.XWingKem, HpkeSuite.XWingSha256Aes128Gcm, _xWing.XWingPublicKey, DevicePublicKeys.Of(_xWing));

        Assert.False(Unwrap(Base64Url.EncodeToString(downgraded), xWing: true));
        Assert.True(Unwrap(Base64Url.EncodeToString(genuine), xWing: true), "the same construction with X-Wing: the layout of the spec");
    }

    [Fact]
    public void A_device_registered_before_X_Wing_unwraps_with_its_registered_keys()
    {
        // This device has an X-Wing key now, but the directory still holds its version 1 keys.
        var registered = new DevicePublicKeys(_xWing.SigningPublicKey.ToArray(), _xWing.AgreementPublicKey.ToArray());
        string wrap = FileKeyWrap.Wrap(_sender, _key, FileTestData.Id, _head, Recipient, registered);

        Assert.Equal(199, wrap.Length);
        Assert.False(Unwrap(wrap, xWing: true));                     // the keys it has now call for X-Wing
        Assert.True(FileKeyWrap.TryUnwrap(wrap, _xWing, registered, FileTestData.Id, _head, Recipient, _sender.SigningPublicKey, out byte[] key));
        Assert.Equal(_key, key);
    }

    [Fact]
    public void The_signed_bytes_and_the_info_are_those_of_the_spec()
    {
        // Built here from the spec's text, independently of FileKeyWrap: the wrap must verify and open against them.
        string wrap = WrapTo(xWing: true);
        byte[] bytes = Base64Url.DecodeFromChars(wrap);
        byte[] keysDigest = SHA256.HashData(DevicePublicKeys.Of(_xWing).ToBytes());
        byte[] tail = bytes[..^64];
        byte[] signed = [.. "Conclave file key signature v1"u8, 0, .. Text(FileTestData.Id), .. Text(Recipient), .. keysDigest,
            .. SHA256.HashData(_head.Bytes), .. tail];
        byte[] info = [.. "Conclave file key v1"u8, 0, .. Text(FileTestData.Id), .. Text(Recipient), .. keysDigest];

        Assert.True(DeviceIdentity.Verify(_sender.SigningPublicKey, bytes[^64..], signed));
        Assert.Equal(1120, BinaryPrimitives.ReadUInt16BigEndian(tail.AsSpan(1)));
        Assert.Equal(48, BinaryPrimitives.ReadUInt16BigEndian(tail.AsSpan(3 + 1120)));
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Open(HpkeSuite.XWingSha256Aes128Gcm, _xWing.XWingKeyPair!, tail.AsSpan(3, 1120), info, [],
            tail.AsSpan(3 + 1120 + 2, 48), out byte[] opened));
        Assert.Equal(_key, opened);
    }

    [Fact]
    public void Caller_errors_are_argument_exceptions()
    {
        DevicePublicKeys keys = DevicePublicKeys.Of(_x25519);
        Assert.Throws<ArgumentException>(() => FileKeyWrap.Wrap(_sender, new byte[16], FileTestData.Id, _head, Recipient, keys));
        Assert.Throws<ArgumentException>(() => FileKeyWrap.Wrap(_sender, _key, "bad id!", _head, Recipient, keys));
        Assert.Throws<ArgumentException>(() => FileKeyWrap.Wrap(_sender, _key, FileTestData.Id, _head, new string('u', 70_000), keys));
        Assert.Throws<ArgumentException>(() => FileKeyWrap.Wrap(_sender, _key, FileTestData.Id, _head, Recipient, keys with { AgreementPublicKey = new byte[31] }));
        Assert.Throws<ArgumentException>(() => FileKeyWrap.Wrap(_sender, _key, FileTestData.Id, _head, Recipient, keys with { AgreementPublicKey = new byte[32] }));   // low order
        Assert.Throws<ArgumentException>(() => FileKeyWrap.TryUnwrap(WrapTo(false), _x25519, "", _head, Recipient, _sender.SigningPublicKey, out _));
    }

    private byte[] SignedWrap(byte kem, HpkeSuite suite, ReadOnlySpan<byte> publicKey, DevicePublicKeys registered)
    {
        byte[] keysDigest = SHA256.HashData(registered.ToBytes());
        Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(suite, publicKey, FileKeyWrap.Info(FileTestData.Id, Recipient, keysDigest), [], _key, out byte[] enc, out byte[] ct));
        byte[] tail = [kem, .. U16(enc.Length), .. enc, .. U16(ct.Length), .. ct];
        byte[] signature = _sender.Sign(FileKeyWrap.Signed(FileTestData.Id, Recipient, keysDigest, _head.Sha256, tail));
        return [.. tail, .. signature];
    }

    private static byte[] U16(int value)
    {
        byte[] bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)value);
        return bytes;
    }

    private static byte[] Text(string value) => [.. U16(Encoding.UTF8.GetByteCount(value)), .. Encoding.UTF8.GetBytes(value)];
}
