using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using Conclave.Signaling.Protocol;

namespace Conclave.Signaling.Tests;

/// <summary>
/// <see cref="SignalCodec.Decode"/> on hostile input from fixed seeds: it must never throw, and must answer
/// either a message that survives re-encoding or one of the <see cref="ErrorCodes"/>.
/// </summary>
public sealed class SignalCodecFuzzTests
{
    private const int RandomStrings = 1_000_000;
    private const int Mutations = 200_000;

    private static readonly HashSet<string> KnownCodes = typeof(ErrorCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    private static readonly byte[][] Seeds =
    [
        .. new[]
        {
            """{"v":1,"type":"hello","id":"h1","token":"eyJhbGciOiJFZERTQSJ9.e30.c2ln"}""",
            """{"v":1,"type":"hello","id":"h2","token":"a.b.c","resume":{"sessionId":"s-1_A","resumeToken":"r_2-B"}}""",
            """{"v":1,"type":"join","id":"j1","room":"team-42.daily_sync"}""",
            """{"v":1,"type":"leave","id":"l1"}""",
            """{"v":1,"type":"update","id":"u1","displayName":"Zoë Ångström 🙂"}""",
            """{"v":1,"type":"ping","id":"p1"}""",
            """{"v":1,"type":"ping"}""",
            """{"v":1,"type":"leave","id":"l2","statement":"AQIDBAU="}""",
            """{"v":1,"type":"membership","id":"m1","statement":"Q29uY2xhdmUgbWVtYmVyc2hpcCB2MQABAg=="}""",
            """{"v":1,"type":"e2ee-send","id":"e1","messages":[{"to":"sess_bob","data":"wrap:AAEC"},{"to":"s-2","data":"{\"k\":1}"}]}""",
            """{"v":1,"type":"offer","id":"o1","sdp":"v=0\r\n","publish":[{"mid":"0","source":"microphone"}],"subscribe":[{"mid":"1","trackId":"t1"}]}""",
            """{"type":"e2ee","v":1,"room":"r","from":"s","data":"x"}""",
            """{"type":"e2ee-sent","v":1,"id":"e1","delivered":1,"undelivered":["s"]}""",
            """{"type":"participant-left","v":1,"room":"r","rosterVersion":2,"sessionId":"s","reason":"left","statement":"AQID"}""",
            """{"type":"welcome","v":1,"id":"h1","sessionId":"s","resumeToken":"r","userId":"u","displayName":"d","heartbeatIntervalMs":1,"sessionTimeoutMs":2,"resumed":false}""",
            """{"type":"participant-joined","v":1,"room":"r","rosterVersion":1,"participant":{"sessionId":"s","userId":"u","deviceId":"d","displayName":"n","role":"member","devicePublicKeys":"AP8Q","joinedAt":"2025-05-01T12:30:15+02:00","joinVersion":1,"membership":"AQID"}}""",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    /// <summary>Whole JSON tokens and field texts, so random strings and insertions get past the tokenizer.</summary>
    private static readonly byte[][] Snippets =
    [
        .. new[]
        {
            "{", "}", "[", "]", ":", ",", "\"", " ", "\\", "\\u", "\\ud800", "\\udc00", "\\u0000", "null", "true", "false",
            "0", "1", "2", "-1", "1.5", "1e400", "4294967297", "\"v\"", "\"type\"", "\"id\"", "\"token\"", "\"resume\"",
            "\"room\"", "\"displayName\"", "\"sessionId\"", "\"resumeToken\"", "\"hello\"", "\"join\"", "\"leave\"",
            "\"update\"", "\"ping\"", "\"welcome\"", "\"\"", "\"x\"", "\"\\ud800\"", "\"a\\u0000b\"", "\"../x\"",
            "\"v\":1", "\"v\":2", "\"type\":\"ping\"", "\"type\":\"hello\"", "\"type\":\"join\"", "\"id\":\"r\"",
            "\"id\":7", "\"token\":\"t\"", "\"token\":null", "\"room\":\"r\"", "\"room\":\"R\"", "\"resume\":{}",
            "\"resume\":{\"sessionId\":\"s\",\"resumeToken\":\"t\"}", "\"displayName\":\" \"", "\"$type\":\"hello\"",
            "\"$id\":\"1\"", "\"$ref\":\"1\"", "\"statement\"", "\"messages\"", "\"to\"", "\"data\"", "\"membership\"",
            "\"e2ee-send\"", "\"AQID\"", "\"====\"", "\"type\":\"membership\"", "\"type\":\"e2ee-send\"", "\"type\":\"leave\"",
            "\"statement\":\"AQID\"", "\"statement\":\"\"", "\"statement\":null", "\"statement\":\"A\"", "\"messages\":[]",
            "\"messages\":null", "\"messages\":[null]", "\"messages\":[{\"to\":\"s\",\"data\":\"d\"}]",
            "\"messages\":[{\"to\":\"s\",\"data\":\"d\"},{\"to\":\"s\",\"data\":\"e\"}]", "{\"to\":\"s\",\"data\":\"d\"}", "\"publish\":[null]",
            "\"subscribe\":[null]", "\"publish\":null", "\xC3\x28", "\xED\xA0\x80", "\xC0\xAF", "\xF4\x90\x80\x80", "\xEF\xBB\xBF",
        }.Select(s => s.Select(c => (byte)c).ToArray()),
    ];

    /// <summary>The snippets that are whole <c>"name":value</c> fields, to duplicate or contradict a message's own.</summary>
    private static readonly byte[][] Fields = [.. Snippets.Where(s => s.Length > 3 && s[0] == '"' && s.Contains((byte)':'))];

    private static readonly byte[] JsonAlphabet = "{}[]\":,. 0123456789-+eEtrufalsn\\/bfnrtuv\u00e9"u8.ToArray();

    [Fact]
    public void RandomByteStrings_NeverThrow()
    {
        Tally tally = RunPartitioned(RandomStrings, seed: 0x5EED_0001, (random, tally) =>
        {
            int length = random.Next(64);
            var buffer = new List<byte>(2 * length + 2);
            switch (random.Next(3))
            {
                case 0: // Raw bytes.
                    for (int j = 0; j < length; j++) buffer.Add((byte)random.Next(256));
                    break;
                case 1: // JSON's alphabet, opening with '{' half the time.
                    if (random.Next(2) == 0) buffer.Add((byte)'{');
                    for (int j = 0; j < length; j++) buffer.Add(JsonAlphabet[random.Next(JsonAlphabet.Length)]);
                    break;
                default: // JSON tokens and fields inside an object.
                    buffer.Add((byte)'{');
                    for (int j = 0; j < length / 4; j++) buffer.AddRange(Snippets[random.Next(Snippets.Length)]);
                    if (random.Next(4) != 0) buffer.Add((byte)'}');
                    break;
            }
            Check(buffer.ToArray(), tally);
        });

        tally.Report(RandomStrings);
    }

    [Fact]
    public void MutatedValidMessages_NeverThrow()
    {
        Tally tally = RunPartitioned(Mutations, seed: 0x5EED_0002, (random, tally) =>
        {
            List<byte> message = [.. Seeds[random.Next(Seeds.Length)]];
            int rounds = 1 + random.Next(3);
            for (int r = 0; r < rounds; r++) Mutate(message, random);
            Check(message.ToArray(), tally);
        });

        tally.Report(Mutations);
        Assert.True(tally.Accepted > 0, "no mutation decoded: the mutations are too destructive to reach validation");
    }

    [Fact]
    public void MutatedServerMessages_DecodeServerMessageNeverThrows()
    {
        var random = new Random(0x5EED_0003);
        for (int i = 0; i < 50_000; i++)
        {
            List<byte> message = [.. Seeds[random.Next(Seeds.Length)]];
            Mutate(message, random);
            _ = SignalCodec.DecodeServerMessage(message.ToArray());
        }
    }

    /// <summary>
    /// Runs <paramref name="count"/> cases in 8 fixed partitions, each with its own seed, in parallel to use every
    /// core. Each partition's inputs depend only on its seed, so a failure reproduces whatever the scheduling.
    /// </summary>
    private static Tally RunPartitioned(int count, int seed, Action<Random, Tally> runCase)
    {
        const int partitions = 8;
        var tally = new Tally();
        try
        {
            Parallel.For(0, partitions, partition =>
            {
                var random = new Random(seed + partition);
                for (int i = partition; i < count; i += partitions) runCase(random, tally);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        return tally;
    }

    private static void Mutate(List<byte> message, Random random)
    {
        switch (random.Next(8))
        {
            case 0: // Bit flips.
                for (int n = 1 + random.Next(4); n > 0 && message.Count > 0; n--)
                {
                    int at = random.Next(message.Count);
                    message[at] ^= (byte)(1 << random.Next(8));
                }
                break;
            case 1: // Truncation.
                {
                    int cut = random.Next(message.Count + 1);
                    message.RemoveRange(cut, message.Count - cut);
                }
                break;
            case 2: // Random bytes inserted.
                {
                    byte[] bytes = new byte[1 + random.Next(8)];
                    random.NextBytes(bytes);
                    message.InsertRange(random.Next(message.Count + 1), bytes);
                }
                break;
            case 3: // A token or field inserted anywhere.
                message.InsertRange(random.Next(message.Count + 1), Snippets[random.Next(Snippets.Length)]);
                break;
            case 4: // A duplicated or conflicting field, after the opening or before the closing brace.
                {
                    int brace = message.IndexOf((byte)'{');
                    if (brace < 0) break;
                    byte[] field = Fields[random.Next(Fields.Length)];
                    message.InsertRange(random.Next(2) == 0 ? brace + 1 : Math.Max(brace + 1, message.LastIndexOf((byte)'}')), random.Next(2) == 0 ? [.. field, (byte)','] : [(byte)',', .. field]);
                }
                break;
            case 5: // Deep nesting, inside a field or around the whole message.
                {
                    int depth = 1 + random.Next(40);
                    if (random.Next(2) == 0)
                    {
                        message.InsertRange(0, Enumerable.Repeat((byte)'[', depth));
                        message.AddRange(Enumerable.Repeat((byte)']', depth));
                    }
                    else
                    {
                        int brace = message.IndexOf((byte)'{');
                        if (brace < 0) break;
                        bool arrays = random.Next(2) == 0;
                        var nested = new List<byte>("\"deep\":"u8.ToArray());
                        for (int d = 0; d < depth; d++) nested.AddRange(arrays ? "["u8.ToArray() : "{\"a\":"u8.ToArray());
                        nested.Add((byte)'1');
                        for (int d = 0; d < depth; d++) nested.Add(arrays ? (byte)']' : (byte)'}');
                        nested.Add((byte)',');
                        message.InsertRange(brace + 1, nested);
                    }
                }
                break;
            case 6: // A byte range duplicated in place.
                {
                    if (message.Count == 0) break;
                    int start = random.Next(message.Count);
                    int length = 1 + random.Next(Math.Min(32, message.Count - start));
                    message.InsertRange(start, message.GetRange(start, length));
                }
                break;
            default: // Spliced with another message.
                {
                    byte[] other = Seeds[random.Next(Seeds.Length)];
                    int cut = random.Next(message.Count + 1);
                    int from = random.Next(other.Length + 1);
                    message.RemoveRange(cut, message.Count - cut);
                    message.AddRange(other.AsSpan(from).ToArray());
                }
                break;
        }
    }

    private static void Check(byte[] input, Tally tally)
    {
        DecodeResult result;
        try
        {
            result = SignalCodec.Decode(input);
        }
        catch (Exception e)
        {
            Assert.Fail($"Decode threw {e} on: {Convert.ToHexString(input)}");
            return;
        }

        if (result.Ok)
        {
            Assert.Null(result.ErrorCode);
            Assert.Equal(result.RequestId, result.Message!.RequestId);
            DecodeResult again = SignalCodec.Decode(SignalCodec.Encode(result.Message));
            if (!again.Ok) Assert.Fail($"re-encoded message refused ({again.ErrorMessage}): {Convert.ToHexString(input)}");
            Assert.Equal(result.Message, again.Message);
            tally.Accept();
        }
        else
        {
            Assert.Null(result.Message);
            if (result.ErrorCode is null || !KnownCodes.Contains(result.ErrorCode))
                Assert.Fail($"unknown error code '{result.ErrorCode}' on: {Convert.ToHexString(input)}");
            Assert.False(string.IsNullOrEmpty(result.ErrorMessage));
            tally.Count(result.ErrorCode);
        }
    }

    private sealed class Tally
    {
        private readonly ConcurrentDictionary<string, int> _codes = new(StringComparer.Ordinal);
        private int _accepted;

        public int Accepted => Volatile.Read(ref _accepted);

        public void Accept() => Interlocked.Increment(ref _accepted);

        public void Count(string code) => _codes.AddOrUpdate(code, 1, (_, n) => n + 1);

        public void Report(int total)
        {
            string codes = string.Join(", ", _codes.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value}"));
            TestContext.Current.TestOutputHelper?.WriteLine($"{total} inputs: accepted {Accepted}; {codes}");
        }
    }
}
