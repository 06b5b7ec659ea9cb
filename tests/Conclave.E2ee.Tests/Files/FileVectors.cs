using System.Text.Json;
using Conclave.E2ee.Files;

namespace Conclave.E2ee.Tests.Files;

/// <summary>
/// Reads Vectors/file-format.json, which scripts/file-vectors.py makes (an implementation of docs/file-format.md on
/// Python's cryptography package) and the browser tests read too. Theory data carries the case names only; the cases
/// are looked up by name.
/// </summary>
internal static class FileVectors
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "file-format.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static TheoryData<string> ValidNames() => Names("valid");

    public static TheoryData<string> TamperNames() => Names("tamper");

    public static JsonElement Valid(string name) => Find("valid", name);

    public static JsonElement Tamper(string name) => Find("tamper", name);

    public static byte[] Hex(this JsonElement vector, string property) => Convert.FromHexString(vector.GetProperty(property).GetString()!);

    public static string Text(this JsonElement vector, string property) => vector.GetProperty(property).GetString()!;

    public static int Int(this JsonElement vector, string property) => vector.GetProperty(property).GetInt32();

    public static ulong Prefix(this JsonElement vector) => Convert.ToUInt64(vector.Text("noncePrefix"), 16);

    /// <summary>The manifest a valid vector's inputs make.</summary>
    public static FileManifest Manifest(this JsonElement vector)
    {
        byte[] plaintext = vector.Hex("plaintext");
        return new FileManifest(vector.Text("fileName"), vector.Text("mediaType"), plaintext.Length, vector.Hex("sha256"));
    }

    private static TheoryData<string> Names(string array)
    {
        var data = new TheoryData<string>();
        foreach (JsonElement v in Root.GetProperty(array).EnumerateArray()) data.Add(v.Text("name"));
        return data;
    }

    private static JsonElement Find(string array, string name)
    {
        foreach (JsonElement v in Root.GetProperty(array).EnumerateArray())
            if (v.Text("name") == name) return v;
        throw new KeyNotFoundException($"{array}: {name}");
    }
}
