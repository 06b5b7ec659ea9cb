namespace Conclave.Signaling.Protocol;

/// <summary>The <c>code</c> values of <c>error</c> messages (documented in docs/signaling.md).</summary>
public static class ErrorCodes
{
    /// <summary>Not JSON, not an object, or a required field is missing or invalid.</summary>
    public const string BadRequest = "bad-request";
    /// <summary>The <c>type</c> is not one this server understands.</summary>
    public const string UnknownType = "unknown-type";
    /// <summary>The <c>v</c> field names a protocol version this server does not speak.</summary>
    public const string UnsupportedVersion = "unsupported-version";
    /// <summary>A message other than <c>hello</c> came before a successful <c>hello</c>, or hello came twice.</summary>
    public const string NotAuthenticated = "not-authenticated";
    /// <summary>The token is missing, malformed, badly signed, expired or for another audience.</summary>
    public const string InvalidToken = "invalid-token";
    /// <summary>The session to resume is unknown or has expired; start a new one.</summary>
    public const string SessionExpired = "session-expired";
    /// <summary>The caller is not allowed to do this (not a member of the room, or not the session's owner).</summary>
    public const string Forbidden = "forbidden";
    /// <summary>No room has this name.</summary>
    public const string RoomNotFound = "room-not-found";
    /// <summary>The room is locked: only its owner and hosts may join.</summary>
    public const string RoomLocked = "room-locked";
    /// <summary>The request needs the session to be in a call.</summary>
    public const string NotInCall = "not-in-call";

    /// <summary>A file offer names no file the sender may offer (unknown, expired, or not the sender's user's).</summary>
    public const string FileNotFound = "file-not-found";
    /// <summary>The message exceeded 64 KiB; the connection closes with 1009.</summary>
    public const string MessageTooLarge = "message-too-large";
    /// <summary>Too many messages; slow down.</summary>
    public const string RateLimited = "rate-limited";
    /// <summary>The SDP of an <c>offer</c> is malformed or lacks what WebRTC needs; the message names the line or attribute.</summary>
    public const string BadSdp = "bad-sdp";
    /// <summary>A publish or subscribe entry does not match its section (kind, direction, unknown mid).</summary>
    public const string BadTrack = "bad-track";

    /// <summary>The server hosting the call's media cannot be reached (it is down or restarting); try again.</summary>
    public const string MediaUnavailable = "media-unavailable";
    /// <summary>The server failed; the request may be retried.</summary>
    public const string Internal = "internal";
}
