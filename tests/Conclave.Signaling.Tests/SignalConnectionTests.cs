using System.Net.WebSockets;
using System.Text;
using Conclave.Signaling.Protocol;

namespace Conclave.Signaling.Tests;

/// <summary>A real <see cref="SignalConnection"/> over a loopback WebSocket (docs/signaling.md, "Limits" and "Errors").</summary>
public sealed class SignalConnectionTests
{
    [Fact]
    public async Task MessageBeforeHello_IsNotAuthenticated_AndConnectionStaysOpen()
    {
        await using var h = await ConnectionHarness.StartAsync();

        await h.SendAsync("""{"v":1,"type":"ping","id":"early"}""");
        await h.ExpectErrorAsync(ErrorCodes.NotAuthenticated, "early");
        await h.SendAsync("""{"v":1,"type":"join","id":"early-join","room":"team"}""");
        await h.ExpectErrorAsync(ErrorCodes.NotAuthenticated, "early-join");

        await h.HelloAsync();
        await h.SendAsync("""{"v":1,"type":"ping","id":"p"}""");
        await h.ExpectAsync<PongMessage>("p");

        Assert.Equal([typeof(HelloMessage), typeof(PingMessage)], h.Handler.Received.Select(m => m.GetType()));
    }

    [Fact]
    public async Task RefusedHello_LeavesTheConnectionUnauthenticated()
    {
        await using var h = await ConnectionHarness.StartAsync();

        await h.SendAsync("""{"v":1,"type":"hello","id":"h1","token":"bad"}""");
        await h.ExpectErrorAsync(ErrorCodes.InvalidToken, "h1");
        await h.SendAsync("""{"v":1,"type":"ping","id":"p1"}""");
        await h.ExpectErrorAsync(ErrorCodes.NotAuthenticated, "p1");

        await h.HelloAsync();
        await h.SendAsync("""{"v":1,"type":"ping","id":"p2"}""");
        await h.ExpectAsync<PongMessage>("p2");
    }

    [Fact]
    public async Task SecondHello_IsNotAuthenticated()
    {
        await using var h = await ConnectionHarness.StartAsync();
        await h.HelloAsync();

        await h.SendAsync("""{"v":1,"type":"hello","id":"again","token":"good"}""");

        await h.ExpectErrorAsync(ErrorCodes.NotAuthenticated, "again");
        Assert.Single(h.Handler.Received);
    }

    [Fact]
    public async Task AfterWelcome_MessagesAreDispatchedInOrder_WithRequestIdsEchoed()
    {
        await using var h = await ConnectionHarness.StartAsync();
        await h.HelloAsync();

        string[] requests =
        [
            """{"v":1,"type":"join","id":"r1","room":"team"}""",
            """{"v":1,"type":"update","id":"r2","displayName":"Ada L."}""",
            """{"v":1,"type":"ping","id":"r3"}""",
            """{"v":1,"type":"ping"}""",
            """{"v":1,"type":"leave","id":"r5"}""",
        ];
        foreach (string request in requests) await h.SendAsync(request);

        Assert.Equal("team", (await h.ExpectAsync<JoinedMessage>("r1")).Room);
        Assert.Equal("Ada L.", (await h.ExpectAsync<UpdatedMessage>("r2")).DisplayName);
        await h.ExpectAsync<PongMessage>("r3");
        await h.ExpectAsync<PongMessage>(null);
        await h.ExpectAsync<LeftMessage>("r5");
        Assert.Equal(
            [typeof(HelloMessage), typeof(JoinMessage), typeof(UpdateMessage), typeof(PingMessage), typeof(PingMessage), typeof(LeaveMessage)],
            h.Handler.Received.Select(m => m.GetType()));
    }

    [Fact]
    public async Task HandlerException_RepliesInternal_AndConnectionStaysOpen()
    {
        await using var h = await ConnectionHarness.StartAsync();
        await h.HelloAsync();

        await h.SendAsync("""{"v":1,"type":"update","id":"boom","displayName":"throw"}""");
        await h.ExpectErrorAsync(ErrorCodes.Internal, "boom");

        await h.SendAsync("""{"v":1,"type":"ping","id":"after"}""");
        await h.ExpectAsync<PongMessage>("after");
    }

    [Fact]
    public async Task HelloHandlerException_RepliesInternal_AndStaysUnauthenticated()
    {
        await using var h = await ConnectionHarness.StartAsync();

        await h.SendAsync("""{"v":1,"type":"hello","id":"h1","token":"throw"}""");
        await h.ExpectErrorAsync(ErrorCodes.Internal, "h1");
        await h.SendAsync("""{"v":1,"type":"ping","id":"p1"}""");
        await h.ExpectErrorAsync(ErrorCodes.NotAuthenticated, "p1");

        await h.HelloAsync();
    }

    [Fact]
    public async Task DecodeErrors_AreAnswered_AndConnectionStaysOpen()
    {
        await using var h = await ConnectionHarness.StartAsync();
        await h.HelloAsync();

        await h.SendAsync("{not json");
        await h.ExpectErrorAsync(ErrorCodes.BadRequest, null);
        await h.SendAsync("""{"v":2,"type":"ping","id":"v2"}""");
        await h.ExpectErrorAsync(ErrorCodes.UnsupportedVersion, "v2");
        await h.SendAsync("""{"v":1,"type":"welcome","id":"w"}""");
        await h.ExpectErrorAsync(ErrorCodes.UnknownType, "w");
        await h.SendAsync("""{"v":1,"type":"join","id":"j","room":"UPPER"}""");
        await h.ExpectErrorAsync(ErrorCodes.BadRequest, "j");

        await h.SendAsync("""{"v":1,"type":"ping","id":"p"}""");
        await h.ExpectAsync<PongMessage>("p");
        Assert.Equal(2, h.Handler.Received.Count);
    }

    [Fact]
    public async Task RateLimit_AllowsTheBurst_ThenRateLimitedWithIdEchoed()
    {
        SignalConnectionOptions options = ConnectionHarness.Options();
        options.RateBurst = 5;
        options.RatePerSecond = 0;
        await using var h = await ConnectionHarness.StartAsync(options);
        await h.HelloAsync(); // 1 of 5.

        for (int i = 2; i <= 5; i++)
        {
            await h.SendAsync($$"""{"v":1,"type":"ping","id":"p{{i}}"}""");
            await h.ExpectAsync<PongMessage>($"p{i}");
        }
        await h.SendAsync("""{"v":1,"type":"ping","id":"p6"}""");
        await h.ExpectErrorAsync(ErrorCodes.RateLimited, "p6");
        await h.SendAsync("""{"v":1,"type":"ping","id":"p7"}""");
        await h.ExpectErrorAsync(ErrorCodes.RateLimited, "p7");

        Assert.Equal(5, h.Handler.Received.Count);
        Assert.Null(h.Connection.ServerCloseCode);
    }

    [Fact]
    public async Task StrikeBudgetExhausted_ClosesWith1008_AndTheClientReadsTheCloseFrame()
    {
        SignalConnectionOptions options = ConnectionHarness.Options();
        options.StrikeBurst = 3;
        options.StrikesForgivenPerSecond = 0;
        await using var h = await ConnectionHarness.StartAsync(options);

        // Sent without reading: the server must drain what follows its close frame, not reset the connection.
        for (int i = 0; i < 10; i++) await h.SendAsync("{garbage");

        for (int i = 0; i < 4; i++) await h.ExpectErrorAsync(ErrorCodes.BadRequest, null);
        await h.ExpectCloseAsync(CloseCodes.PolicyViolation);
        Assert.False(await h.Handler.Closed.WaitAsync(h.Token));
    }

    [Fact]
    public async Task RepeatedRefusedTokens_UseUpTheStrikeBudget()
    {
        SignalConnectionOptions options = ConnectionHarness.Options();
        options.StrikeBurst = 2;
        options.StrikesForgivenPerSecond = 0;
        await using var h = await ConnectionHarness.StartAsync(options);

        for (int i = 0; i < 3; i++) await h.SendAsync($$"""{"v":1,"type":"hello","id":"h{{i}}","token":"bad"}""");

        for (int i = 0; i < 3; i++) await h.ExpectErrorAsync(ErrorCodes.InvalidToken, $"h{i}");
        await h.ExpectCloseAsync(CloseCodes.PolicyViolation);
    }

    [Fact]
    public async Task RefusalsCausedByServerState_AreNotStrikes()
    {
        SignalConnectionOptions options = ConnectionHarness.Options();
        options.StrikeBurst = 1;
        options.StrikesForgivenPerSecond = 0;
        await using var h = await ConnectionHarness.StartAsync(options);
        await h.HelloAsync();

        for (int i = 0; i < 5; i++)
        {
            await h.SendAsync($$"""{"v":1,"type":"join","id":"j{{i}}","room":"locked"}""");
            await h.ExpectErrorAsync(ErrorCodes.RoomLocked, $"j{i}");
        }

        await h.SendAsync("""{"v":1,"type":"ping","id":"p"}""");
        await h.ExpectAsync<PongMessage>("p");
    }

    [Fact]
    public async Task NoHelloInTime_ClosesWith4001()
    {
        var time = new ManualTimeProvider();
        await using var h = await ConnectionHarness.StartAsync(time: time);
        await time.FirstTimerCreated.WaitAsync(h.Token); // The hello deadline: RunAsync has started.

        time.Advance(ConnectionHarness.Options().HelloTimeout);

        await h.ExpectCloseAsync(CloseCodes.AuthenticationTimeout);
        Assert.Empty(h.Handler.Received);
        await h.Handler.Closed.WaitAsync(h.Token);
    }

    [Fact]
    public async Task RefusedHello_DoesNotStopTheHelloDeadline()
    {
        var time = new ManualTimeProvider();
        await using var h = await ConnectionHarness.StartAsync(time: time);

        await h.SendAsync("""{"v":1,"type":"hello","id":"h1","token":"bad"}""");
        await h.ExpectErrorAsync(ErrorCodes.InvalidToken, "h1");
        time.Advance(ConnectionHarness.Options().HelloTimeout);

        await h.ExpectCloseAsync(CloseCodes.AuthenticationTimeout);
    }

    [Fact]
    public async Task Welcome_StopsTheHelloDeadline()
    {
        var time = new ManualTimeProvider();
        await using var h = await ConnectionHarness.StartAsync(time: time);
        await h.HelloAsync();

        time.Advance(ConnectionHarness.Options().HelloTimeout * 2);

        await h.SendAsync("""{"v":1,"type":"ping","id":"still-open"}""");
        await h.ExpectAsync<PongMessage>("still-open");
        Assert.Null(h.Connection.ServerCloseCode);
    }

    [Fact]
    public async Task ClientThatNeverAnswersTheCloseFrame_IsDroppedAfterTheHandshakeTimeout()
    {
        SignalConnectionOptions options = ConnectionHarness.Options();
        options.CloseHandshakeTimeout = TimeSpan.FromMilliseconds(20);
        await using var h = await ConnectionHarness.StartAsync(options);
        await h.HelloAsync();

        h.Handler.Sink!.Close(CloseCodes.SessionExpired, "expired");
        (SignalMessage? message, WebSocketCloseStatus? status) = await h.ReceiveAsync();
        Assert.Null(message);
        Assert.Equal((WebSocketCloseStatus)CloseCodes.SessionExpired, status);

        await h.Run.WaitAsync(h.Token); // The client keeps its end open and silent.
        Assert.Equal(CloseCodes.SessionExpired, h.Connection.ServerCloseCode);
        Assert.False(await h.Handler.Closed.WaitAsync(h.Token));
    }

    [Theory]
    [InlineData("one frame", 1025, null)]
    [InlineData("100-byte fragments", 1025, 100)]
    [InlineData("far over, 1-KiB fragments", 64 * 1024, 1024)]
    public async Task MessageOverMaxBytes_IsMessageTooLarge_ThenClose1009(string @case, int length, int? fragmentBytes)
    {
        _ = @case;
        SignalConnectionOptions options = ConnectionHarness.Options();
        options.MaxMessageBytes = 1024;
        await using var h = await ConnectionHarness.StartAsync(options);
        await h.HelloAsync();

        await h.SendAsync(Ping("big", length), WebSocketMessageType.Text, fragmentBytes);

        await h.ExpectErrorAsync(ErrorCodes.MessageTooLarge, null);
        await h.ExpectCloseAsync(CloseCodes.MessageTooBig);
        Assert.Single(h.Handler.Received);
    }

    [Theory]
    [InlineData("one frame at the cap", 1024, null)]
    [InlineData("1-byte fragments", 200, 1)]
    [InlineData("7-byte fragments at the cap", 1024, 7)]
    public async Task MessageUnderTheCap_IsReassembledFromFragments(string @case, int length, int? fragmentBytes)
    {
        _ = @case;
        SignalConnectionOptions options = ConnectionHarness.Options();
        options.MaxMessageBytes = 1024;
        await using var h = await ConnectionHarness.StartAsync(options);
        await h.HelloAsync();

        await h.SendAsync(Ping("frag", length), WebSocketMessageType.Text, fragmentBytes);
        await h.ExpectAsync<PongMessage>("frag");

        await h.SendAsync("""{"v":1,"type":"ping","id":"next"}""");
        await h.ExpectAsync<PongMessage>("next");
    }

    [Fact]
    public async Task EmptyFinalFragment_EndsTheMessage()
    {
        await using var h = await ConnectionHarness.StartAsync();
        await h.HelloAsync();

        await h.Client.SendAsync(Ping("frag", 100), WebSocketMessageType.Text, endOfMessage: false, h.Token);
        await h.Client.SendAsync(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Text, endOfMessage: true, h.Token);

        await h.ExpectAsync<PongMessage>("frag");
    }

    [Fact]
    public async Task BinaryFrame_IsBadRequest_AndConnectionStaysOpen()
    {
        await using var h = await ConnectionHarness.StartAsync();
        await h.HelloAsync();

        await h.SendAsync(Encoding.UTF8.GetBytes("""{"v":1,"type":"ping","id":"bin"}"""), WebSocketMessageType.Binary);
        await h.ExpectErrorAsync(ErrorCodes.BadRequest, null);

        await h.SendAsync("""{"v":1,"type":"ping","id":"text"}""");
        await h.ExpectAsync<PongMessage>("text");
        Assert.Single(h.Handler.Received.OfType<PingMessage>());
    }

    [Theory]
    [InlineData("normal closure", WebSocketCloseStatus.NormalClosure, true)]
    [InlineData("going away", WebSocketCloseStatus.EndpointUnavailable, false)]
    [InlineData("application code", (WebSocketCloseStatus)4100, false)]
    public async Task ClientClose_IsAnswered_AndReportedToTheHandler(string @case, WebSocketCloseStatus status, bool normal)
    {
        _ = @case;
        await using var h = await ConnectionHarness.StartAsync();
        await h.HelloAsync();

        await h.Client.CloseAsync(status, "bye", h.Token);

        Assert.Equal(WebSocketState.Closed, h.Client.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, h.Client.CloseStatus);
        await h.Run.WaitAsync(h.Token);
        Assert.Equal(normal, await h.Handler.Closed.WaitAsync(h.Token));
    }

    [Fact]
    public async Task AbruptDrop_IsReportedAsNotNormal()
    {
        await using var h = await ConnectionHarness.StartAsync();
        await h.HelloAsync();

        h.Client.Abort();
        h.Client.Dispose();

        await h.Run.WaitAsync(h.Token);
        Assert.False(await h.Handler.Closed.WaitAsync(h.Token));
    }

    [Fact]
    public async Task SinkTryPost_FromOtherThreads_DeliversEveryEvent()
    {
        await using var h = await ConnectionHarness.StartAsync();
        await h.HelloAsync();
        ISignalSink sink = h.Handler.Sink!;

        const int threads = 4, perThread = 25;
        bool[] posted = await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            bool all = true;
            for (int i = 0; i < perThread; i++)
            {
                all &= sink.TryPost(new ParticipantLeftEvent { Room = "team", RosterVersion = t * perThread + i, SessionId = $"s{t}", Reason = "left" });
            }
            return all;
        }, h.Token)));
        Assert.All(posted, Assert.True);

        var seen = new Dictionary<string, List<long>>();
        for (int n = 0; n < threads * perThread; n++)
        {
            ParticipantLeftEvent e = await h.ExpectAsync<ParticipantLeftEvent>(null);
            if (!seen.TryGetValue(e.SessionId, out List<long>? versions)) seen[e.SessionId] = versions = [];
            versions.Add(e.RosterVersion);
        }
        Assert.Equal(threads, seen.Count);
        foreach ((string session, List<long> versions) in seen)
        {
            long first = long.Parse(session[1..], System.Globalization.CultureInfo.InvariantCulture) * perThread;
            Assert.Equal(Enumerable.Range(0, perThread).Select(i => first + i), versions); // Each thread's events in its order.
        }
    }

    [Fact]
    public async Task SinkEvents_InterleaveWithReplies()
    {
        await using var h = await ConnectionHarness.StartAsync();
        await h.HelloAsync();

        Assert.True(await Task.Run(() => h.Handler.Sink!.TryPost(new ParticipantLeftEvent { Room = "team", RosterVersion = 2, SessionId = "s9", Reason = "expired" }), h.Token));
        await h.SendAsync("""{"v":1,"type":"ping","id":"p"}""");

        ParticipantLeftEvent left = await h.ExpectAsync<ParticipantLeftEvent>(null);
        Assert.Equal("expired", left.Reason);
        await h.ExpectAsync<PongMessage>("p");
    }

    [Fact]
    public async Task SinkClose_SendsTheCodeAfterQueuedMessages()
    {
        await using var h = await ConnectionHarness.StartAsync();
        await h.HelloAsync();
        ISignalSink sink = h.Handler.Sink!;

        await Task.Run(() =>
        {
            sink.TryPost(new ParticipantLeftEvent { Room = "team", RosterVersion = 3, SessionId = "s2", Reason = "left" });
            sink.Close(CloseCodes.SessionReplaced, "resumed elsewhere");
        }, h.Token);

        await h.ExpectAsync<ParticipantLeftEvent>(null);
        await h.ExpectCloseAsync(CloseCodes.SessionReplaced);
        Assert.False(h.Handler.Sink!.TryPost(new PongMessage()));
    }

    /// <summary>A ping with request id <paramref name="id"/>, padded with spaces to exactly <paramref name="length"/> bytes.</summary>
    private static byte[] Ping(string id, int length)
    {
        string head = $$"""{"v":1,"type":"ping","id":"{{id}}" """;
        return Encoding.UTF8.GetBytes(head + new string(' ', length - head.Length - 1) + "}");
    }
}
