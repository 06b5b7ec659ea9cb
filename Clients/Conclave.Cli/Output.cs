using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Conclave.Cli;

/// <summary>Formatting helpers: JSON documents for <c>--json</c>, and safe text for terminals.</summary>
internal static class Output
{
    // Relaxed escaping keeps non-ASCII names readable; the output is JSON for tools, never embedded in HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes <paramref name="value"/> as indented JSON and a newline.</summary>
    public static void WriteJson<T>(TextWriter writer, T value, JsonTypeInfo<T> typeInfo)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            JsonSerializer.Serialize(json, value, typeInfo);
        }
        writer.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>
    /// Text from the server made safe for a terminal: control characters (escape sequences, newlines) become
    /// <c>?</c>, so a hostile server cannot rewrite the screen or fake output lines.
    /// </summary>
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text)) return string.Empty;
        bool clean = true;
        foreach (char c in text)
        {
            if (char.IsControl(c)) { clean = false; break; }
        }
        if (clean) return text;
        var builder = new StringBuilder(text.Length);
        foreach (char c in text) builder.Append(char.IsControl(c) ? '?' : c);
        return builder.ToString();
    }

    /// <summary>A timestamp as ISO 8601 UTC to the second.</summary>
    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
