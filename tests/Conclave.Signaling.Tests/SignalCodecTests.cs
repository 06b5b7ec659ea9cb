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
        { "leave with statement", """{"v":1,"type":"leave","id":"l2","statement":"AQID"}""", nameof(LeaveMessage), "l2" },
        { "leave with null statement", """{"v":1,"type":"leave","id":"l3","statement":null}""", nameof(LeaveMessage), "l3" },
        { "membership", """{"v":1,"type":"membership","id":"m1","statement":"Q29uY2xhdmUgbWVtYmVyc2hpcCB2MQ=="}""", nameof(MembershipMessage), "m1" },
        { "membership of max size", "{\"v\":1,\"type\":\"membership\",\"id\":\"m2\",\"statement\":\"" + Convert.ToBase64String(new byte[SignalLimits.MaxMembershipStatementBytes]) + "\"}", nameof(MembershipMessage), "m2" },
        { "e2ee-send", """{"v":1,"type":"e2ee-send","id":"e1","messages":[{"to":"sess_bob","data":"wrap:AAEC"},{"to":"sess-carol","data":"{\"k\":1}"}]}""", nameof(E2eeSendMessage), "e1" },
        { "e2ee-send of max data", "{\"v\":1,\"type\":\"e2ee-send\",\"id\":\"e2\",\"messages\":[{\"to\":\"s1\",\"data\":\"" + new string('d', SignalLimits.MaxE2eeDataLength) + "\"}]}", nameof(E2eeSendMessage), "e2" },
        { "e2ee-send of max entries", E2eeSend("e3", SignalLimits.MaxE2eeMessagesPerSend), nameof(E2eeSendMessage), "e3" },
    };

    /// <summary>An <c>e2ee-send</c> with <paramref name="count"/> entries, each to a different session.</summary>
    private static string E2eeSend(string id, int count) =>
        "{\"v\":1,\"type\":\"e2ee-send\",\"id\":\"" + id + "\",\"messages\":["
        + string.Join(',', Enumerable.Range(0, count).Select(i => $"{{\"to\":\"s{i}\",\"data\":\"x\"}}")) + "]}";

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
        { "leave with empty statement", """{"v":1,"type":"leave","id":"l1","statement":""}""", ErrorCodes.BadRequest, "l1" },
        { "leave with statement not base64", """{"v":1,"type":"leave","id":"l2","statement":"not base64!"}""", ErrorCodes.BadRequest, "l2" },
        { "leave with statement as number", """{"v":1,"type":"leave","id":"l3","statement":5}""", ErrorCodes.BadRequest, "l3" },
        { "leave with statement too large", "{\"v\":1,\"type\":\"leave\",\"id\":\"l4\",\"statement\":\"" + Convert.ToBase64String(new byte[SignalLimits.MaxMembershipStatementBytes + 1]) + "\"}", ErrorCodes.BadRequest, "l4" },
        { "membership without statement", """{"v":1,"type":"membership","id":"m1"}""", ErrorCodes.BadRequest, "m1" },
        { "membership with null statement", """{"v":1,"type":"membership","id":"m2","statement":null}""", ErrorCodes.BadRequest, "m2" },
        { "membership with empty statement", """{"v":1,"type":"membership","id":"m3","statement":""}""", ErrorCodes.BadRequest, "m3" },
        { "membership with statement not base64", """{"v":1,"type":"membership","id":"m4","statement":"@@@@"}""", ErrorCodes.BadRequest, "m4" },
        { "membership with statement as array", """{"v":1,"type":"membership","id":"m5","statement":[1,2,3]}""", ErrorCodes.BadRequest, "m5" },
        { "membership with statement too large", "{\"v\":1,\"type\":\"membership\",\"id\":\"m6\",\"statement\":\"" + Convert.ToBase64String(new byte[SignalLimits.MaxMembershipStatementBytes + 1]) + "\"}", ErrorCodes.BadRequest, "m6" },
        { "e2ee-send without messages", """{"v":1,"type":"e2ee-send","id":"e1"}""", ErrorCodes.BadRequest, "e1" },
        { "e2ee-send with null messages", """{"v":1,"type":"e2ee-send","id":"e2","messages":null}""", ErrorCodes.BadRequest, "e2" },
        { "e2ee-send with no messages", """{"v":1,"type":"e2ee-send","id":"e3","messages":[]}""", ErrorCodes.BadRequest, "e3" },
        { "e2ee-send with a null entry", """{"v":1,"type":"e2ee-send","id":"e4","messages":[null]}""", ErrorCodes.BadRequest, "e4" },
        { "e2ee-send with messages as object", """{"v":1,"type":"e2ee-send","id":"e5","messages":{"to":"s1","data":"x"}}""", ErrorCodes.BadRequest, "e5" },
        { "e2ee-send without to", """{"v":1,"type":"e2ee-send","id":"e6","messages":[{"data":"x"}]}""", ErrorCodes.BadRequest, "e6" },
        { "e2ee-send with null to", """{"v":1,"type":"e2ee-send","id":"e7","messages":[{"to":null,"data":"x"}]}""", ErrorCodes.BadRequest, "e7" },
        { "e2ee-send with path as to", """{"v":1,"type":"e2ee-send","id":"e8","messages":[{"to":"../admin","data":"x"}]}""", ErrorCodes.BadRequest, "e8" },
        { "e2ee-send with empty to", """{"v":1,"type":"e2ee-send","id":"e9","messages":[{"to":"","data":"x"}]}""", ErrorCodes.BadRequest, "e9" },
        { "e2ee-send with to of 129 characters", "{\"v\":1,\"type\":\"e2ee-send\",\"id\":\"e10\",\"messages\":[{\"to\":\"" + new string('s', 129) + "\",\"data\":\"x\"}]}", ErrorCodes.BadRequest, "e10" },
        { "e2ee-send without data", """{"v":1,"type":"e2ee-send","id":"e11","messages":[{"to":"s1"}]}""", ErrorCodes.BadRequest, "e11" },
        { "e2ee-send with empty data", """{"v":1,"type":"e2ee-send","id":"e12","messages":[{"to":"s1","data":""}]}""", ErrorCodes.BadRequest, "e12" },
        { "e2ee-send with data as object", """{"v":1,"type":"e2ee-send","id":"e13","messages":[{"to":"s1","data":{"k":1}}]}""", ErrorCodes.BadRequest, "e13" },
        { "e2ee-send with data too long", "{\"v\":1,\"type\":\"e2ee-send\",\"id\":\"e14\",\"messages\":[{\"to\":\"s1\",\"data\":\"" + new string('d', SignalLimits.MaxE2eeDataLength + 1) + "\"}]}", ErrorCodes.BadRequest, "e14" },
        { "e2ee-send with too many entries", E2eeSend("e15", SignalLimits.MaxE2eeMessagesPerSend + 1), ErrorCodes.BadRequest, "e15" },
        { "e2ee-send naming a recipient twice", """{"v":1,"type":"e2ee-send","id":"e16","messages":[{"to":"s1","data":"a"},{"to":"s2","data":"b"},{"to":"s1","data":"c"}]}""", ErrorCodes.BadRequest, "e16" },
        { "e2ee-send with a lone surrogate in data", """{"v":1,"type":"e2ee-send","id":"e17","messages":[{"to":"s1","data":"\ud800"}]}""", ErrorCodes.BadRequest, "e17" },
        { "server-only e2ee", """{"v":1,"type":"e2ee","id":"e18","room":"r","from":"s1","data":"x"}""", ErrorCodes.UnknownType, "e18" },
        { "server-only e2ee-sent", """{"v":1,"type":"e2ee-sent","id":"e19","delivered":0,"undelivered":[]}""", ErrorCodes.UnknownType, "e19" },
        { "offer with a null publish entry", """{"v":1,"type":"offer","id":"o1","sdp":"v=0","publish":[null]}""", ErrorCodes.BadRequest, "o1" },
        { "offer with a null subscribe entry", """{"v":1,"type":"offer","id":"o2","sdp":"v=0","subscribe":[null]}""", ErrorCodes.BadRequest, "o2" },
        { "server-only membership-recorded", """{"v":1,"type":"membership-recorded","id":"m7"}""", ErrorCodes.UnknownType, "m7" },
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
        ["leave with statement"] = new LeaveMessage { RequestId = "l2", Statement = [0x43, 0x6F, 0x00, 0xFF] },
        ["membership"] = new MembershipMessage { RequestId = "m1", Statement = [.. "Conclave membership v1"u8, 0x00, 0x01, 0xFE] },
        ["membership of max size"] = new MembershipMessage { RequestId = "m2", Statement = Enumerable.Range(0, SignalLimits.MaxMembershipStatementBytes).Select(i => (byte)i).ToArray() },
        ["e2ee-send"] = new E2eeSendMessage
        {
            RequestId = "e1",
            Messages = [new E2eeOutgoing("sess_bob", "wrap:AAEC"), new E2eeOutgoing("sess-carol", "{\"kid\":256,\"wrapped\":\"…\"} 🙂\u0001")],
        },
    };

    private static readonly ParticipantInfo Ada = new(
        "sess_ada", "auth0|ada", "dev-1", "Ada", "owner",
        Convert.FromHexString("00FF10203040506070809FA0B0C0D0E0F0"), new DateTimeOffset(2025, 5, 1, 12, 30, 15, 123, TimeSpan.FromHours(2)),
        1_746_095_415_123_001, Convert.FromHexString("436F6E636C617665206D656D62657273686970207631000102"));

    private static readonly ParticipantInfo Bob = new(
        "sess_bob", "bob@example.com", "dev-2", "Bob 🙂", "member", [], new DateTimeOffset(2025, 5, 1, 12, 31, 0, TimeSpan.Zero), 6, []);

    private static readonly JoinedMessage Joined = new()
    {
        RequestId = "j1", Room = "team", SessionId = "sess_ada", MediaNode = "media-1", CallId = "c4ll-1d_Ab3xYz0123456",
        RosterVersion = 7, Participants = [Ada, Bob],
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
        ["participant-left with statement"] = (new ParticipantLeftEvent { Room = "team", RosterVersion = 11, SessionId = "sess_bob", Reason = "left", Statement = [2, 0, 0xFF] }, MessageTypes.ParticipantLeft),
        ["membership-recorded"] = (new MembershipRecordedMessage { RequestId = "m1" }, MessageTypes.MembershipRecorded),
        ["e2ee-sent"] = (new E2eeSentMessage { RequestId = "e1", Delivered = 2, Undelivered = ["sess_gone", "sess_ada"] }, MessageTypes.E2eeSent),
        ["e2ee-sent all delivered"] = (new E2eeSentMessage { RequestId = "e2", Delivered = 1, Undelivered = [] }, MessageTypes.E2eeSent),
        ["e2ee"] = (new E2eeEvent { Room = "team", From = "sess_bob", Data = "wrap:AAEC \"🙂\"" }, MessageTypes.E2ee),
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

    [Fact]
    public void Participant_JoinVersionAndMembership_AreInJson_MembershipBase64_EmptyWhenNone()
    {
        using JsonDocument document = JsonDocument.Parse(SignalCodec.Encode(Joined));

        Assert.Equal(Joined.CallId, document.RootElement.GetProperty("callId").GetString());
        JsonElement participants = document.RootElement.GetProperty("participants");
        Assert.Equal(Ada.JoinVersion, participants[0].GetProperty("joinVersion").GetInt64());
        Assert.Equal(Convert.ToBase64String(Ada.Membership), participants[0].GetProperty("membership").GetString());
        Assert.Equal(6, participants[1].GetProperty("joinVersion").GetInt64());
        Assert.Equal("", participants[1].GetProperty("membership").GetString());
    }

    [Fact]
    public void Statements_AreBase64_AndOmittedWhenAbsent()
    {
        var left = new ParticipantLeftEvent { Room = "team", RosterVersion = 9, SessionId = "sess_bob", Reason = "left", Statement = [1, 2, 3] };
        using (JsonDocument document = JsonDocument.Parse(SignalCodec.Encode(left)))
            Assert.Equal("AQID", document.RootElement.GetProperty("statement").GetString());
        using (JsonDocument document = JsonDocument.Parse(SignalCodec.Encode(left with { Statement = null, Reason = "expired" })))
            Assert.False(document.RootElement.TryGetProperty("statement", out _));
        using (JsonDocument document = JsonDocument.Parse(SignalCodec.Encode(new LeaveMessage { RequestId = "l1" })))
            Assert.False(document.RootElement.TryGetProperty("statement", out _));

        var membership = Assert.IsType<MembershipMessage>(SignalCodec.Decode("""{"v":1,"type":"membership","statement":"AQID"}"""u8).Message);
        Assert.Equal([1, 2, 3], membership.Statement);
        var leave = Assert.IsType<LeaveMessage>(SignalCodec.Decode("""{"v":1,"type":"leave","statement":"AQID"}"""u8).Message);
        Assert.Equal([1, 2, 3], leave.Statement);
        Assert.Null(Assert.IsType<LeaveMessage>(SignalCodec.Decode("""{"v":1,"type":"leave"}"""u8).Message).Statement);
    }

    [Fact]
    public void E2eeSend_KeepsEntriesInOrder_AndDataUnchanged()
    {
        const string data = "opaque \"quoted\" \\ 🙂 \u0000 end";
        string json = "{\"v\":1,\"type\":\"e2ee-send\",\"messages\":[{\"to\":\"b\",\"data\":\"1\"},{\"to\":\"a\",\"data\":"
            + JsonSerializer.Serialize(data) + "}]}";

        var send = Assert.IsType<E2eeSendMessage>(SignalCodec.Decode(Encoding.UTF8.GetBytes(json)).Message);

        Assert.Equal([new E2eeOutgoing("b", "1"), new E2eeOutgoing("a", data)], send.Messages);
    }

    [Fact]
    public void Validation_ErrorMessages_NeverEchoStatementsOrData()
    {
        string secret = new('Q', SignalLimits.MaxE2eeDataLength + 1);
        string[] inputs =
        [
            "{\"v\":1,\"type\":\"e2ee-send\",\"messages\":[{\"to\":\"s1\",\"data\":\"" + secret + "\"}]}",
            "{\"v\":1,\"type\":\"e2ee-send\",\"messages\":[{\"to\":\"s1\",\"data\":\"" + secret[..20] + "\"},{\"to\":\"s1\",\"data\":\"x\"}]}",
            "{\"v\":1,\"type\":\"e2ee-send\",\"messages\":[{\"to\":\"" + secret[..20] + "!\",\"data\":\"x\"}]}",
            "{\"v\":1,\"type\":\"membership\",\"statement\":\"" + secret[..20] + "!\"}",
            "{\"v\":1,\"type\":\"leave\",\"statement\":\"" + secret[..20] + "!\"}",
        ];

        foreach (string input in inputs)
        {
            DecodeResult result = SignalCodec.Decode(Encoding.UTF8.GetBytes(input));
            Assert.Equal(ErrorCodes.BadRequest, result.ErrorCode);
            Assert.DoesNotContain(secret[..20], result.ErrorMessage, StringComparison.Ordinal);
        }
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
            case (ParticipantLeftEvent e, ParticipantLeftEvent a):
                Assert.Equal(e.Statement, a.Statement);
                Assert.Equal(e with { Statement = a.Statement }, a);
                break;
            case (E2eeSentMessage e, E2eeSentMessage a):
                Assert.Equal(e.Undelivered, a.Undelivered);
                Assert.Equal(e with { Undelivered = a.Undelivered }, a);
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
        Assert.Equal(expected.Membership, actual.Membership);
        Assert.Equal(expected.JoinedAt.Offset, actual.JoinedAt.Offset);
        Assert.Equal(expected with { DevicePublicKeys = actual.DevicePublicKeys, Membership = actual.Membership }, actual);
    }
}
