using System.Security.Cryptography;
using Conclave.E2ee.Files;

namespace Conclave.E2ee.Tests.Files;

/// <summary>Plaintexts, keys and encrypted files for the file format tests.</summary>
internal static class FileTestData
{
    public const string Id = "AAECAwQFBgcICQoLDA0ODw";

    public static byte[] Key(int seed = 1) => Bytes(FileEncryptor.FileKeyLength, seed + 1000);

    public static byte[] Bytes(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Plaintext sizes and chunk sizes that cover an empty file, one short chunk, exactly one chunk, several
    /// chunks with a short last one, and a larger chunk size.</summary>
    public static TheoryData<int, int> SizesAndChunkSizes => new() { { 0, 64 }, { 63, 64 }, { 64, 64 }, { 300, 64 }, { 2500, 1000 } };

    public static FileManifest ManifestOf(byte[] plaintext, string name = "file.bin") =>
        new(name, FileManifest.DefaultMediaType, plaintext.Length, SHA256.HashData(plaintext));

    public static async Task<(byte[] Ciphertext, FileHead Head)> EncryptAsync(byte[] plaintext, int chunkSize, byte[]? key = null, string id = Id,
        ulong noncePrefix = 0x0102030405060708)
    {
        using var output = new MemoryStream();
        FileHead head = await FileEncryptor.EncryptAsync(new MemoryStream(plaintext), output, key ?? Key(), id, ManifestOf(plaintext), noncePrefix, chunkSize);
        return (output.ToArray(), head);
    }

    public static async Task<byte[]> DecryptAsync(byte[] ciphertext, byte[]? key = null, string id = Id)
    {
        using var output = new MemoryStream();
        await FileDecryptor.DecryptAsync(new MemoryStream(ciphertext), output, key ?? Key(), id);
        return output.ToArray();
    }
}
