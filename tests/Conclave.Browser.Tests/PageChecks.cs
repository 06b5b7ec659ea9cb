using System.Text.Json;

namespace Conclave.Browser.Tests;

/// <summary>Runs a script of checks in a page of the app and fails with every failed check by name. The script is an
/// async function of one string (the input) that returns <c>{ checked, failures }</c>; the vector tests of the web
/// client's e2ee modules are written this way, so one run shows every wrong vector.</summary>
internal static class PageChecks
{
    public static async Task RunAsync(BrowserFixture fixture, ITestOutputHelper output, string name, string script, string input, int minimumChecks)
    {
        await using Person tester = await fixture.NewPersonAsync(name);
        await tester.OpenAsync(fixture.Server.BaseAddress.ToString());
        JsonElement result = await tester.Page.EvaluateAsync<JsonElement>(script, input);

        int checks = result.GetProperty("checked").GetInt32();
        List<string> failures = [.. result.GetProperty("failures").EnumerateArray().Select(f => f.GetString() ?? "")];
        output.WriteLine($"{checks} checks, {failures.Count} failed");
        foreach (string failure in failures.Take(200)) output.WriteLine(failure);
        Assert.True(failures.Count == 0,
            $"{failures.Count} of {checks} checks failed:\n{string.Join('\n', failures.Take(60))}\nconsole: {string.Join(" | ", tester.Console)}");
        Assert.True(checks >= minimumChecks, $"only {checks} checks ran, expected at least {minimumChecks}");
        Assert.Empty(tester.PageErrors);
    }
}
