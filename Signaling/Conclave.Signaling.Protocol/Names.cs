using System.Globalization;

namespace Conclave.Signaling.Protocol;

/// <summary>Validation of the names and ids that cross the wire.</summary>
public static class Names
{
    /// <summary>Room names: 1-64 of <c>a-z 0-9 . _ -</c>, starting with a letter or digit.</summary>
    public static bool IsValidRoomName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > SignalLimits.MaxRoomNameLength) return false;
        if (!char.IsAsciiLetterLower(name[0]) && !char.IsAsciiDigit(name[0])) return false;
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c is not ('.' or '_' or '-')) return false;
        }
        return true;
    }

    /// <summary>
    /// Display names: 1-64 UTF-16 code units, not blank, without control, format (bidi overrides and other
    /// invisible characters, except ZWJ/ZWNJ that emoji and some scripts need), separator or unassigned
    /// characters, which would let a name spoof another in a roster or a log line.
    /// </summary>
    public static bool IsValidDisplayName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > SignalLimits.MaxDisplayNameLength) return false;
        foreach (char c in name)
        {
            if (c is '\u200C' or '\u200D') continue;
            if (char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Server-made ids and secrets: 1-128 characters of base64url.</summary>
    public static bool IsValidOpaqueId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 128) return false;
        foreach (char c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_')) return false;
        }
        return true;
    }

    /// <summary>User ids: 1-128 printable ASCII characters without spaces (OIDC subjects vary widely).</summary>
    public static bool IsValidUserId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 128) return false;
        foreach (char c in id)
        {
            if (c <= ' ' || c > '~') return false;
        }
        return true;
    }

    /// <summary>An SDP <c>a=mid</c> (RFC 8843 §15, token chars) short enough for a one-byte header extension:
    /// 1-16 characters of letters, digits and <c>-_.+!*'</c>.</summary>
    public static bool IsValidMid(string? mid)
    {
        if (string.IsNullOrEmpty(mid) || mid.Length > SignalLimits.MaxMidLength) return false;
        foreach (char c in mid)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.' or '+' or '!' or '*' or '\'')) return false;
        }
        return true;
    }
}
