using System.Security.Cryptography;
using Conclave.E2ee.Roster;

namespace Conclave.Browser.Tests;

/// <summary>The browser (Clients/web/e2ee/security-code.js) and the .NET library (SecurityCode) give every roster the
/// same security code, so participants on either compare the same digits (docs/e2ee.md).</summary>
public sealed class SecurityCodeInteropTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_browser_and_dotnet_compute_the_same_code_for_every_roster()
    {
        var rosters = new List<byte[][]>
        {
            new[] { Enumerable.Repeat((byte)1, 32).ToArray(), Enumerable.Repeat((byte)2, 32).ToArray(), Enumerable.Repeat((byte)3, 32).ToArray() },
            new[] { Enumerable.Repeat((byte)1, 32).ToArray(), Enumerable.Repeat((byte)1, 31).ToArray() },
        };
        foreach (int size in new[] { 1, 2, 3, 20, 50 })
            rosters.Add([.. Enumerable.Range(0, size).Select(_ => RandomNumberGenerator.GetBytes(32))]);
        rosters.Add([.. rosters[^1], rosters[^1][0]]);                                 // a duplicate

        await using Person page = await fixture.NewPersonAsync("Security code");
        await page.OpenAsync(fixture.Server.BaseAddress.ToString());
        string[] fromBrowser = await page.Page.EvaluateAsync<string[]>("""
            async (rosters) => {
              const { securityCode } = await import('/e2ee/security-code.js');
              const hex = (h) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
              const codes = [];
              for (const roster of rosters) codes.push(await securityCode(roster.map(hex)));
              return codes;
            }
            """, rosters.Select(r => r.Select(Convert.ToHexString).ToArray()).ToArray());

        string[] fromDotnet = [.. rosters.Select(r => SecurityCode.Compute(r.Select(k => (ReadOnlyMemory<byte>)k)))];
        Assert.Equal(fromDotnet, fromBrowser);
        Assert.Equal("11758 71833 17066 28466", fromBrowser[0]);
    }
}
