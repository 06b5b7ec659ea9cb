using Conclave.E2ee.Identity;

namespace Conclave.Browser.Tests;

/// <summary>Device signatures (Ed25519, RFC 8032) made in the browser (Clients/web/e2ee/device-identity.js, a
/// non-extractable WebCrypto key) verify in .NET (DeviceIdentity), and the reverse: the signed membership statements
/// of issue 5 will be checked by both kinds of client.</summary>
public sealed class SignatureInteropTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly byte[] Statement = "join room-1 call-7 epoch 3 {alice, bob}"u8.ToArray();

    [Fact]
    public async Task A_browser_signature_verifies_in_dotnet_and_a_dotnet_signature_verifies_in_the_browser()
    {
        await using Person page = await fixture.NewPersonAsync("Signatures");
        await page.OpenAsync(fixture.Server.BaseAddress.ToString());
        string[] browser = await page.Page.EvaluateAsync<string[]>("""
            async (statement) => {
              const D = await import('/e2ee/device-identity.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const identity = await D.loadDeviceIdentity({ dbName: 'signature-interop' });
              return [toHex(identity.signingPublicKey), toHex(await identity.sign(hex(statement))), identity.fingerprint];
            }
            """, Convert.ToHexString(Statement));
        byte[] browserKey = Convert.FromHexString(browser[0]), browserSignature = Convert.FromHexString(browser[1]);
        Assert.True(DeviceIdentity.Verify(browserKey, browserSignature, Statement));
        Assert.False(DeviceIdentity.Verify(browserKey, browserSignature, [.. Statement, 0]));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(browserKey)), browser[2]);   // one fingerprint definition

        using DeviceIdentity dotnet = DeviceIdentity.Generate();
        byte[] signature = dotnet.Sign(Statement);
        bool[] verified = await page.Page.EvaluateAsync<bool[]>("""
            async ({ key, signature, statement }) => {
              const D = await import('/e2ee/device-identity.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const other = hex(statement + '00');
              return [await D.verify(hex(key), hex(signature), hex(statement)), await D.verify(hex(key), hex(signature), other)];
            }
            """, new { key = Convert.ToHexString(dotnet.SigningPublicKey), signature = Convert.ToHexString(signature), statement = Convert.ToHexString(Statement) });
        Assert.Equal([true, false], verified);
    }
}
