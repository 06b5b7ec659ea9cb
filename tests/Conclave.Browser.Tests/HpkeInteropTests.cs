using System.Security.Cryptography;
using System.Text.Json;
using Conclave.E2ee.Hpke;

namespace Conclave.Browser.Tests;

/// <summary>
/// The two HPKE implementations (RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM) wrap
/// keys for each other: what the .NET library seals to a browser device key (a non-extractable WebCrypto key) opens in
/// the page, and what the page seals to a .NET device key opens in .NET. This is how a sender's media key will reach
/// each participant (issue 5). The same both ways with the hybrid post-quantum KEM X-Wing (kem_id 0x647a): Conclave's
/// suite X-Wing / HKDF-SHA256 / AES-128-GCM, and the other KDF and AEAD the two libraries implement.
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

    /// <summary>The X-Wing suites both libraries implement: Conclave's first, then the KDF and AEAD of the published vectors.</summary>
    private static readonly HpkeSuite[] XWingSuites =
    [
        HpkeSuite.XWingSha256Aes128Gcm,
        new(HpkeKemId.XWing, HpkeKdfId.HkdfSha256, HpkeAeadId.ChaCha20Poly1305),
        new(HpkeKemId.XWing, HpkeKdfId.Shake256, HpkeAeadId.Aes128Gcm),
        new(HpkeKemId.XWing, HpkeKdfId.Shake256, HpkeAeadId.ChaCha20Poly1305),
    ];

    private static HpkeSuite[] SupportedXWingSuites()
    {
        HpkeSuite[] suites = [.. XWingSuites.Where(s => s.IsSupported)];
        Assert.Contains(HpkeSuite.XWingSha256Aes128Gcm, suites);
        return suites;
    }

    private static object SuiteForPage(HpkeSuite suite) => new { kemId = (int)suite.Kem, kdfId = (int)suite.Kdf, aeadId = (int)suite.Aead };

    [Fact]
    public async Task An_X_Wing_key_sealed_in_dotnet_opens_in_the_browser()
    {
        await using Person page = await OpenAsync();
        // The browser makes the device key from a random seed; .NET expands the same seed to the same public key.
        JsonElement device = await page.Page.EvaluateAsync<JsonElement>("""
            async () => {
              const X = await import('/e2ee/xwing.js');
              window.xwingDevice = await X.generate();
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              return { seed: toHex(window.xwingDevice.seed), publicKey: toHex(window.xwingDevice.publicKey) };
            }
            """);
        byte[] publicKey = Convert.FromHexString(device.GetProperty("publicKey").GetString()!);
        using (HpkeKeyPair same = HpkeKeyPair.FromPrivateKey(HpkeKemId.XWing, Convert.FromHexString(device.GetProperty("seed").GetString()!)))
            Assert.Equal(same.PublicKey.ToArray(), publicKey);

        var sealedKeys = new List<object>();
        var expected = new List<string>();
        foreach (HpkeSuite suite in SupportedXWingSuites())
        {
            for (int i = 0; i < 3; i++)
            {
                byte[] mediaKey = RandomNumberGenerator.GetBytes(16 + i * 8);
                byte[] aad = RandomNumberGenerator.GetBytes(i * 5);
                Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Seal(suite, publicKey, Info, aad, mediaKey, out byte[] enc, out byte[] ciphertext));
                Assert.Equal(1120, enc.Length);
                sealedKeys.Add(new { suite = SuiteForPage(suite), enc = Convert.ToHexString(enc), aad = Convert.ToHexString(aad), ct = Convert.ToHexString(ciphertext) });
                expected.Add(Convert.ToHexStringLower(mediaKey));
            }
        }

        string[] opened = await page.Page.EvaluateAsync<string[]>("""
            async ({ info, keys }) => {
              const H = await import('/e2ee/hpke.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const results = [];
              for (const k of keys) {
                const suite = H.cipherSuite(k.suite.kemId, k.suite.kdfId, k.suite.aeadId);
                const r = await H.open(window.xwingDevice.decapsulationKey, hex(k.enc), hex(info), hex(k.aad), hex(k.ct), { suite });
                const bySeed = await H.open(window.xwingDevice.seed, hex(k.enc), hex(info), hex(k.aad), hex(k.ct), { suite });
                const otherInfo = await H.open(window.xwingDevice.seed, hex(k.enc), new Uint8Array(1), hex(k.aad), hex(k.ct), { suite });
                results.push(!r.ok ? `failed: ${r.error}` : !bySeed.ok ? `failed with the seed: ${bySeed.error}`
                  : otherInfo.ok ? 'opened with another info' : toHex(r.pt));
              }
              return results;
            }
            """, new { info = Convert.ToHexString(Info), keys = sealedKeys });
        Assert.Equal(expected, opened);
    }

    [Fact]
    public async Task An_X_Wing_key_sealed_in_the_browser_opens_in_dotnet()
    {
        using HpkeKeyPair device = HpkeKeyPair.Generate(HpkeKemId.XWing);
        HpkeSuite[] suites = SupportedXWingSuites();
        await using Person page = await OpenAsync();
        JsonElement sealedKeys = await page.Page.EvaluateAsync<JsonElement>("""
            async ({ publicKey, info, suites }) => {
              const H = await import('/e2ee/hpke.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const results = [];
              for (const [index, s] of suites.entries()) {
                const suite = H.cipherSuite(s.kemId, s.kdfId, s.aeadId);
                for (let i = 0; i < 3; i++) {
                  const mediaKey = crypto.getRandomValues(new Uint8Array(16 + i * 8));
                  const aad = crypto.getRandomValues(new Uint8Array(i * 5));
                  const { enc, ct } = await H.seal(hex(publicKey), hex(info), aad, mediaKey, { suite });
                  results.push({ suite: index, key: toHex(mediaKey), aad: toHex(aad), enc: toHex(enc), ct: toHex(ct) });
                }
              }
              return results;
            }
            """, new { publicKey = Convert.ToHexString(device.PublicKey), info = Convert.ToHexString(Info), suites = suites.Select(SuiteForPage).ToArray() });

        Assert.Equal(3 * suites.Length, sealedKeys.GetArrayLength());
        foreach (JsonElement sealedKey in sealedKeys.EnumerateArray())
        {
            byte[] Bytes(string name) => Convert.FromHexString(sealedKey.GetProperty(name).GetString()!);
            HpkeSuite suite = suites[sealedKey.GetProperty("suite").GetInt32()];
            Assert.Equal(1120, Bytes("enc").Length);
            Assert.Equal(HpkeStatus.Ok, HpkeBaseMode.Open(suite, device, Bytes("enc"), Info, Bytes("aad"), Bytes("ct"), out byte[] mediaKey));
            Assert.Equal(sealedKey.GetProperty("key").GetString(), Convert.ToHexStringLower(mediaKey));
            // Another info, or another suite, does not open it.
            Assert.Equal(HpkeStatus.AuthenticationFailed, HpkeBaseMode.Open(suite, device, Bytes("enc"), "other"u8, Bytes("aad"), Bytes("ct"), out _));
            HpkeSuite otherKdf = suite with { Kdf = suite.Kdf == HpkeKdfId.HkdfSha256 ? HpkeKdfId.Shake256 : HpkeKdfId.HkdfSha256 };
            Assert.NotEqual(HpkeStatus.Ok, HpkeBaseMode.Open(otherKdf, device, Bytes("enc"), Info, Bytes("aad"), Bytes("ct"), out _));
        }
    }

    private async Task<Person> OpenAsync()
    {
        Person page = await fixture.NewPersonAsync("HPKE interop");
        await page.OpenAsync(fixture.Server.BaseAddress.ToString());
        return page;
    }
}
