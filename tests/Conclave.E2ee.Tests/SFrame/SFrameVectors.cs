using System.Text.Json;
using Conclave.E2ee.SFrame;

namespace Conclave.E2ee.Tests.SFrame;

/// <summary>
/// Reads Vectors/sframe-rfc9605-vectors.json (RFC 9605 App. C; see its _meta). KID and CTR reach 2^64-1, so they
/// are read with GetUInt64, never as doubles.
/// </summary>
internal static class SFrameVectors
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "sframe-rfc9605-vectors.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static byte[] Hex(this JsonElement vector, string property) => Convert.FromHexString(vector.GetProperty(property).GetString()!);

    public static ulong UInt64(this JsonElement vector, string property) => vector.GetProperty(property).GetUInt64();

    public static SFrameCipherSuite Suite(this JsonElement vector) => (SFrameCipherSuite)vector.GetProperty("cipher_suite").GetUInt16();

    /// <summary>App. C.1: every header vector as (name, kid, ctr, encoded hex).</summary>
    public static TheoryData<string, ulong, ulong, string> Headers()
    {
        var data = new TheoryData<string, ulong, ulong, string>();
        foreach (JsonElement v in Root.GetProperty("header").EnumerateArray())
        {
            ulong kid = v.UInt64("kid"), ctr = v.UInt64("ctr");
            data.Add($"kid 0x{kid:x} ctr 0x{ctr:x}", kid, ctr, v.GetProperty("encoded").GetString()!);
        }
        return data;
    }

    /// <summary>The App. C.2 (array "aes_ctr_hmac") or C.3 (array "sframe") vector for <paramref name="suite"/>.</summary>
    public static JsonElement For(string array, SFrameCipherSuite suite)
    {
        foreach (JsonElement v in Root.GetProperty(array).EnumerateArray())
            if (v.Suite() == suite) return v;
        throw new KeyNotFoundException($"{array} {suite}");
    }

    public static int Count(string array) => Root.GetProperty(array).GetArrayLength();
}
