using System.Text.Json;

namespace Conclave.Media.Transport.Tests.Srtp;

/// <summary>Reads Vectors/srtp-vectors.json (RFC 3711 App. B, RFC 7714 §16–17; see its _meta).</summary>
internal static class SrtpVectors
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "srtp-vectors.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static byte[] Hex(JsonElement element, string property) =>
        Convert.FromHexString(element.GetProperty(property).GetString()!.Split(' ')[0]);

    /// <summary>The RFC 7714 §16 vector object whose "section" is <paramref name="section"/>.</summary>
    public static JsonElement Rfc7714(string array, string section)
    {
        foreach (JsonElement v in Root.GetProperty("rfc7714").GetProperty(array).EnumerateArray())
            if (v.GetProperty("section").GetString() == section) return v;
        throw new KeyNotFoundException(section);
    }
}
