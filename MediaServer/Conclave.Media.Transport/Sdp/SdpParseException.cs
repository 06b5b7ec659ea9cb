namespace Conclave.Media.Transport.Sdp;

/// <summary>
/// Malformed SDP. The message names the 1-based line number, the offending line (truncated) and the rule broken,
/// e.g. <c>line 14: m= line needs at least 4 fields ("m=video 9 UDP/TLS/RTP/SAVPF")</c>.
/// </summary>
public sealed class SdpParseException : FormatException
{
    /// <summary>Longest excerpt of the offending line quoted in the message.</summary>
    public const int MaxQuotedLength = 80;

    /// <summary>1-based line number, or 0 when the error concerns the whole description.</summary>
    public int LineNumber { get; }

    /// <summary>The rule that was broken, without the line prefix.</summary>
    public string Rule { get; }

    /// <summary>Creates an error for <paramref name="lineNumber"/> (0 = whole description).</summary>
    public SdpParseException(int lineNumber, string? line, string rule)
        : base(Format(lineNumber, line, rule))
    {
        LineNumber = lineNumber;
        Rule = rule;
    }

    private static string Format(int lineNumber, string? line, string rule)
    {
        string where = lineNumber > 0 ? $"line {lineNumber}: " : "";
        if (line is null) return where + rule;
        string quoted = line.Length > MaxQuotedLength ? line[..MaxQuotedLength] + "…" : line;
        return $"{where}{rule} (\"{quoted}\")";
    }
}
