using Conclave.Signaling.Protocol;

namespace Conclave.Signaling.Tests;

public sealed class KnownBugRepros
{
    [Fact]
    public async Task ClientThatNeverReads_IsDisconnectedOnceTheQueueOverflows()
    {
        SignalConnectionOptions options = ConnectionHarness.Options();
        options.MaxQueuedMessages = 4;
        await using var h = await ConnectionHarness.StartAsync(options, socketBufferBytes: 4096);
        await h.HelloAsync();
        ISignalSink sink = h.Handler.Sink!;
        var big = new ParticipantJoinedEvent
        {
            Room = "team", RosterVersion = 1,
            Participant = new ParticipantInfo("s", "u", "d", "n", "member", new byte[16 * 1024], DateTimeOffset.UnixEpoch),
        };

        // The client never reads again. TryPost is synchronous, so this loop finishing shows the server never blocks on it.
        int posts = 0;
        bool refused = false;
        while (!refused && posts < 2_000)
        {
            posts++;
            refused = !sink.TryPost(big with { RosterVersion = posts });
        }

        Assert.True(refused, $"TryPost accepted all {posts} events for a client that reads nothing (MaxQueuedMessages = 4)");
        await h.Run.WaitAsync(h.Token);
        Assert.Equal(CloseCodes.PolicyViolation, h.Connection.ServerCloseCode);
        Assert.False(await h.Handler.Closed.WaitAsync(h.Token));
    }

    [Theory]
    [InlineData("lone surrogate in type", """{"v":1,"type":"\ud800","id":"x"}""")]
    [InlineData("lone surrogate in id", """{"v":1,"type":"ping","id":"\udc00"}""")]
    [InlineData("lone surrogate in a property name", """{"\ud800":1,"v":1,"type":"ping"}""")]
    public async Task UnreadableString_IsAnsweredWithAnError_AndConnectionStaysOpen(string @case, string json)
    {
        _ = @case;
        await using var h = await ConnectionHarness.StartAsync();
        await h.HelloAsync();

        await h.SendAsync(json);
        (SignalMessage? reply, _) = await h.ReceiveAsync();
        Assert.IsType<ErrorMessage>(reply);

        await h.SendAsync("""{"v":1,"type":"ping","id":"after"}""");
        await h.ExpectAsync<PongMessage>("after");
    }

    [Theory]
    [InlineData("lone surrogate in type", """{"v":1,"type":"\ud800","id":"x"}""")]
    [InlineData("lone surrogate in id", """{"v":1,"type":"ping","id":"\udc00"}""")]
    [InlineData("lone surrogate in a property name", """{"\ud800":1,"v":1,"type":"ping"}""")]
    public void Decode_UnreadableString_IsBadRequest(string @case, string json)
    {
        _ = @case;
        DecodeResult result = SignalCodec.Decode(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Equal(ErrorCodes.BadRequest, result.ErrorCode);
    }

    [Fact]
    public void Decode_InvalidUtf8InType_IsBadRequest()
    {
        byte[] json = [.. """{"v":1,"type":"p"""u8, 0xAB, .. """ng"}"""u8];
        DecodeResult result = SignalCodec.Decode(json);
        Assert.Equal(ErrorCodes.BadRequest, result.ErrorCode);
    }
}
