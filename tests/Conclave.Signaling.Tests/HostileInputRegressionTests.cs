using System.Net.WebSockets;
using Conclave.Signaling.Protocol;

namespace Conclave.Signaling.Tests;

/// <summary>
/// Holes the fuzz and connection tests found: strings System.Text.Json cannot read made the decoder throw
/// (and cut the connection without a close frame), a client that never reads was never disconnected, and a JSON
/// <c>null</c> inside an array of entries made validation throw.
/// </summary>
public sealed class HostileInputRegressionTests
{
    public static TheoryData<string, string> UnreadableStrings => new()
    {
        { "lone surrogate in type", """{"v":1,"type":"\ud800","id":"x"}""" },
        { "lone surrogate in id", """{"v":1,"type":"ping","id":"\udc00"}""" },
        { "lone surrogate in a property name", """{"\ud800":1,"v":1,"type":"ping"}""" },
    };

    [Theory]
    [MemberData(nameof(UnreadableStrings))]
    public void An_unreadable_string_decodes_to_bad_request(string name, string json)
    {
        _ = name;
        Assert.Equal(ErrorCodes.BadRequest, SignalCodec.Decode(System.Text.Encoding.UTF8.GetBytes(json)).ErrorCode);
    }

    public static TheoryData<string, string> NullEntries => new()
    {
        { "offer publish", """{"v":1,"type":"offer","id":"n1","sdp":"v=0","publish":[null]}""" },
        { "offer subscribe", """{"v":1,"type":"offer","id":"n2","sdp":"v=0","subscribe":[{"mid":"0","trackId":"t"},null]}""" },
        { "offer publish null", """{"v":1,"type":"offer","id":"n3","sdp":"v=0","publish":null}""" },
        { "e2ee-send entry", """{"v":1,"type":"e2ee-send","id":"n4","messages":[{"to":"s","data":"d"},null]}""" },
    };

    [Theory]
    [MemberData(nameof(NullEntries))]
    public void A_null_entry_decodes_to_bad_request(string name, string json)
    {
        _ = name;
        DecodeResult result = SignalCodec.Decode(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Equal(ErrorCodes.BadRequest, result.ErrorCode);
        Assert.NotNull(result.RequestId);
    }

    [Theory]
    [MemberData(nameof(NullEntries))]
    public async Task A_null_entry_is_answered_and_the_connection_stays_open(string name, string json)
    {
        _ = name;
        await using var h = await ConnectionHarness.StartAsync();
        await h.HelloAsync();

        await h.SendAsync(json);
        Task<(SignalMessage? Message, WebSocketCloseStatus? CloseStatus)> reply = h.ReceiveAsync();
        Assert.True(await Task.WhenAny(reply, h.Run) == reply, $"RunAsync ended instead of answering: {h.Run.Exception?.InnerException}");
        Assert.Equal(ErrorCodes.BadRequest, Assert.IsType<ErrorMessage>((await reply).Message).Code);

        await h.SendAsync("""{"v":1,"type":"ping","id":"after"}""");
        await h.ExpectAsync<PongMessage>("after");
    }

    [Fact]
    public void Invalid_utf8_inside_the_type_decodes_to_bad_request()
    {
        byte[] json = [.. """{"v":1,"type":"p"""u8, 0xAB, .. """ng"}"""u8];
        Assert.Equal(ErrorCodes.BadRequest, SignalCodec.Decode(json).ErrorCode);
    }

    [Theory]
    [MemberData(nameof(UnreadableStrings))]
    public async Task An_unreadable_string_is_answered_and_the_connection_stays_open(string name, string json)
    {
        _ = name;
        await using var h = await ConnectionHarness.StartAsync();
        await h.HelloAsync();

        await h.SendAsync(json);
        Task<(SignalMessage? Message, WebSocketCloseStatus? CloseStatus)> reply = h.ReceiveAsync();
        Assert.True(await Task.WhenAny(reply, h.Run) == reply, $"RunAsync ended instead of answering: {h.Run.Exception?.InnerException}");
        Assert.IsType<ErrorMessage>((await reply).Message);

        await h.SendAsync("""{"v":1,"type":"ping","id":"after"}""");
        await h.ExpectAsync<PongMessage>("after");
    }

    [Fact]
    public async Task A_client_that_never_reads_is_disconnected_once_its_queue_overflows()
    {
        SignalConnectionOptions options = ConnectionHarness.Options();
        options.MaxQueuedMessages = 4;
        await using var h = await ConnectionHarness.StartAsync(options, socketBufferBytes: 4096);
        await h.HelloAsync();
        ISignalSink sink = h.Handler.Sink!;
        var big = new ParticipantJoinedEvent
        {
            Room = "team",
            RosterVersion = 1,
            Participant = new ParticipantInfo("s", "u", "d", "n", "member", new byte[16 * 1024], DateTimeOffset.UnixEpoch, 1, []),
        };

        // TryPost is synchronous: this loop ending shows the server never blocks on a slow reader.
        int posts = 0;
        bool refused = false;
        while (!refused && posts < 2_000)
        {
            posts++;
            refused = !sink.TryPost(big with { RosterVersion = posts });
        }

        Assert.True(refused, $"TryPost accepted all {posts} events for a client that reads nothing");
        await h.Run.WaitAsync(h.Token);
        Assert.Equal(CloseCodes.PolicyViolation, h.Connection.ServerCloseCode);
        Assert.False(await h.Handler.Closed.WaitAsync(h.Token));
    }
}
