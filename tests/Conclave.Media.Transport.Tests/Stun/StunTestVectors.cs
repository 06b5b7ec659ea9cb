using System.Text.Json;

namespace Conclave.Media.Transport.Tests.Stun;

/// <summary>Loads Vectors/stun-rfc5769-vectors.json (RFC 5769 §2.1-2.4) and builds STUN headers from hex.</summary>
internal static class StunTestVectors
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "stun-rfc5769-vectors.json"))));

    /// <summary>The vector object for an RFC 5769 section ("2.1" .. "2.4").</summary>
    public static JsonElement Section(string section)
    {
        foreach (JsonElement vector in Document.Value.RootElement.GetProperty("vectors").EnumerateArray())
        {
            if (vector.GetProperty("section").GetString() == section) return vector;
        }
        throw new InvalidOperationException($"RFC 5769 section {section} is not in the vector file.");
    }

    public static int Count => Document.Value.RootElement.GetProperty("vectors").GetArrayLength();

    public static byte[] Message(string section) => Convert.FromHexString(Section(section).GetProperty("message_hex").GetString()!);

    public static string Field(string section, string name) => Section(section).GetProperty(name).GetString()!;

    public static string Expected(string section, string name) => Section(section).GetProperty("expected").GetProperty(name).GetString()!;

    /// <summary>Hex of a fixed 20-byte header: type, length, cookie, transaction id 000102..0B.</summary>
    public static string Header(string type, string length) => type + length + "2112A442" + "000102030405060708090A0B";
}
