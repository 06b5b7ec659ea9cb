using System.Security.Cryptography;
using System.Text.Json;
using Conclave.E2ee.Hpke;

namespace Conclave.Browser.Tests;

/// <summary>
/// The two HPKE implementations (RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM) wrap
/// keys for each other: what the .NET library seals to a browser device key (a non-extractable WebCrypto key) opens in
/// the page, and what the page seals to a .NET device key opens in .NET. This is how a sender's media key will reach
/// each participant (issue 5).
/// </summary>
public sealed class HpkeInteropTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly byte[] Info = "Conclave media key test"u8.ToArray();

    [Fact]
    public async Task A_key_sealed_in_dotnet_opens_in_the_browser_with_a_non_extractable_device_key()
    {
        await using Person page = await OpenAsync();
        await page.Page.EvaluateAsync("""
            async () => {
              const H = await import('/e2ee/hpke.js');
              window.deviceKey = await H.generateKeyPair();
              if (window.deviceKey.privateKey.extractable) throw new Error('the device key is extractable');
            }
            """);
        string publicKeyHex = await page.Page.EvaluateAsync<string>(
            "() => Array.from(window.deviceKey.publicKeyBytes, (b) => b.toString(16).padStart(2, '0')).join('')");

        var sealedKeys = new List<object>();
        var expected = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            byte[] mediaKey = RandomNumberGenerator.GetBytes(16 + i * 8);
            byte[] aad = RandomNumberGenerator.GetBytes(i * 5);
            Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(HpkeSuite.X25519Sha256Aes128Gcm, Convert.FromHexString(publicKeyHex), Info, aad, mediaKey,
                out byte[] enc, out byte[] ciphertext));
            sealedKeys.Add(new { enc = Convert.ToHexString(enc), aad = Convert.ToHexString(aad), ct = Convert.ToHexString(ciphertext) });
            expected.Add(Convert.ToHexStringLower(mediaKey));
        }

        string[] opened = await page.Page.EvaluateAsync<string[]>("""
            async ({ info, keys }) => {
              const H = await import('/e2ee/hpke.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const results = [];
              for (const k of keys) {
                const r = await H.open(window.deviceKey, hex(k.enc), hex(info), hex(k.aad), hex(k.ct));
                results.push(r.ok ? Array.from(r.pt, (b) => b.toString(16).padStart(2, '0')).join('') : `failed: ${r.error}`);
              }
              return results;
            }
            """, new { info = Convert.ToHexString(Info), keys = sealedKeys });
        Assert.Equal(expected, opened);
    }

    [Fact]
    public async Task A_key_sealed_in_the_browser_opens_in_dotnet()
    {
        using HpkeKeyPair device = HpkeKeyPair.Generate(HpkeKemId.DhKemX25519HkdfSha256);
        await using Person page = await OpenAsync();
        JsonElement sealedKeys = await page.Page.EvaluateAsync<JsonElement>("""
            async ({ publicKey, info }) => {
              const H = await import('/e2ee/hpke.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const results = [];
              for (let i = 0; i < 4; i++) {
                const mediaKey = crypto.getRandomValues(new Uint8Array(16 + i * 8));
                const aad = crypto.getRandomValues(new Uint8Array(i * 5));
                const { enc, ct } = await H.seal(hex(publicKey), hex(info), aad, mediaKey);
                results.push({ key: toHex(mediaKey), aad: toHex(aad), enc: toHex(enc), ct: toHex(ct) });
              }
              return results;
            }
            """, new { publicKey = Convert.ToHexString(device.PublicKey), info = Convert.ToHexString(Info) });

        Assert.Equal(4, sealedKeys.GetArrayLength());
        foreach (JsonElement sealedKey in sealedKeys.EnumerateArray())
        {
            byte[] Bytes(string name) => Convert.FromHexString(sealedKey.GetProperty(name).GetString()!);
            Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Open(HpkeSuite.X25519Sha256Aes128Gcm, device, Bytes("enc"), Info, Bytes("aad"), Bytes("ct"), out byte[] mediaKey));
            Assert.Equal(sealedKey.GetProperty("key").GetString(), Convert.ToHexStringLower(mediaKey));
            // Another info (another call, another purpose) does not open it.
            Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(HpkeSuite.X25519Sha256Aes128Gcm, device, Bytes("enc"), "other"u8, Bytes("aad"), Bytes("ct"), out _));
        }
    }

    private async Task<Person> OpenAsync()
    {
        Person page = await fixture.NewPersonAsync("HPKE interop");
        await page.OpenAsync(fixture.Server.BaseAddress.ToString());
        return page;
    }
}
