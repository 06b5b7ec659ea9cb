using System.Security.Cryptography;
using System.Text.Json;
using Conclave.E2ee.Identity;
using Conclave.E2ee.Roster;

namespace Conclave.Browser.Tests;

/// <summary>Signed membership statements (version 2, docs/e2ee.md) are the same bytes in the browser
/// (Clients/web/e2ee/membership.js) and in .NET (MembershipStatement): the same statement encodes to the same bytes,
/// its participants digest is the security code digest on both sides, a statement signed on one side verifies and
/// reads back on the other, and a changed, missing or extra byte fails on both.</summary>
public sealed class MembershipInteropTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Helpers = """
        const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
        const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
        """;

    [Fact]
    public async Task A_statement_signed_in_dotnet_verifies_in_the_browser_and_the_reverse()
    {
        await using Person page = await fixture.NewPersonAsync("Membership");
        await page.OpenAsync(fixture.Server.BaseAddress.ToString());

        // .NET signs, the browser verifies (and rejects any one-bit change, truncation or extra byte).
        using DeviceIdentity alice = DeviceIdentity.Generate();
        byte[] other = Enumerable.Repeat((byte)7, 32).ToArray();
        byte[] deviceKeys = SHA256.HashData(DevicePublicKeys.Of(alice).ToBytes());
        var statement = new MembershipStatement(MembershipKind.Join, "salle-é", "call-1", "s-alice", 5, alice.SigningPublicKey.ToArray(),
            deviceKeys, [other, alice.SigningPublicKey.ToArray()]);
        byte[] signed = statement.Sign(alice);
        JsonElement read = await page.Page.EvaluateAsync<JsonElement>($$"""
            async ({ signed }) => {
              const M = await import('/e2ee/membership.js');
              {{Helpers}}
              const bytes = hex(signed);
              const s = await M.verifySignedStatement(bytes);
              let accepted = 0;
              for (let i = 0; i < bytes.length; i++) {
                const changed = bytes.slice();
                changed[i] ^= 1;
                if (await M.verifySignedStatement(changed) !== null) accepted++;
              }
              for (let n = 0; n < bytes.length; n++) if (await M.verifySignedStatement(bytes.subarray(0, n)) !== null) accepted++;
              if (await M.verifySignedStatement(Uint8Array.of(...bytes, 0)) !== null) accepted++;
              const body = bytes.subarray(0, bytes.length - 64);
              for (let n = 0; n < body.length; n++) if (M.decodeStatement(body.subarray(0, n)) !== null) accepted++;
              if (M.decodeStatement(Uint8Array.of(...body, 0)) !== null) accepted++;
              return {
                ok: s !== null, accepted,
                kind: s?.kind, room: s?.room, call: s?.call, session: s?.session, epoch: String(s?.epoch),
                signer: s ? toHex(s.signer) : null, deviceKeys: s ? toHex(s.deviceKeysDigest) : null,
                digest: s ? toHex(s.participantsDigest) : null, hasParticipants: s !== null && 'participants' in s,
                reencoded: s ? toHex(await M.encodeStatement(s)) : null,
              };
            }
            """, new { signed = Convert.ToHexString(signed) });
        Assert.True(read.GetProperty("ok").GetBoolean());
        Assert.Equal(0, read.GetProperty("accepted").GetInt32());
        Assert.Equal((1, "salle-é", "call-1", "s-alice", "5"), (read.GetProperty("kind").GetInt32(), read.GetProperty("room").GetString(),
            read.GetProperty("call").GetString(), read.GetProperty("session").GetString(), read.GetProperty("epoch").GetString()));
        Assert.Equal(Convert.ToHexStringLower(alice.SigningPublicKey), read.GetProperty("signer").GetString());
        Assert.Equal(Convert.ToHexStringLower(deviceKeys), read.GetProperty("deviceKeys").GetString());
        Assert.Equal(Convert.ToHexStringLower(SecurityCode.Digest([alice.SigningPublicKey.ToArray(), other])), read.GetProperty("digest").GetString());
        Assert.False(read.GetProperty("hasParticipants").GetBoolean());
        Assert.Equal(Convert.ToHexStringLower(statement.Encode()), read.GetProperty("reencoded").GetString());

        // The browser signs with its device identity, .NET verifies.
        string[] fromBrowser = await page.Page.EvaluateAsync<string[]>($$"""
            async ({ other }) => {
              const M = await import('/e2ee/membership.js');
              const { loadDeviceIdentity } = await import('/e2ee/device-identity.js');
              {{Helpers}}
              const me = await loadDeviceIdentity({ dbName: 'membership-interop' });
              const signed = await M.signStatement(me, { kind: M.MembershipKind.Leave, room: 'room-2', call: 'call-9', session: 's-bruno',
                epoch: 2n ** 64n - 1n, signer: me.signingPublicKey, deviceKeysDigest: hex(other), participants: [hex(other), me.signingPublicKey, hex(other)] });
              return [toHex(signed), toHex(me.signingPublicKey)];
            }
            """, new { other = Convert.ToHexString(other) });
        byte[] fromBruno = Convert.FromHexString(fromBrowser[0]);
        Assert.True(MembershipStatement.TryVerify(fromBruno, out MembershipStatement? bruno));
        Assert.Equal((MembershipKind.Leave, "room-2", "call-9", "s-bruno", ulong.MaxValue), (bruno!.Kind, bruno.Room, bruno.Call, bruno.Session, bruno.Epoch));
        Assert.Equal(fromBrowser[1], Convert.ToHexStringLower(bruno.Signer.Span));
        Assert.Equal(other, bruno.DeviceKeysDigest.ToArray());
        Assert.Equal(SecurityCode.Digest([Convert.FromHexString(fromBrowser[1]), other]), bruno.ParticipantsDigest.ToArray());
        for (int i = 0; i < fromBruno.Length; i++)
        {
            byte[] changed = (byte[])fromBruno.Clone();
            changed[i] ^= 1;
            Assert.False(MembershipStatement.TryVerify(changed, out _), $"byte {i} changed");
        }
        Assert.Equal(198 + "room-2".Length + "call-9".Length + "s-bruno".Length, fromBruno.Length);   // 134 + texts + 64
    }

    [Fact]
    public async Task The_same_statement_is_the_same_bytes_in_the_browser_and_in_dotnet()
    {
        var random = new Random(21);
        byte[] RandomKey() => RandomNumberGenerator.GetBytes(32);
        byte[][] many = [.. Enumerable.Range(0, 50).Select(_ => RandomKey())];
        var cases = new List<(int Kind, string Room, string Call, string Session, ulong Epoch, byte[] Signer, byte[] DeviceKeys, byte[][] Participants)>
        {
            (1, "room-1", "call-7", "s-1", 3, Enumerable.Repeat((byte)1, 32).ToArray(), Enumerable.Repeat((byte)5, 32).ToArray(),
                [Enumerable.Repeat((byte)2, 32).ToArray(), Enumerable.Repeat((byte)1, 32).ToArray()]),
            (2, "", "", "", 0, RandomKey(), RandomKey(), []),                                       // a leave that sees nobody
            (1, "salle é 🎥 日本", "Bx3kTq9v0aLmZ7yR2cWd1g", "Qn8sVb4eHk2tYw6uJp0zXa", ulong.MaxValue, many[0], many[1], many),
            (2, new string('r', 64), "c", "\uFEFFs", 1UL << 53, many[1], many[2], [.. many[..20], many[3], many[7]]),   // duplicates
        };
        var shuffled = many.ToArray();
        random.Shuffle(shuffled);
        cases.Add((1, "room", "call", "s", 42, many[0], many[1], shuffled));                          // the order does not matter

        string[] fromDotnet = [.. cases.Select(c => Convert.ToHexStringLower(new MembershipStatement((MembershipKind)c.Kind, c.Room, c.Call, c.Session, c.Epoch,
            c.Signer, c.DeviceKeys, [.. c.Participants.Select(p => (ReadOnlyMemory<byte>)p)]).Encode()))];
        Assert.Equal(fromDotnet[2][^64..], fromDotnet[4][^64..]);                                    // the same set, the same digest
        Assert.Equal(
            "436f6e636c617665206d656d6265727368697020763300010006726f6f6d2d31000663616c6c2d370003732d310000000000000003"
            + "0101010101010101010101010101010101010101010101010101010101010101"
            + "0505050505050505050505050505050505050505050505050505050505050505"
            + "8e9a35ea83e2a5b32c2060b0fb029e028a341d777a655110ff86e1178e1fe090", fromDotnet[0]);

        await using Person page = await fixture.NewPersonAsync("Membership bytes");
        await page.OpenAsync(fixture.Server.BaseAddress.ToString());
        string[] fromBrowser = await page.Page.EvaluateAsync<string[]>($$"""
            async (cases) => {
              const M = await import('/e2ee/membership.js');
              const { securityCodeDigest } = await import('/e2ee/security-code.js');
              {{Helpers}}
              const out = [];
              for (const c of cases) {
                const statement = { kind: c.kind, room: c.room, call: c.call, session: c.session, epoch: BigInt(c.epoch), signer: hex(c.signer),
                  deviceKeysDigest: hex(c.deviceKeys) };
                const bytes = await M.encodeStatement({ ...statement, participants: c.participants.map(hex) });
                const digest = await securityCodeDigest(c.participants.map(hex));
                const same = toHex(await M.encodeStatement({ ...statement, participantsDigest: digest })) === toHex(bytes);
                out.push(same ? toHex(bytes) : 'the digest gives other bytes');
              }
              return out;
            }
            """, cases.Select(c => new
        {
            kind = c.Kind, room = c.Room, call = c.Call, session = c.Session, epoch = c.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            signer = Convert.ToHexString(c.Signer), deviceKeys = Convert.ToHexString(c.DeviceKeys), participants = c.Participants.Select(Convert.ToHexString).ToArray(),
        }).ToArray());
        Assert.Equal(fromDotnet, fromBrowser);
    }
}
