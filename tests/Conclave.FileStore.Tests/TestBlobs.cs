using System.Security.Cryptography;

namespace Conclave.FileStore.Tests;

/// <summary>Helpers shared by the store tests: random content, staging and committing it, reading it back.</summary>
internal static class TestBlobs
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string NewName(string prefix = "t") => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Deterministic pseudo-random bytes (a failure reproduces with the same seed).</summary>
    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Cuts <paramref name="content"/> into blocks of <paramref name="sizes"/> (which must add up to its length),
    /// stages them in the order given by <paramref name="stageOrder"/> (default: reversed, to show that the commit list
    /// alone sets the order) and commits them in blob order. Returns the block ids in blob order.</summary>
    public static async Task<string[]> UploadAsync(IBlobStore store, string name, byte[] content, int[] sizes, int[]? stageOrder = null)
    {
        Assert.Equal(content.Length, sizes.Sum());
        var ids = new string[sizes.Length];
        var offsets = new int[sizes.Length];
        for (int i = 0, offset = 0; i < sizes.Length; offset += sizes[i], i++)
        {
            offsets[i] = offset;
            ids[i] = BlockIds.ForOffset(offset);
        }
        stageOrder ??= Enumerable.Range(0, sizes.Length).Reverse().ToArray();
        foreach (int i in stageOrder)
            await store.StageBlockAsync(name, ids[i], content.AsMemory(offsets[i], sizes[i]), Ct);
        await store.CommitAsync(name, ids, Ct);
        return ids;
    }

    public static async Task<byte[]> ReadAsync(IBlobStore store, string name, long offset = 0, long? length = null)
    {
        await using var stream = await store.OpenReadAsync(name, offset, length, Ct);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    /// <summary>Byte-for-byte equality that reports the first difference instead of dumping megabytes.</summary>
    public static void AssertSameBytes(ReadOnlyMemory<byte> expectedBytes, ReadOnlyMemory<byte> actualBytes)
    {
        ReadOnlySpan<byte> expected = expectedBytes.Span, actual = actualBytes.Span;
        int common = expected.CommonPrefixLength(actual);
        if (common == expected.Length && common == actual.Length) return;
        Assert.Fail($"Expected {expected.Length} bytes (SHA-256 {Convert.ToHexString(SHA256.HashData(expected))[..16]}…), "
            + $"got {actual.Length} (SHA-256 {Convert.ToHexString(SHA256.HashData(actual))[..16]}…); first difference at byte {common}.");
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
