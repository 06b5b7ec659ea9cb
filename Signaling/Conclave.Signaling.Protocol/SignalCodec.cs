using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Conclave.Signaling.Protocol;

/// <summary>
/// Turns UTF-8 JSON into <see cref="SignalMessage"/>s and back. Decoding never throws: every failure
/// becomes an error code and a message naming what was wrong, and the request id is kept when it could be read.
/// </summary>
public static class SignalCodec
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    /// <summary>Serializes a message with its <c>type</c> discriminator.</summary>
    public static byte[] Encode(SignalMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, ConclaveJsonContext.Default.SignalMessage);

    /// <summary>Parses and validates one message.</summary>
    public static DecodeResult Decode(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > SignalLimits.MaxMessageBytes)
            return DecodeResult.Fail(null, ErrorCodes.MessageTooLarge, $"message exceeds {SignalLimits.MaxMessageBytes} bytes");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), DocumentOptions);
        }
        catch (JsonException e)
        {
            return DecodeResult.Fail(null, ErrorCodes.BadRequest, $"malformed JSON (line {e.LineNumber}, byte {e.BytePositionInLine})");
        }

        using (document)
        {
            try
            {
                return DecodeDocument(document.RootElement);
            }
            catch (InvalidOperationException)
            {
                // System.Text.Json refuses to read a string holding a lone surrogate or invalid UTF-8.
                return DecodeResult.Fail(null, ErrorCodes.BadRequest, "a string is not valid UTF-8 or UTF-16");
            }
        }
    }

    private static DecodeResult DecodeDocument(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return DecodeResult.Fail(null, ErrorCodes.BadRequest, "a message must be a JSON object");

        string? requestId = null;
        if (root.TryGetProperty("id", out JsonElement id))
        {
            if (id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 and <= SignalLimits.MaxRequestIdLength } text)
                return DecodeResult.Fail(null, ErrorCodes.BadRequest, $"id must be a string of 1-{SignalLimits.MaxRequestIdLength} characters");
            requestId = text;
        }

        if (!root.TryGetProperty("v", out JsonElement v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int version))
            return DecodeResult.Fail(requestId, ErrorCodes.BadRequest, "v (protocol version) must be an integer");
        if (version != ProtocolVersion.Current)
            return DecodeResult.Fail(requestId, ErrorCodes.UnsupportedVersion, $"protocol version {version} is not supported; this server speaks {ProtocolVersion.Current}");

        if (!root.TryGetProperty("type", out JsonElement typeElement) || typeElement.ValueKind != JsonValueKind.String)
            return DecodeResult.Fail(requestId, ErrorCodes.BadRequest, "type must be a string");
        string type = typeElement.GetString()!;
        JsonTypeInfo? typeInfo = ClientMessageType(type);
        if (typeInfo is null)
            return DecodeResult.Fail(requestId, ErrorCodes.UnknownType, $"unknown message type '{Truncate(type)}'");

        SignalMessage? message;
        try
        {
            message = (SignalMessage?)root.Deserialize(typeInfo);
        }
        catch (JsonException e)
        {
            return DecodeResult.Fail(requestId, ErrorCodes.BadRequest, $"invalid {type}: {DescribeJsonError(e)}");
        }

        if (message is null)
            return DecodeResult.Fail(requestId, ErrorCodes.BadRequest, $"invalid {type}");
        if (message.Validate() is { } reason)
            return DecodeResult.Fail(requestId, ErrorCodes.BadRequest, $"invalid {type}: {reason}");
        return new DecodeResult(message with { RequestId = requestId }, requestId, null, null);
    }

    /// <summary>Parses a message the server sent (used by clients). Same guarantees as <see cref="Decode"/>.</summary>
    public static SignalMessage? DecodeServerMessage(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonSerializer.Deserialize(utf8, ConclaveJsonContext.Default.SignalMessage);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The messages a client may send; server-to-client types are unknown here on purpose.</summary>
    private static JsonTypeInfo? ClientMessageType(string type) => type switch
    {
        MessageTypes.Hello => ConclaveJsonContext.Default.HelloMessage,
        MessageTypes.Join => ConclaveJsonContext.Default.JoinMessage,
        MessageTypes.Leave => ConclaveJsonContext.Default.LeaveMessage,
        MessageTypes.Update => ConclaveJsonContext.Default.UpdateMessage,
        MessageTypes.Ping => ConclaveJsonContext.Default.PingMessage,
        MessageTypes.Offer => ConclaveJsonContext.Default.OfferMessage,
        MessageTypes.Mute => ConclaveJsonContext.Default.MuteMessage,
        MessageTypes.VideoSize => ConclaveJsonContext.Default.VideoSizeMessage,
        MessageTypes.Membership => ConclaveJsonContext.Default.MembershipMessage,
        MessageTypes.E2eeSend => ConclaveJsonContext.Default.E2eeSendMessage,
        MessageTypes.FileOffer => ConclaveJsonContext.Default.FileOfferMessage,
        _ => null,
    };

    // JsonException messages name the JSON path and the expected type, never the offending value.
    private static string DescribeJsonError(JsonException e) =>
        e.Path is { Length: > 0 } path ? $"bad or missing field at {path}" : "missing required field or wrong field type";

    private static string Truncate(string s) => s.Length <= 32 ? s : s[..32] + "…";
}

/// <summary>A decoded message, or the error to answer with.</summary>
public readonly record struct DecodeResult(SignalMessage? Message, string? RequestId, string? ErrorCode, string? ErrorMessage)
{
    /// <summary>True when <see cref="Message"/> is set.</summary>
    public bool Ok => Message is not null;

    internal static DecodeResult Fail(string? requestId, string code, string message) => new(null, requestId, code, message);
}
