using System.Security.Cryptography;
using System.Text.Json;
using Conclave.Client.Files;
using Conclave.E2ee.Files;
using Conclave.E2ee.Identity;

namespace Conclave.Browser.Tests;

/// <summary>
/// The file key wraps (docs/file-format.md, "The file key, per recipient") are one format in the browser
/// (Clients/web/files/file-key-wrap.js) and in .NET (<see cref="FileKeyWrap"/>): a wrap .NET makes for a page's device
/// opens in the page, with X-Wing for its registered version 2 keys and X25519 for version 1 keys, and a wrap the page
/// makes opens with <see cref="FileKeyWrap.TryUnwrap(string, DeviceIdentity, string, FileHead, string, ReadOnlySpan{byte}, out byte[])"/>.
/// Either side refuses a forged signature, a wrap moved to another file id, head or recipient, a signer that is not
/// the owner's, a KEM other than the one the recipient's keys call for, and non-canonical text.
/// </summary>
public sealed class FileKeyWrapInteropTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string UserId = "user-bé-😀";
    private const string OtherUserId = "user-other";

    /// <summary>The page's helpers: its device identity, hex, and the wrap module.</summary>
    private const string Prelude = """
        const W = await import('/files/file-key-wrap.js');
        const D = await import('/e2ee/device-identity.js');
        const K = await import('/e2ee/device-keys.js');
        const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
        const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
        const me = await D.loadDeviceIdentity({ dbName: 'file-key-wrap-interop' });
        """;

    [Fact]
    public async Task A_wrap_made_in_dotnet_opens_in_the_browser_only_for_its_file_recipient_and_signer()
    {
        await using Person page = await OpenAsync();
        JsonElement keys = await page.Page.EvaluateAsync<JsonElement>($$"""
            async () => {
              {{Prelude}}
              return {
                v2: toHex(K.encodeDevicePublicKeys(me)),
                v1: toHex(K.encodeDevicePublicKeys({ signingPublicKey: me.signingPublicKey, agreementPublicKey: me.agreementPublicKey })),
              };
            }
            """);
        byte[] v2 = Convert.FromHexString(keys.GetProperty("v2").GetString()!), v1 = Convert.FromHexString(keys.GetProperty("v1").GetString()!);
        Assert.True(DevicePublicKeys.TryRead(v2, out DevicePublicKeys? browserV2) && browserV2!.HasXWing);
        Assert.True(DevicePublicKeys.TryRead(v1, out DevicePublicKeys? browserV1) && !browserV1!.HasXWing);

        using DeviceIdentity sender = DeviceIdentity.Generate(), stranger = DeviceIdentity.Generate();
        byte[] fileKey = FileEncryptor.NewFileKey();
        string fileId = FileId.New(), otherFileId = FileId.New();
        FileHead head = Head(fileKey, fileId), otherHead = Head(fileKey, fileId);
        string xWing = FileKeyWrap.Wrap(sender, fileKey, fileId, head, UserId, browserV2);
        string x25519 = FileKeyWrap.Wrap(sender, fileKey, fileId, head, UserId, browserV1);
        Assert.Equal((1650, 199), (xWing.Length, x25519.Length));
        string toStranger = FileKeyWrap.Wrap(sender, fileKey, fileId, head, UserId, DevicePublicKeys.Of(stranger));

        string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
        string sig = Hex(sender.SigningPublicKey), strangerSig = Hex(stranger.SigningPublicKey);
        // name, wrap, registered keys of the page, file id, head, user id, sender keys tried, the key it must give (null: refused)
        (string Name, string Wrap, byte[] Keys, string FileId, FileHead Head, string User, string[] Signers, bool Opens)[] cases =
        [
            ("X-Wing to version 2 keys", xWing, v2, fileId, head, UserId, [sig], true),
            ("X25519 to version 1 keys", x25519, v1, fileId, head, UserId, [sig], true),
            ("the owner's second device signed it", xWing, v2, fileId, head, UserId, [strangerSig, sig], true),
            ("forged signature", Flip(xWing, ^1), v2, fileId, head, UserId, [sig], false),
            ("tampered ct", Flip(x25519, 3 + 32 + 2 + 5), v1, fileId, head, UserId, [sig], false),
            ("tampered enc", Flip(xWing, 3 + 7), v2, fileId, head, UserId, [sig], false),
            ("another file id", xWing, v2, otherFileId, head, UserId, [sig], false),
            ("another head (file)", xWing, v2, fileId, otherHead, UserId, [sig], false),
            ("another recipient user", xWing, v2, fileId, head, OtherUserId, [sig], false),
            ("another recipient device", toStranger, v2, fileId, head, UserId, [sig], false),
            ("a signer not of the owner", xWing, v2, fileId, head, UserId, [strangerSig], false),
            ("no signer at all", xWing, v2, fileId, head, UserId, [], false),
            ("X25519 wrap for X-Wing keys", x25519, v2, fileId, head, UserId, [sig], false),
            ("X-Wing wrap for version 1 keys", xWing, v1, fileId, head, UserId, [sig], false),
            ("padded base64url", x25519 + "=", v1, fileId, head, UserId, [sig], false),
            ("standard base64", Convert.ToBase64String(Base64UrlDecode(xWing)), v2, fileId, head, UserId, [sig], false),
            ("non-zero spare bits", SpareBits(x25519), v1, fileId, head, UserId, [sig], false),
            ("trailing byte", Base64UrlEncode([.. Base64UrlDecode(x25519), 0]), v1, fileId, head, UserId, [sig], false),
            ("cut short", x25519[..^4], v1, fileId, head, UserId, [sig], false),
            ("too long", new string('A', FileKeyWrap.MaxLength + 4), v1, fileId, head, UserId, [sig], false),
            ("empty", "", v1, fileId, head, UserId, [sig], false),
        ];
        string[] opened = await page.Page.EvaluateAsync<string[]>($$"""
            async (cases) => {
              {{Prelude}}
              const out = [];
              for (const c of cases) {
                try {
                  const r = await W.unwrapFileKey(me, { wrap: c.wrap, fileId: c.fileId, head: hex(c.head), userId: c.user,
                    senderSigningKeys: c.signers.map(hex), registeredKeys: hex(c.keys) });
                  out.push(r === null ? 'refused' : `${toHex(r.fileKey)} signed by ${toHex(r.signer)}`);
                } catch (e) {
                  out.push(`threw ${e.name}: ${e.message}`);
                }
              }
              return out;
            }
            """, cases.Select(c => new { name = c.Name, wrap = c.Wrap, keys = Hex(c.Keys), fileId = c.FileId, head = Hex(c.Head.Bytes), user = c.User, signers = c.Signers }).ToArray());
        string opens = $"{Convert.ToHexStringLower(fileKey)} signed by {Convert.ToHexStringLower(sender.SigningPublicKey)}";
        Assert.Equal(cases.Select(c => $"{c.Name}: {(c.Opens ? opens : "refused")}"), cases.Zip(opened, (c, o) => $"{c.Name}: {o}"));
        Assert.Empty(page.PageErrors);
    }

    [Fact]
    public async Task A_wrap_made_in_the_browser_opens_in_dotnet_only_for_its_file_recipient_and_signer()
    {
        using DeviceIdentity withXWing = DeviceIdentity.Generate();
        using DeviceIdentity version1 = DeviceIdentity.FromPrivateKeys(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
        Assert.True(withXWing.HasXWing);
        Assert.False(version1.HasXWing);
        byte[] fileKey = FileEncryptor.NewFileKey();
        string fileId = FileId.New();
        FileHead head = Head(fileKey, fileId), otherHead = Head(fileKey, fileId);

        await using Person page = await OpenAsync();
        JsonElement result = await page.Page.EvaluateAsync<JsonElement>($$"""
            async ({ fileKey, fileId, head, userId, recipients }) => {
              {{Prelude}}
              const wraps = [], devices = [];
              for (const keys of recipients) {
                wraps.push(await W.wrapFileKey(me, { fileKey: hex(fileKey), fileId, head: hex(head), userId, recipientKeys: hex(keys) }));
                devices.push(await W.deviceDigest(hex(keys)));
              }
              // The registered keys as base64, as the API and the roster carry them, give the same kind of wrap.
              const { toBase64 } = await import('/e2ee/signed-roster.js');
              wraps.push(await W.wrapFileKey(me, { fileKey: hex(fileKey), fileId, head: hex(head), userId, recipientKeys: toBase64(hex(recipients[0])) }));
              // The caller's own mistakes are errors, not wraps.
              const refused = [];
              for (const [name, what] of [
                ['bad file id', { fileId: 'no/slash' }], ['short key', { fileKey: hex('00') }], ['garbage keys', { recipientKeys: hex('0102') }],
                ['long user id', { userId: 'x'.repeat(65536) }], ['head not bytes', { head: 'head' }],
              ]) {
                try {
                  await W.wrapFileKey(me, { fileKey: hex(fileKey), fileId, head: hex(head), userId, recipientKeys: hex(recipients[0]), ...what });
                  refused.push(`${name}: wrapped`);
                } catch (e) {
                  refused.push(`${name}: ${e.name}`);
                }
              }
              return { wraps, devices, refused, signer: toHex(me.signingPublicKey) };
            }
            """, new
        {
            fileKey = Convert.ToHexString(fileKey), fileId, head = Convert.ToHexString(head.Bytes), userId = UserId,
            recipients = new[] { Convert.ToHexString(DevicePublicKeys.Of(withXWing).ToBytes()), Convert.ToHexString(DevicePublicKeys.Of(version1).ToBytes()) },
        });
        string[] wraps = [.. result.GetProperty("wraps").EnumerateArray().Select(w => w.GetString()!)];
        byte[] signer = Convert.FromHexString(result.GetProperty("signer").GetString()!);
        Assert.Equal([1650, 199, 1650], wraps.Select(w => w.Length));
        Assert.Equal(
            [SecureFiles.DeviceDigest(DevicePublicKeys.Of(withXWing).ToBytes()), SecureFiles.DeviceDigest(DevicePublicKeys.Of(version1).ToBytes())],
            result.GetProperty("devices").EnumerateArray().Select(d => d.GetString()!));
        Assert.Equal(["bad file id: TypeError", "short key: TypeError", "garbage keys: TypeError", "long user id: TypeError", "head not bytes: TypeError"],
            result.GetProperty("refused").EnumerateArray().Select(r => r.GetString()!));

        (string Name, bool Opened) Open(string name, string wrap, DeviceIdentity recipient, DevicePublicKeys registered, string id, FileHead h, string user, byte[] signingKey)
        {
            bool ok = FileKeyWrap.TryUnwrap(wrap, recipient, registered, id, h, user, signingKey, out byte[] key);
            Assert.True(!ok || key.AsSpan().SequenceEqual(fileKey), $"{name}: opened to another key");
            return (name, ok);
        }
        using DeviceIdentity stranger = DeviceIdentity.Generate();
        DevicePublicKeys xWingKeys = DevicePublicKeys.Of(withXWing), v1Keys = DevicePublicKeys.Of(version1);
        DevicePublicKeys xWingAsVersion1 = new(xWingKeys.SigningPublicKey, xWingKeys.AgreementPublicKey);
        (string, bool)[] expected =
        [
            ("X-Wing", true), ("X25519", true), ("from base64 keys", true), ("forged signature", false), ("another file id", false),
            ("another head", false), ("another user", false), ("another signer", false), ("another device", false), ("kem mismatch", false),
        ];
        (string, bool)[] actual =
        [
            Open("X-Wing", wraps[0], withXWing, xWingKeys, fileId, head, UserId, signer),
            Open("X25519", wraps[1], version1, v1Keys, fileId, head, UserId, signer),
            Open("from base64 keys", wraps[2], withXWing, xWingKeys, fileId, head, UserId, signer),
            Open("forged signature", Flip(wraps[0], ^3), withXWing, xWingKeys, fileId, head, UserId, signer),
            Open("another file id", wraps[0], withXWing, xWingKeys, FileId.New(), head, UserId, signer),
            Open("another head", wraps[0], withXWing, xWingKeys, fileId, otherHead, UserId, signer),
            Open("another user", wraps[1], version1, v1Keys, fileId, head, OtherUserId, signer),
            Open("another signer", wraps[1], version1, v1Keys, fileId, head, UserId, stranger.SigningPublicKey.ToArray()),
            Open("another device", wraps[0], stranger, DevicePublicKeys.Of(stranger), fileId, head, UserId, signer),
            Open("kem mismatch", wraps[0], withXWing, xWingAsVersion1, fileId, head, UserId, signer),
        ];
        Assert.Equal(expected, actual);
        Assert.Empty(page.PageErrors);
    }

    private async Task<Person> OpenAsync()
    {
        Person page = await fixture.NewPersonAsync("File key wraps");
        await page.OpenAsync(fixture.Server.BaseAddress.ToString());
        return page;
    }

    /// <summary>The head of a small file under <paramref name="fileKey"/>, with a fresh nonce prefix (so two calls give
    /// two different heads, as two files would).</summary>
    private static FileHead Head(byte[] fileKey, string fileId)
    {
        byte[] content = RandomNumberGenerator.GetBytes(100);
        var manifest = new FileManifest("notes é.txt", "text/plain", content.Length, SHA256.HashData(content));
        return FileEncryptor.CreateHead(fileKey, fileId, manifest, BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)));
    }

    /// <summary>The wrap with one bit of byte <paramref name="at"/> flipped, re-encoded canonically.</summary>
    private static string Flip(string wrap, Index at)
    {
        byte[] bytes = Base64UrlDecode(wrap);
        bytes[at] ^= 0x01;
        return Base64UrlEncode(bytes);
    }

    /// <summary>The same bytes with a spare bit set in the last character (149 bytes leave 2 spare bits): a reader
    /// that does not insist on the canonical form would decode it to the same wrap.</summary>
    private static string SpareBits(string wrap)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int last = Alphabet.IndexOf(wrap[^1], StringComparison.Ordinal);
        return wrap[..^1] + Alphabet[last | 1];
    }

    private static byte[] Base64UrlDecode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);

    private static string Base64UrlEncode(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
