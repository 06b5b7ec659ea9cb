using System.Text.Json;
using Conclave.E2ee.Identity;
using Conclave.E2ee.Roster;

namespace Conclave.Browser.Tests;

/// <summary>Signed membership statements (version 1, docs/e2ee.md) are the same bytes in the browser
/// (Clients/web/e2ee/membership.js) and in .NET (MembershipStatement): a statement signed on one side verifies and
/// reads back on the other, and a changed byte fails on both.</summary>
public sealed class MembershipInteropTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_statement_signed_in_dotnet_verifies_in_the_browser_and_the_reverse()
    {
        await using Person page = await fixture.NewPersonAsync("Membership");
        await page.OpenAsync(fixture.Server.BaseAddress.ToString());

        // .NET signs, the browser verifies (and rejects a one-bit change).
        using DeviceIdentity alice = DeviceIdentity.Generate();
        byte[] other = Enumerable.Repeat((byte)7, 32).ToArray();
        var statement = new MembershipStatement(MembershipKind.Join, "salle-é", "call-1", "s-alice", 5, alice.SigningPublicKey.ToArray(),
            [other, alice.SigningPublicKey.ToArray()]);
        byte[] signed = statement.Sign(alice);
        byte[] tampered = (byte[])signed.Clone();
        tampered[30] ^= 1;
        JsonElement read = await page.Page.EvaluateAsync<JsonElement>("""
            async ({ signed, tampered }) => {
              const M = await import('/e2ee/membership.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const s = await M.verifySignedStatement(hex(signed));
              return {
                ok: s !== null, tamperedRejected: (await M.verifySignedStatement(hex(tampered))) === null,
                kind: s?.kind, room: s?.room, call: s?.call, session: s?.session, epoch: String(s?.epoch),
                signer: s ? toHex(s.signer) : null, participants: s ? s.participants.map(toHex) : [],
                reencoded: s ? toHex(M.encodeStatement(s)) : null,
              };
            }
            """, new { signed = Convert.ToHexString(signed), tampered = Convert.ToHexString(tampered) });
        Assert.True(read.GetProperty("ok").GetBoolean());
        Assert.True(read.GetProperty("tamperedRejected").GetBoolean());
        Assert.Equal((1, "salle-é", "call-1", "s-alice", "5"), (read.GetProperty("kind").GetInt32(), read.GetProperty("room").GetString(),
            read.GetProperty("call").GetString(), read.GetProperty("session").GetString(), read.GetProperty("epoch").GetString()));
        Assert.Equal(Convert.ToHexStringLower(alice.SigningPublicKey), read.GetProperty("signer").GetString());
        Assert.Equal(Convert.ToHexStringLower(statement.Encode()), read.GetProperty("reencoded").GetString());
        Assert.Equal([.. new[] { other, alice.SigningPublicKey.ToArray() }.Select(Convert.ToHexStringLower).Order()],
            read.GetProperty("participants").EnumerateArray().Select(p => p.GetString()));

        // The browser signs with its device identity, .NET verifies.
        string[] fromBrowser = await page.Page.EvaluateAsync<string[]>("""
            async () => {
              const M = await import('/e2ee/membership.js');
              const { loadDeviceIdentity } = await import('/e2ee/device-identity.js');
              const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
              const me = await loadDeviceIdentity({ dbName: 'membership-interop' });
              const signed = await M.signStatement(me, { kind: M.MembershipKind.Leave, room: 'room-2', call: 'call-9', session: 's-bruno',
                epoch: 2n ** 64n - 1n, signer: me.signingPublicKey, participants: [me.signingPublicKey] });
              return [toHex(signed), toHex(me.signingPublicKey)];
            }
            """);
        Assert.True(MembershipStatement.TryVerify(Convert.FromHexString(fromBrowser[0]), out MembershipStatement? bruno));
        Assert.Equal((MembershipKind.Leave, "room-2", "call-9", "s-bruno", ulong.MaxValue), (bruno!.Kind, bruno.Room, bruno.Call, bruno.Session, bruno.Epoch));
        Assert.Equal(fromBrowser[1], Convert.ToHexStringLower(bruno.Signer.Span));
    }
}
