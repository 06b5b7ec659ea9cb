using System.Security.Cryptography;
using System.Text.Json;
using Conclave.E2ee.SFrame;

namespace Conclave.Browser.Tests;

/// <summary>
/// The two SFrame implementations (RFC 9605) share one wire format: frames the .NET client library encrypts
/// (Clients/Conclave.E2ee) decrypt in the browser's module (Clients/web/e2ee, WebCrypto in Chromium), and the reverse,
/// for every cipher suite, with Conclave's KID layout (sender index, epoch) and with and without metadata.
/// </summary>
public sealed class SFrameInteropTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const ulong SenderIndex = 41;
    private const ulong Epoch = 7;
    private static readonly int[] FrameSizes = [0, 1, 15, 16, 17, 160, 1_200, 9_000];

    public static TheoryData<SFrameCipherSuite> Suites =>
    [
        SFrameCipherSuite.Aes128CtrHmacSha256_80, SFrameCipherSuite.Aes128CtrHmacSha256_64, SFrameCipherSuite.Aes128CtrHmacSha256_32,
        SFrameCipherSuite.Aes128GcmSha256_128, SFrameCipherSuite.Aes256GcmSha512_128,
    ];

    [Theory]
    [MemberData(nameof(Suites))]
    public async Task Frames_encrypted_in_dotnet_decrypt_in_the_browser(SFrameCipherSuite suite)
    {
        byte[] baseKey = RandomNumberGenerator.GetBytes(32);
        SFrameKeyId kid = SFrameKeyId.Create(SenderIndex, Epoch);
        using var sender = new SFrameSender(suite);
        sender.SetKey(kid, baseKey);
        var frames = new List<Frame>();
        foreach (int size in FrameSizes)
        {
            foreach (bool withMetadata in new[] { false, true })
            {
                byte[] plaintext = RandomNumberGenerator.GetBytes(size);
                byte[] metadata = withMetadata ? RandomNumberGenerator.GetBytes(12) : [];
                byte[] ciphertext = new byte[sender.GetCiphertextLength(size)];
                Assert.Equal(SFrameStatus.Ok, sender.Encrypt(plaintext, metadata, ciphertext, out int written));
                frames.Add(new Frame(Convert.ToHexString(plaintext), Convert.ToHexString(metadata), Convert.ToHexString(ciphertext, 0, written)));
            }
        }

        await using Person page = await OpenAsync();
        string[] failures = await page.Page.EvaluateAsync<string[]>("""
            async ({ suite, kid, baseKey, frames }) => {
              const S = await import('/e2ee/sframe.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const receiver = new S.SFrameReceiver({ cipherSuite: suite });
              await receiver.addKey(BigInt(kid), hex(baseKey));
              const failures = [];
              for (const [i, f] of frames.entries()) {
                const r = await receiver.decrypt(hex(f.ciphertext), hex(f.metadata));
                const got = r.plaintext ? Array.from(r.plaintext, (b) => b.toString(16).padStart(2, '0')).join('').toUpperCase() : null;
                if (r.status !== 'ok' || got !== f.plaintext) failures.push(`frame ${i}: ${r.status}`);
                if (r.kid !== BigInt(kid)) failures.push(`frame ${i}: kid ${r.kid}`);
              }
              return failures;
            }
            """, new { suite = (int)suite, kid = kid.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), baseKey = Convert.ToHexString(baseKey), frames });
        Assert.Empty(failures);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public async Task Frames_encrypted_in_the_browser_decrypt_in_dotnet(SFrameCipherSuite suite)
    {
        byte[] baseKey = RandomNumberGenerator.GetBytes(32);
        SFrameKeyId kid = SFrameKeyId.Create(SenderIndex, Epoch);
        await using Person page = await OpenAsync();
        JsonElement frames = await page.Page.EvaluateAsync<JsonElement>("""
            async ({ suite, senderIndex, epoch, baseKey, sizes }) => {
              const S = await import('/e2ee/sframe.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const sender = new S.SFrameSender({ cipherSuite: suite });
              await sender.setKey(S.conclaveKid(BigInt(senderIndex), epoch), hex(baseKey));
              const frames = [];
              for (const size of sizes) {
                for (const withMetadata of [false, true]) {
                  const plaintext = crypto.getRandomValues(new Uint8Array(size));
                  const metadata = withMetadata ? crypto.getRandomValues(new Uint8Array(12)) : new Uint8Array(0);
                  const r = await sender.encrypt(plaintext, metadata);
                  frames.push({ status: r.status, plaintext: toHex(plaintext), metadata: toHex(metadata), ciphertext: toHex(r.ciphertext ?? []) });
                }
              }
              return frames;
            }
            """, new { suite = (int)suite, senderIndex = (int)SenderIndex, epoch = (int)Epoch, baseKey = Convert.ToHexString(baseKey), sizes = FrameSizes });

        using var receiver = new SFrameReceiver(suite);
        receiver.AddKey(kid, baseKey);
        Assert.Equal(FrameSizes.Length * 2, frames.GetArrayLength());
        foreach (JsonElement frame in frames.EnumerateArray())
        {
            Assert.Equal("ok", frame.GetProperty("status").GetString());
            byte[] ciphertext = Convert.FromHexString(frame.GetProperty("ciphertext").GetString()!);
            byte[] metadata = Convert.FromHexString(frame.GetProperty("metadata").GetString()!);
            byte[] plaintext = new byte[receiver.GetMaxPlaintextLength(ciphertext.Length)];
            Assert.Equal(SFrameStatus.Ok, receiver.Decrypt(ciphertext, metadata, plaintext, out int written, out SFrameHeader header));
            Assert.Equal(frame.GetProperty("plaintext").GetString(), Convert.ToHexStringLower(plaintext, 0, written));
            Assert.Equal(kid.Value, header.KeyId);
        }
    }

    private async Task<Person> OpenAsync()
    {
        Person page = await fixture.NewPersonAsync("SFrame interop");
        await page.OpenAsync(fixture.Server.BaseAddress.ToString());
        return page;
    }

    private sealed record Frame(string plaintext, string metadata, string ciphertext);
}
