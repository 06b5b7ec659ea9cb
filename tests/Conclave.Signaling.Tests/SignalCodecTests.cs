using System.Text;
using System.Text.Json;
using Conclave.Signaling.Protocol;

namespace Conclave.Signaling.Tests;

public sealed class SignalCodecTests
{
    public static TheoryData<string, string, string, string?> Valid => new()
    {
        { "hello", """{"v":1,"type":"hello","id":"h1","token":"a.b.c"}""", nameof(HelloMessage), "h1" },
        { "hello with resume", """{"v":1,"type":"hello","id":"h2","token":"a.b.c","resume":{"sessionId":"s-1_A","resumeToken":"r_2-B"}}""", nameof(HelloMessage), "h2" },
        { "hello with null resume", """{"v":1,"type":"hello","id":"h3","token":"t","resume":null}""", nameof(HelloMessage), "h3" },
        { "join", """{"v":1,"type":"join","id":"j1","room":"team-42.daily_sync"}""", nameof(JoinMessage), "j1" },
        { "leave", """{"v":1,"type":"leave","id":"l1"}""", nameof(LeaveMessage), "l1" },
        { "update", """{"v":1,"type":"update","id":"u1","displayName":"Zoë Ångström"}""", nameof(UpdateMessage), "u1" },
        { "ping", """{"v":1,"type":"ping","id":"p1"}""", nameof(PingMessage), "p1" },
        { "ping without id", """{"v":1,"type":"ping"}""", nameof(PingMessage), null },
        { "fields in any order", """{"room":"r","id":"j2","type":"join","v":1}""", nameof(JoinMessage), "j2" },
        { "unknown fields ignored", """{"v":1,"type":"ping","id":"p2","later":{"x":[1,2,{"y":null}]}}""", nameof(PingMessage), "p2" },
        { "id of 64 characters", "{\"v\":1,\"type\":\"ping\",\"id\":\"" + new string('i', 64) + "\"}", nameof(PingMessage), new string('i', 64) },
        { "whitespace around everything", " {\n \"v\" : 1 ,\t\"type\" : \"ping\" , \"id\" : \"p3\" }\r\n", nameof(PingMessage), "p3" },
        { "escaped type", """{"v":1,"type":"p\u0069ng","id":"p4"}""", nameof(PingMessage), "p4" },
        { "nesting of 8 levels in an unknown field", """{"v":1,"type":"ping","id":"p5","x":[[[[[[[1]]]]]]]}""", nameof(PingMessage), "p5" },
    };

    public static TheoryData<string, string, string, string?> Malformed => new()
    {
        { "not json", "{not json", ErrorCodes.BadRequest, null },
        { "empty input", "", ErrorCodes.BadRequest, null },
        { "trailing comma", """{"v":1,"type":"ping",}""", ErrorCodes.BadRequest, null },
        { "two objects", """{"v":1,"type":"ping"}{"v":1,"type":"ping"}""", ErrorCodes.BadRequest, null },
        { "array", """[{"v":1,"type":"ping"}]""", ErrorCodes.BadRequest, null },
        { "string", "\"ping\"", ErrorCodes.BadRequest, null },
        { "number", "1", ErrorCodes.BadRequest, null },
        { "null", "null", ErrorCodes.BadRequest, null },
        { "missing v", """{"type":"ping","id":"r1"}""", ErrorCodes.BadRequest, "r1" },
        { "v as string", """{"v":"1","type":"ping","id":"r2"}""", ErrorCodes.BadRequest, "r2" },
        { "v as fraction", """{"v":1.5,"type":"ping","id":"r3"}""", ErrorCodes.BadRequest, "r3" },
        { "v beyond int", """{"v":4294967297,"type":"ping","id":"r4"}""", ErrorCodes.BadRequest, "r4" },
        { "v null", """{"v":null,"type":"ping","id":"r5"}""", ErrorCodes.BadRequest, "r5" },
        { "v 2", """{"v":2,"type":"ping","id":"r6"}""", ErrorCodes.UnsupportedVersion, "r6" },
        { "v 0", """{"v":0,"type":"ping","id":"r7"}""", ErrorCodes.UnsupportedVersion, "r7" },
        { "v 2 with unknown type", """{"v":2,"type":"teleport","id":"r8"}""", ErrorCodes.UnsupportedVersion, "r8" },
        { "missing type", """{"v":1,"id":"r9"}""", ErrorCodes.BadRequest, "r9" },
        { "type as number", """{"v":1,"type":7,"id":"r10"}""", ErrorCodes.BadRequest, "r10" },
        { "type null", """{"v":1,"type":null,"id":"r11"}""", ErrorCodes.BadRequest, "r11" },
        { "unknown type", """{"v":1,"type":"teleport","id":"r12"}""", ErrorCodes.UnknownType, "r12" },
        { "type in other case", """{"v":1,"type":"PING","id":"r13"}""", ErrorCodes.UnknownType, "r13" },
        { "empty type", """{"v":1,"type":"","id":"r14"}""", ErrorCodes.UnknownType, "r14" },
        { "server-only welcome", """{"v":1,"type":"welcome","id":"r15","sessionId":"s","resumeToken":"r","userId":"u","displayName":"d","heartbeatIntervalMs":1,"sessionTimeoutMs":2}""", ErrorCodes.UnknownType, "r15" },
        { "server-only joined", """{"v":1,"type":"joined","id":"r16"}""", ErrorCodes.UnknownType, "r16" },
        { "server-only pong", """{"v":1,"type":"pong","id":"r17"}""", ErrorCodes.UnknownType, "r17" },
        { "server-only error", """{"v":1,"type":"error","id":"r18","code":"internal","message":"m"}""", ErrorCodes.UnknownType, "r18" },
        { "server-only participant-left", """{"v":1,"type":"participant-left","id":"r19"}""", ErrorCodes.UnknownType, "r19" },
        { "empty id", """{"v":1,"type":"ping","id":""}""", ErrorCodes.BadRequest, null },
        { "id as number", """{"v":1,"type":"ping","id":12}""", ErrorCodes.BadRequest, null },
        { "id null", """{"v":1,"type":"ping","id":null}""", ErrorCodes.BadRequest, null },
        { "id of 65 characters", "{\"v\":1,\"type\":\"ping\",\"id\":\"" + new string('i', 65) + "\"}", ErrorCodes.BadRequest, null },
        { "hello without token", """{"v":1,"type":"hello","id":"h1"}""", ErrorCodes.BadRequest, "h1" },
        { "hello with null token", """{"v":1,"type":"hello","id":"h2","token":null}""", ErrorCodes.BadRequest, "h2" },
        { "hello with empty token", """{"v":1,"type":"hello","id":"h3","token":""}""", ErrorCodes.BadRequest, "h3" },
        { "hello with numeric token", """{"v":1,"type":"hello","id":"h4","token":42}""", ErrorCodes.BadRequest, "h4" },
        { "hello resume without resumeToken", """{"v":1,"type":"hello","id":"h5","token":"t","resume":{"sessionId":"s1"}}""", ErrorCodes.BadRequest, "h5" },
        { "hello resume with null sessionId", """{"v":1,"type":"hello","id":"h6","token":"t","resume":{"sessionId":null,"resumeToken":"r1"}}""", ErrorCodes.BadRequest, "h6" },
        { "hello resume with path in sessionId", """{"v":1,"type":"hello","id":"h7","token":"t","resume":{"sessionId":"../../etc","resumeToken":"r1"}}""", ErrorCodes.BadRequest, "h7" },
        { "hello resume with empty resumeToken", """{"v":1,"type":"hello","id":"h8","token":"t","resume":{"sessionId":"s1","resumeToken":""}}""", ErrorCodes.BadRequest, "h8" },
        { "hello resume as string", """{"v":1,"type":"hello","id":"h9","token":"t","resume":"s1"}""", ErrorCodes.BadRequest, "h9" },
        { "join without room", """{"v":1,"type":"join","id":"j1"}""", ErrorCodes.BadRequest, "j1" },
        { "join with upper-case room", """{"v":1,"type":"join","id":"j2","room":"Team"}""", ErrorCodes.BadRequest, "j2" },
        { "join with room of 65 characters", "{\"v\":1,\"type\":\"join\",\"id\":\"j3\",\"room\":\"" + new string('r', 65) + "\"}", ErrorCodes.BadRequest, "j3" },
        { "join with path as room", """{"v":1,"type":"join","id":"j4","room":"../admin"}""", ErrorCodes.BadRequest, "j4" },
        { "join with room as array", """{"v":1,"type":"join","id":"j5","room":["a"]}""", ErrorCodes.BadRequest, "j5" },
        { "update without displayName", """{"v":1,"type":"update","id":"u1"}""", ErrorCodes.BadRequest, "u1" },
        { "update with blank displayName", """{"v":1,"type":"update","id":"u2","displayName":"   "}""", ErrorCodes.BadRequest, "u2" },
        { "update with nul in displayName", """{"v":1,"type":"update","id":"u3","displayName":"a\u0000b"}""", ErrorCodes.BadRequest, "u3" },
        { "update with displayName of 65 characters", "{\"v\":1,\"type\":\"update\",\"id\":\"u4\",\"displayName\":\"" + new string('n', 65) + "\"}", ErrorCodes.BadRequest, "u4" },
        { "nesting too deep", "{\"v\":1,\"type\":\"ping\",\"id\":\"d1\",\"x\":" + new string('[', 40) + new string(']', 40) + "}", ErrorCodes.BadRequest, null },
        { "array nesting too deep", new string('[', 1000) + new string(']', 1000), ErrorCodes.BadRequest, null },
    };

    /// <summary>Client messages as a client would send them, by name.</summary>
    private static readonly Dictionary<string, SignalMessage> ClientMessages = new()
    {
        ["hello"] = new HelloMessage { RequestId = "h1", Token = "eyJhbGciOiJFZERTQSJ9.e30.c2ln" },
        ["hello with resume"] = new HelloMessage { RequestId = "h2", Token = "t", Resume = new ResumeRequest("sess_1", "resume-2") },
        ["hello without id"] = new HelloMessage { Token = "t" },
        ["join"] = new JoinMessage { RequestId = "j1", Room = "team-42.daily_sync" },
        ["leave"] = new LeaveMessage { RequestId = "l1" },
        ["update"] = new UpdateMessage { RequestId = "u1", DisplayName = "Zoë \"quotes\" \\ 🙂" },
        ["ping"] = new PingMessage { RequestId = "p1" },
    };

    private static readonly ParticipantInfo Ada = new(
        "sess_ada", "auth0|ada", "dev-1", "Ada", "owner",
        Convert.FromHexString("00FF10203040506070809FA0B0C0D0E0F0"), new DateTimeOffset(2025, 5, 1, 12, 30, 15, 123, TimeSpan.FromHours(2)));

    private static readonly ParticipantInfo Bob = new(
        "sess_bob", "bob@example.com", "dev-2", "Bob 🙂", "member", [], new DateTimeOffset(2025, 5, 1, 12, 31, 0, TimeSpan.Zero));

    private static readonly JoinedMessage Joined = new()
    {
        RequestId = "j1", Room = "team", SessionId = "sess_ada", MediaNode = "media-1", RosterVersion = 7, Participants = [Ada, Bob],
    };

    /// <summary>Server messages, by name, with the <c>type</c> each must carry.</summary>
    private static readonly Dictionary<string, (SignalMessage Message, string Type)> ServerMessages = new()
    {
        ["welcome"] = (new WelcomeMessage
        {
            RequestId = "h1", SessionId = "sess_ada", ResumeToken = "rt_1", UserId = "auth0|ada", DisplayName = "Ada",
            HeartbeatIntervalMs = 10_000, SessionTimeoutMs = 20_000,
        }, MessageTypes.Welcome),
        ["welcome resumed with call"] = (new WelcomeMessage
        {
            RequestId = "h2", SessionId = "sess_ada", ResumeToken = "rt_2", UserId = "auth0|ada", DisplayName = "Ada",
            HeartbeatIntervalMs = 10_000, SessionTimeoutMs = 20_000, Resumed = true, Call = Joined with { RequestId = null },
        }, MessageTypes.Welcome),
        ["joined"] = (Joined, MessageTypes.Joined),
        ["joined alone without media node"] = (Joined with { MediaNode = null, Participants = [Ada] }, MessageTypes.Joined),
        ["left"] = (new LeftMessage { RequestId = "l1", Room = "team" }, MessageTypes.Left),
        ["left no call"] = (new LeftMessage { RequestId = "l2" }, MessageTypes.Left),
        ["updated"] = (new UpdatedMessage { RequestId = "u1", DisplayName = "Ada L." }, MessageTypes.Updated),
        ["pong"] = (new PongMessage { RequestId = "p1" }, MessageTypes.Pong),
        ["error"] = (new ErrorMessage { RequestId = "x1", Code = ErrorCodes.RoomLocked, Message = "the room is locked" }, MessageTypes.Error),
        ["error without id"] = (new ErrorMessage { Code = ErrorCodes.BadRequest, Message = "malformed JSON" }, MessageTypes.Error),
        ["participant-joined"] = (new ParticipantJoinedEvent { Room = "team", RosterVersion = 8, Participant = Bob }, MessageTypes.ParticipantJoined),
        ["participant-left"] = (new ParticipantLeftEvent { Room = "team", RosterVersion = 9, SessionId = "sess_bob", Reason = "expired" }, MessageTypes.ParticipantLeft),
        ["participant-updated"] = (new ParticipantUpdatedEvent { Room = "team", RosterVersion = 10, Participant = Ada with { DisplayName = "Ada L." } }, MessageTypes.ParticipantUpdated),
    };

    public static TheoryData<string> ClientMessageNames => new(ClientMessages.Keys);

    public static TheoryData<string> ServerMessageNames => new(ServerMessages.Keys);

    [Theory]
    [MemberData(nameof(Valid))]
    public void Decode_Valid(string @case, string json, string expectedType, string? requestId)
    {
        _ = @case;
        DecodeResult result = SignalCodec.Decode(Encoding.UTF8.GetBytes(json));

        Assert.True(result.Ok, result.ErrorMessage);
        Assert.Null(result.ErrorCode);
        Assert.Equal(expectedType, result.Message!.GetType().Name);
        Assert.Equal(requestId, result.RequestId);
        Assert.Equal(requestId, result.Message.RequestId);
        Assert.Equal(ProtocolVersion.Current, result.Message.Version);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Decode_Malformed(string @case, string json, string expectedCode, string? requestId)
    {
        _ = @case;
        DecodeResult result = SignalCodec.Decode(Encoding.UTF8.GetBytes(json));

        Assert.False(result.Ok);
        Assert.Null(result.Message);
        Assert.Equal(expectedCode, result.ErrorCode);
        Assert.Equal(requestId, result.RequestId);
        Assert.False(string.IsNullOrWhiteSpace(result.ErrorMessage));
    }

    [Fact]
    public void Decode_ResumeFieldsAreKept()
    {
        DecodeResult result = SignalCodec.Decode("""{"v":1,"type":"hello","token":"a.b.c","resume":{"sessionId":"s-1_A","resumeToken":"r_2-B"}}"""u8);

        var hello = Assert.IsType<HelloMessage>(result.Message);
        Assert.Equal("a.b.c", hello.Token);
        Assert.Equal(new ResumeRequest("s-1_A", "r_2-B"), hello.Resume);
    }

    [Fact]
    public void Decode_MessageOfExactlyMaxBytes_IsAccepted()
    {
        byte[] message = Padded("""{"v":1,"type":"ping","id":"big"}""", SignalLimits.MaxMessageBytes);

        DecodeResult result = SignalCodec.Decode(message);

        Assert.True(result.Ok, result.ErrorMessage);
        Assert.Equal("big", result.RequestId);
    }

    [Fact]
    public void Decode_MessageOverMaxBytes_IsMessageTooLarge()
    {
        byte[] message = Padded("""{"v":1,"type":"ping","id":"big"}""", SignalLimits.MaxMessageBytes + 1);

        DecodeResult result = SignalCodec.Decode(message);

        Assert.False(result.Ok);
        Assert.Equal(ErrorCodes.MessageTooLarge, result.ErrorCode);
        Assert.Null(result.RequestId);
    }

    [Fact]
    public void Decode_TokenOfMaxLength_IsAccepted_AndOneMoreIsRefused()
    {
        string Hello(int length) => "{\"v\":1,\"type\":\"hello\",\"id\":\"h\",\"token\":\"" + new string('t', length) + "\"}";

        Assert.True(SignalCodec.Decode(Encoding.UTF8.GetBytes(Hello(SignalLimits.MaxTokenLength))).Ok);

        DecodeResult tooLong = SignalCodec.Decode(Encoding.UTF8.GetBytes(Hello(SignalLimits.MaxTokenLength + 1)));
        Assert.Equal(ErrorCodes.BadRequest, tooLong.ErrorCode);
        Assert.Equal("h", tooLong.RequestId);
    }

    [Fact]
    public void Decode_ErrorMessages_NeverEchoTheToken()
    {
        const string secret = "eyJhbGciOiJub25lIn0.c2VjcmV0LXN1YmplY3Q";
        string[] inputs =
        [
            "{\"v\":1,\"type\":\"hello\",\"token\":\"" + secret + "\",\"resume\":{\"sessionId\":\"../x\",\"resumeToken\":\"r\"}}",
            "{\"v\":1,\"type\":\"hello\",\"token\":[\"" + secret + "\"]}",
            "{\"v\":2,\"type\":\"hello\",\"token\":\"" + secret + "\"}",
            "{\"v\":1,\"type\":\"hello\",\"token\":\"" + secret + "\",}",
        ];

        foreach (string input in inputs)
        {
            DecodeResult result = SignalCodec.Decode(Encoding.UTF8.GetBytes(input));
            Assert.False(result.Ok);
            Assert.DoesNotContain(secret, result.ErrorMessage, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(ClientMessageNames))]
    public void ClientMessage_RoundTrips(string name)
    {
        SignalMessage message = ClientMessages[name];

        byte[] encoded = SignalCodec.Encode(message);
        DecodeResult result = SignalCodec.Decode(encoded);

        Assert.True(result.Ok, result.ErrorMessage);
        Assert.Equal(message, result.Message);
        Assert.Equal(message.RequestId, result.RequestId);
    }

    [Theory]
    [MemberData(nameof(ServerMessageNames))]
    public void ServerMessage_EncodesTypeFirstAndVersionOne(string name)
    {
        (SignalMessage message, string type) = ServerMessages[name];

        using JsonDocument document = JsonDocument.Parse(SignalCodec.Encode(message));

        JsonProperty first = document.RootElement.EnumerateObject().First();
        Assert.Equal("type", first.Name);
        Assert.Equal(type, first.Value.GetString());
        Assert.Equal(ProtocolVersion.Current, document.RootElement.GetProperty("v").GetInt32());
        Assert.Equal(message.RequestId is not null, document.RootElement.TryGetProperty("id", out _));
    }

    [Theory]
    [MemberData(nameof(ServerMessageNames))]
    public void ServerMessage_RoundTripsThroughDecodeServerMessage(string name)
    {
        SignalMessage message = ServerMessages[name].Message;

        SignalMessage? decoded = SignalCodec.DecodeServerMessage(SignalCodec.Encode(message));

        AssertSameMessage(message, decoded);
    }

    [Theory]
    [MemberData(nameof(ServerMessageNames))]
    public void ServerMessage_IsUnknownTypeWhenSentByAClient(string name)
    {
        SignalMessage message = ServerMessages[name].Message;

        DecodeResult result = SignalCodec.Decode(SignalCodec.Encode(message));

        Assert.Equal(ErrorCodes.UnknownType, result.ErrorCode);
        Assert.Equal(message.RequestId, result.RequestId);
    }

    [Fact]
    public void ParticipantKeys_AreBase64InJson_EmptyWhenNone()
    {
        using JsonDocument document = JsonDocument.Parse(SignalCodec.Encode(Joined));

        JsonElement participants = document.RootElement.GetProperty("participants");
        Assert.Equal(Convert.ToBase64String(Ada.DevicePublicKeys), participants[0].GetProperty("devicePublicKeys").GetString());
        Assert.Equal("", participants[1].GetProperty("devicePublicKeys").GetString());
    }

    [Theory]
    [InlineData("not json", "{")]
    [InlineData("array", "[]")]
    [InlineData("unknown type", """{"type":"teleport","v":1}""")]
    [InlineData("missing required field", """{"type":"error","v":1,"code":"internal"}""")]
    [InlineData("bad base64 key", """{"type":"participant-joined","v":1,"room":"r","rosterVersion":1,"participant":{"sessionId":"s","userId":"u","deviceId":"d","displayName":"n","role":"member","devicePublicKeys":"!!","joinedAt":"2025-01-01T00:00:00Z"}}""")]
    [InlineData("lone surrogate", """{"type":"error","v":1,"code":"\ud800","message":"m"}""")]
    public void DecodeServerMessage_GarbageIsNull(string @case, string json)
    {
        _ = @case;
        Assert.Null(SignalCodec.DecodeServerMessage(Encoding.UTF8.GetBytes(json)));
    }

    private static byte[] Padded(string json, int length)
    {
        Assert.EndsWith("}", json, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(json[..^1] + new string(' ', length - json.Length) + "}");
    }

    private static void AssertSameMessage(SignalMessage expected, SignalMessage? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.GetType(), actual.GetType());
        switch (expected, actual)
        {
            case (WelcomeMessage e, WelcomeMessage a):
                AssertSameJoined(e.Call, a.Call);
                Assert.Equal(e with { Call = null }, a with { Call = null });
                break;
            case (JoinedMessage e, JoinedMessage a):
                AssertSameJoined(e, a);
                break;
            case (ParticipantJoinedEvent e, ParticipantJoinedEvent a):
                AssertSameParticipant(e.Participant, a.Participant);
                Assert.Equal(e with { Participant = a.Participant }, a);
                break;
            case (ParticipantUpdatedEvent e, ParticipantUpdatedEvent a):
                AssertSameParticipant(e.Participant, a.Participant);
                Assert.Equal(e with { Participant = a.Participant }, a);
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }

    private static void AssertSameJoined(JoinedMessage? expected, JoinedMessage? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }
        Assert.NotNull(actual);
        Assert.Equal(expected.Participants.Count, actual.Participants.Count);
        for (int i = 0; i < expected.Participants.Count; i++) AssertSameParticipant(expected.Participants[i], actual.Participants[i]);
        Assert.Equal(expected with { Participants = actual.Participants }, actual);
    }

    private static void AssertSameParticipant(ParticipantInfo expected, ParticipantInfo actual)
    {
        Assert.Equal(expected.DevicePublicKeys, actual.DevicePublicKeys);
        Assert.Equal(expected.JoinedAt.Offset, actual.JoinedAt.Offset);
        Assert.Equal(expected with { DevicePublicKeys = actual.DevicePublicKeys }, actual);
    }
}
