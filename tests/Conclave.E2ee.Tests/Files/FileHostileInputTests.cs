using Conclave.E2ee.Files;

namespace Conclave.E2ee.Tests.Files;

/// <summary>
/// Whatever the stored bytes, a reader throws only <see cref="FileFormatException"/> (pion fuzz tests): random data,
/// every single-bit change and every truncation of a file, random headers and manifests.
/// </summary>
public sealed class FileHostileInputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Random_bytes_are_refused_with_a_file_format_error()
    {
        var random = new Random(11);
        for (int i = 0; i < 300; i++)
        {
            byte[] data = new byte[random.Next(i < 100 ? 40 : 2000)];
            random.NextBytes(data);
            if (i % 3 == 0) "CNCF\x01\x01\0\0"u8[..Math.Min(8, data.Length)].CopyTo(data);      // past the magic
            await Assert.ThrowsAsync<FileFormatException>(() => FileTestData.DecryptAsync(data));
        }
    }

    [Fact]
    public async Task Every_bit_flip_and_every_truncation_is_refused()
    {
        byte[] plaintext = FileTestData.Bytes(150, 12);
        (byte[] ciphertext, _) = await FileTestData.EncryptAsync(plaintext, 64);
        Assert.Equal(plaintext, await FileTestData.DecryptAsync(ciphertext));

        for (int at = 0; at < ciphertext.Length; at++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                byte[] flipped = (byte[])ciphertext.Clone();
                flipped[at] ^= (byte)(1 << bit);
                await Assert.ThrowsAsync<FileFormatException>(() => FileTestData.DecryptAsync(flipped));
            }
        }
        for (int length = 0; length < ciphertext.Length; length++)
        {
            var e = await Assert.ThrowsAsync<FileFormatException>(() => FileTestData.DecryptAsync(ciphertext[..length]));
            Assert.Equal(FileFormatError.Truncated, e.Error);
        }
    }

    [Fact]
    public void Random_headers_and_manifests_never_throw()
    {
        var random = new Random(13);
        byte[] header = new byte[FileHeader.Length];
        for (int i = 0; i < 20_000; i++)
        {
            random.NextBytes(header);
            if (i % 2 == 0) "CNCF\x01\x01\0\0"u8.CopyTo(header);
            if (FileHeader.TryRead(header, out FileHeader read)) Assert.True(read.IsValid);

            byte[] manifest = new byte[random.Next(200)];
            random.NextBytes(manifest);
            if (manifest.Length > 5 && i % 2 == 0)
            {
                manifest[0] = 1;
                manifest[1] = 0;
                manifest[2] = (byte)random.Next(manifest.Length);
            }
            if (FileManifest.TryDecode(manifest, out FileManifest? decoded)) Assert.Equal(manifest, decoded!.Encode());
        }
    }
}
