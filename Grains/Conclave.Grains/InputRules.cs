using System.Globalization;
using Conclave.Signaling.Protocol;

namespace Conclave.Grains;

/// <summary>Bounds on the strings the grains accept from callers.</summary>
internal static class InputRules
{
    /// <summary>Longest user, device, session id or room name.</summary>
    public const int MaxIdLength = 128;

    /// <summary>Longest media node name.</summary>
    public const int MaxMediaNodeLength = 256;

    /// <summary>A non-empty id of at most <see cref="MaxIdLength"/> characters, without control characters or surrounding spaces.</summary>
    public static bool IsValidId(string? value) => IsValidText(value, MaxIdLength, trimmed: true);

    /// <summary>The wire's display-name rule (<see cref="Names.IsValidDisplayName"/>), enforced again where the name is stored.</summary>
    public static bool IsValidDisplayName(string? value) => Names.IsValidDisplayName(value);

    /// <summary>A non-empty media node name of at most <see cref="MaxMediaNodeLength"/> characters.</summary>
    public static bool IsValidMediaNode(string? value) => IsValidText(value, MaxMediaNodeLength, trimmed: true);

    /// <summary>
    /// A file id (docs/file-format.md): 1-<see cref="FileLimits.MaxFileIdChars"/> characters of <c>A–Z a–z 0–9 - _</c>.
    /// The id goes into every record's AAD and into blob names, so nothing else is accepted.
    /// </summary>
    public static bool IsValidFileId(string? value) => IsFromAlphabet(value, FileLimits.MaxFileIdChars, extra: "-_");

    /// <summary>A staged block's id: 1-<see cref="FileLimits.MaxBlockIdChars"/> characters of base64 or base64url.</summary>
    public static bool IsValidBlockId(string? value) => IsFromAlphabet(value, FileLimits.MaxBlockIdChars, extra: "+/=-_");

    /// <summary>A wrapped key's device (the base64 SHA-256 of its public keys): 1-<see cref="FileLimits.MaxDeviceChars"/> characters of base64 or base64url.</summary>
    public static bool IsValidKeyDevice(string? value) => IsFromAlphabet(value, FileLimits.MaxDeviceChars, extra: "+/=-_");

    /// <summary>
    /// A wrap: 1-<see cref="FileLimits.MaxWrapChars"/> printable ASCII characters other than space, <c>"</c> and
    /// <c>\</c>. Opaque otherwise; the character rule keeps its stored (JSON) size equal to its length.
    /// </summary>
    public static bool IsValidWrap(string? value) => IsStorableAscii(value, FileLimits.MaxWrapChars, allowSpace: false);

    /// <summary>A download's range as the host recorded it: 1-<see cref="FileLimits.MaxRangeChars"/> printable ASCII characters other than <c>"</c> and <c>\</c>.</summary>
    public static bool IsValidRange(string? value) => IsStorableAscii(value, FileLimits.MaxRangeChars, allowSpace: true);

    /// <summary>A signed membership or leave statement: 1-<see cref="SignalLimits.MaxMembershipStatementBytes"/> opaque bytes.</summary>
    public static bool IsValidStatement(byte[]? statement) =>
        statement is { Length: > 0 and <= SignalLimits.MaxMembershipStatementBytes };

    /// <summary>
    /// The wire's <c>e2ee-send</c> rules (<see cref="SignalLimits"/>), enforced again where messages are relayed:
    /// 1-<see cref="SignalLimits.MaxE2eeMessagesPerSend"/> envelopes, each to a different valid session id, each with
    /// 1-<see cref="SignalLimits.MaxE2eeDataLength"/> characters of data.
    /// </summary>
    public static bool IsValidE2eeBatch(IReadOnlyList<E2eeEnvelope>? messages)
    {
        if (messages is null || messages.Count is 0 or > SignalLimits.MaxE2eeMessagesPerSend) return false;
        var recipients = new HashSet<string>(messages.Count, StringComparer.Ordinal);
        foreach (E2eeEnvelope? message in messages)
        {
            if (message is null || !Names.IsValidOpaqueId(message.To) || !recipients.Add(message.To)) return false;
            if (message.Data is not { Length: > 0 and <= SignalLimits.MaxE2eeDataLength }) return false;
        }
        return true;
    }

    private static bool IsFromAlphabet(string? value, int maxLength, string extra)
    {
        if (value is null || value.Length == 0 || value.Length > maxLength) return false;
        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !extra.Contains(c, StringComparison.Ordinal)) return false;
        }
        return true;
    }

    private static bool IsStorableAscii(string? value, int maxLength, bool allowSpace)
    {
        if (value is null || value.Length == 0 || value.Length > maxLength) return false;
        foreach (char c in value)
        {
            if (c is < ' ' or > '~' or '"' or '\\' || (c == ' ' && !allowSpace)) return false;
        }
        return true;
    }

    private static bool IsValidText(string? value, int maxLength, bool trimmed)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > maxLength) return false;
        if (trimmed && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))) return false;
        foreach (char c in value)
        {
            if (c is '\u200C' or '\u200D') continue; // ZWNJ/ZWJ: needed by emoji sequences and some scripts
            var category = char.GetUnicodeCategory(c);
            // Control, bidi overrides and other format characters let a name spoof others in a UI or a log line.
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned)
            {
                return false;
            }
        }
        return true;
    }
}
