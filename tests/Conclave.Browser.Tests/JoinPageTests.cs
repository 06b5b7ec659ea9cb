using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Conclave.Browser.Tests;

/// <summary>
/// The join page (Clients/web/join.html) in a real Chromium: invitation links redeemed by the page,
/// signaling over a WebSocket, the live roster, leaving, reloading, errors and language.
/// Every wait is on a condition in the page, bounded by <see cref="BrowserFixture.Deadline"/>.
/// </summary>
public sealed class JoinPageTests(BrowserFixture fixture, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    private const string BothInCall = "s.connected && s.participants.length === 2";

    [Fact]
    public async Task Two_people_open_their_links_and_each_sees_both_in_the_call()
    {
        string room = await fixture.CreateRoomAsync();
        await using Person alice = await fixture.NewPersonAsync("Alice Martin");
        await using Person bruno = await fixture.NewPersonAsync("Bruno Petit");

        await alice.OpenAsync(await fixture.InviteAsync(room, alice.Name));
        await alice.WaitForStateAsync("s.connected && s.participants.length === 1");
        await bruno.OpenAsync(await fixture.InviteAsync(room, bruno.Name));
        await alice.WaitForStateAsync(BothInCall);
        await bruno.WaitForStateAsync(BothInCall);

        PageState aliceState = await alice.StateAsync();
        PageState brunoState = await bruno.StateAsync();
        foreach ((Person person, PageState state) in new[] { (alice, aliceState), (bruno, brunoState) })
        {
            Assert.True(state.Connected);
            Assert.Null(state.Error);
            Assert.Equal(room, state.Room);
            Assert.Equal(["Alice Martin", "Bruno Petit"], state.Participants.Select(p => p.DisplayName).Order(StringComparer.Ordinal));
            Assert.All(state.Participants, p => Assert.Equal("member", p.Role));
            PageParticipant me = Assert.Single(state.Participants, p => p.SessionId == state.SessionId);
            Assert.Equal(person.Name, me.DisplayName);

            // What a person sees: both names in the roster (their own marked), and a live status line.
            ILocator roster = person.Page.Locator("#roster li");
            await Expect(roster).ToHaveCountAsync(2);
            await Expect(roster.Filter(new LocatorFilterOptions { HasText = "Alice Martin" })).ToHaveCountAsync(1);
            await Expect(roster.Filter(new LocatorFilterOptions { HasText = "Bruno Petit" })).ToHaveCountAsync(1);
            await Expect(person.Page.Locator("#roster li.me")).ToHaveTextAsync($"{person.Name} (you)");
            ILocator status = person.Page.GetByRole(AriaRole.Status);
            await Expect(status).ToHaveIdAsync("status");
            await Expect(status).ToHaveTextAsync("In the call");
            await Expect(person.Page.Locator("#room")).ToContainTextAsync(room);
            await Expect(person.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Leave" })).ToBeEnabledAsync();
            Assert.Empty(person.PageErrors);
        }

        Assert.NotEqual(aliceState.SessionId, brunoState.SessionId);
        Assert.Equal(aliceState.Participants.Select(p => p.SessionId).Order(StringComparer.Ordinal), brunoState.Participants.Select(p => p.SessionId).Order(StringComparer.Ordinal));

        // Kept for a human to look at (bin/, git-ignored); not compared with anything.
        string screenshot = Path.Combine(AppContext.BaseDirectory, "screenshots", "two-participants.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await bruno.Page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine($"screenshot: {screenshot}");
    }

    [Fact]
    public async Task Leaving_with_the_keyboard_drops_the_person_from_the_other_roster()
    {
        string room = await fixture.CreateRoomAsync();
        await using Person alice = await fixture.NewPersonAsync("Alice Martin");
        await using Person bruno = await fixture.NewPersonAsync("Bruno Petit");
        await alice.OpenAsync(await fixture.InviteAsync(room, alice.Name));
        await bruno.OpenAsync(await fixture.InviteAsync(room, bruno.Name));
        await alice.WaitForStateAsync(BothInCall);
        await bruno.WaitForStateAsync(BothInCall);

        // Keyboard only: focus the button, press Enter.
        ILocator leave = bruno.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Leave" });
        await leave.FocusAsync();
        await Expect(leave).ToBeFocusedAsync();
        await bruno.Page.Keyboard.PressAsync("Enter");

        await alice.WaitForStateAsync("s.connected && s.participants.length === 1");
        PageState aliceState = await alice.StateAsync();
        Assert.Equal("Alice Martin", Assert.Single(aliceState.Participants).DisplayName);
        await Expect(alice.Page.Locator("#roster li")).ToHaveTextAsync(["Alice Martin (you)"]);
        await Expect(alice.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("In the call");

        await bruno.WaitForStateAsync("!s.connected && s.participants.length === 0");
        await Expect(bruno.Page.Locator("#roster li")).ToHaveCountAsync(0);
        await Expect(leave).ToBeDisabledAsync();
        // The close that follows the leave must not read as a dropped connection.
        await Expect(bruno.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("You left the call.");
        Assert.Empty(alice.PageErrors);
        Assert.Empty(bruno.PageErrors);
    }

    [Fact]
    public async Task Reloading_after_the_invitation_was_redeemed_rejoins_the_same_room_with_the_stored_token()
    {
        string room = await fixture.CreateRoomAsync();
        await using Person alice = await fixture.NewPersonAsync("Alice Martin");
        await alice.OpenAsync(await fixture.InviteAsync(room, alice.Name));
        await alice.WaitForStateAsync("s.connected && s.participants.length === 1");
        PageState before = await alice.StateAsync();

        await alice.Page.ReloadAsync();
        await alice.WaitForStateAsync($"s.connected && s.sessionId !== {Js(before.SessionId)} && s.participants.some(p => p.sessionId === s.sessionId)");

        PageState after = await alice.StateAsync();
        Assert.Null(after.Error);
        Assert.Equal(room, after.Room);
        PageParticipant me = Assert.Single(after.Participants, p => p.SessionId == after.SessionId);
        Assert.Equal(before.Participants.Single().UserId, me.UserId);
        Assert.Equal("Alice Martin", me.DisplayName);
        await Expect(alice.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("In the call");
        // The single-use invitation was redeemed once, by the first load; the reload used the stored device token.
        Assert.Single(alice.Requests, url => url.EndsWith("/redeem", StringComparison.Ordinal));
        Assert.Empty(alice.PageErrors);
    }

    [Fact]
    public async Task A_used_invitation_in_a_fresh_browser_shows_an_error()
    {
        string room = await fixture.CreateRoomAsync();
        string link = await fixture.InviteAsync(room, "Alice Martin");
        await using (Person alice = await fixture.NewPersonAsync("Alice Martin"))
        {
            await alice.OpenAsync(link);
            await alice.WaitForStateAsync("s.connected");
        }

        await using Person stranger = await fixture.NewPersonAsync("someone with a forwarded link");
        await stranger.OpenAsync(link);
        await stranger.WaitForStateAsync("s.error !== null");

        PageState state = await stranger.StateAsync();
        Assert.Equal("invitation-used", state.Error);
        Assert.False(state.Connected);
        Assert.Empty(state.Participants);
        ILocator status = stranger.Page.GetByRole(AriaRole.Status);
        await Expect(status).ToHaveIdAsync("status");
        await Expect(status).ToContainTextAsync("Error");
        await Expect(status).ToContainTextAsync("already used");
        await Expect(stranger.Page.Locator("#leave")).ToBeDisabledAsync();
        Assert.Empty(stranger.WebSockets);
    }

    [Fact]
    public async Task A_browser_in_french_shows_the_page_in_french()
    {
        string room = await fixture.CreateRoomAsync();
        await using Person amelie = await fixture.NewPersonAsync("Amélie Dupont", locale: "fr-FR");
        await amelie.OpenAsync(await fixture.InviteAsync(room, amelie.Name));
        await amelie.WaitForStateAsync("s.connected && s.participants.length === 1");

        Assert.Equal("fr-FR", await amelie.Page.EvaluateAsync<string>("() => navigator.language"));
        Assert.Equal("fr", await amelie.Page.EvaluateAsync<string>("() => document.documentElement.lang"));
        await Expect(amelie.Page.Locator("#leave")).ToHaveTextAsync("Quitter");
        await Expect(amelie.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Quitter" })).ToBeEnabledAsync();
        await Expect(amelie.Page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Dans l’appel");
        await Expect(amelie.Page.Locator("#roster li.me")).ToHaveTextAsync("Amélie Dupont (vous)");
    }

    [Fact]
    public async Task The_page_talks_to_nothing_but_its_own_server()
    {
        string room = await fixture.CreateRoomAsync();
        await using Person alice = await fixture.NewPersonAsync("Alice Martin");
        await using Person bruno = await fixture.NewPersonAsync("Bruno Petit");
        await alice.OpenAsync(await fixture.InviteAsync(room, alice.Name));
        await bruno.OpenAsync(await fixture.InviteAsync(room, bruno.Name));
        await alice.WaitForStateAsync(BothInCall);
        await bruno.WaitForStateAsync(BothInCall);
        await bruno.Page.ReloadAsync();
        await bruno.WaitForStateAsync("s.connected");
        await bruno.Page.Locator("#leave").ClickAsync();
        await alice.WaitForStateAsync("s.participants.length === 1");

        string origin = fixture.Server.BaseAddress.GetLeftPart(UriPartial.Authority) + "/";
        string socketOrigin = "ws" + origin["http".Length..];
        foreach (Person person in new[] { alice, bruno })
        {
            Assert.NotEmpty(person.Requests);
            Assert.All(person.Requests, url => Assert.StartsWith(origin, url, StringComparison.Ordinal));
            Assert.NotEmpty(person.WebSockets);
            Assert.All(person.WebSockets, url => Assert.Equal(socketOrigin + "signal", url));
            output.WriteLine($"{person.Name}: {person.Requests.Count} requests, {person.WebSockets.Count} WebSockets, all to {origin}");
        }
    }

    private static string Js(string? value) => System.Text.Json.JsonSerializer.Serialize(value);
}
