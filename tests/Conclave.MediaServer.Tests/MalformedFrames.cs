using System.Net.WebSockets;
using System.Text;
using Conclave.Client;

namespace Conclave.MediaServer.Tests;

/// <summary>A catalogue of broken signaling frames, each of which must earn an <c>error</c> and nothing worse.</summary>
public static class MalformedFrames
{
    private static readonly string[] Texts =
    [
        "{not json",
        "[]",
        "\"hello\"",
        "null",
        "{}",
        """{"type":"hello","token":"x"}""",
        """{"v":2,"type":"ping"}""",
        """{"v":"1","type":"ping"}""",
        """{"v":1,"type":"no-such-type"}""",
        """{"v":1,"type":"welcome","sessionId":"x"}""",
        """{"v":1,"type":"join","room":"anything"}""",
        """{"v":1,"type":"join"}""",
        """{"v":1,"type":"hello"}""",
        """{"v":1,"type":"hello","token":""}""",
        """{"v":1,"type":"hello","token":"not-a-jwt"}""",
        """{"v":1,"type":"hello","token":"a.b.c","resume":{"sessionId":"../../etc","resumeToken":"x"}}""",
        """{"v":1,"type":7}""",
        """{"v":1,"type":"ping","id":""}""",
        """{"v":1,"type":"ping","id":12}""",
        "{\"v\":1,\"type\":\"ping\",\"id\":\"" + new string('i', 100) + "\"}",
        "{\"v\":1,\"type\":\"join\",\"room\":\"" + new string('r', 65) + "\"}",
        """{"v":1,"type":"join","room":"UPPER CASE"}""",
        "{\"v\":1,\"type\":\"update\",\"displayName\":\"\\u0000\"}",
        new string('[', 100) + new string(']', 100),
        "{\"v\":1,\"type\":\"ping\"" + new string(' ', 10) + ",}",
        "\u00ff\u00fe garbage",
    ];

    /// <summary>Sends frame number <paramref name="index"/> of the catalogue (cycling), one of them as a binary frame.</summary>
    /// <remarks>Invalid UTF-8 in a text frame is not here: RFC 6455 §8.1 makes the server fail the connection (1007).</remarks>
    public static Task SendAsync(SignalingClient client, int index, CancellationToken cancellationToken) => (index % (Texts.Length + 1)) switch
    {
        int i when i < Texts.Length => client.SendRawAsync(Texts[i], cancellationToken),
        _ => client.SendRawAsync(Encoding.UTF8.GetBytes("""{"v":1,"type":"ping"}"""), WebSocketMessageType.Binary, cancellationToken),
    };
}
