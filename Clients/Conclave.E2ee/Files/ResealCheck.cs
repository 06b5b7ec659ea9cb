using System.Security.Cryptography;

namespace Conclave.E2ee.Files;

/// <summary>
/// The tags of the last <see cref="Window"/> chunks a <see cref="FileEncryptionStream"/> sealed. A chunk sealed again
/// (a retry from the server's offset reads it from the file again) must give the same tag: the same key, nonce and
/// header over other plaintext would be AES-GCM nonce reuse, so a changed chunk is refused before any byte of it is
/// read. Under one key and nonce, equal tags mean equal ciphertexts, bar a 2^-128 forgery chance.
/// </summary>
internal sealed class ResealCheck
{
    /// <summary>How many of the latest chunks are remembered: 1 GiB of 4 MiB chunks, more than a retry goes back.</summary>
    public const int Window = 256;

    private readonly long[] _indexes = new long[Window];
    private readonly byte[] _tags = new byte[Window * FileHeader.TagLength];

    public ResealCheck() => Array.Fill(_indexes, -1);

    /// <summary>Remembers chunk <paramref name="index"/>'s <paramref name="tag"/>, or checks it against the one it had.</summary>
    /// <exception cref="IOException">The chunk was sealed before with another tag: its plaintext changed.</exception>
    public void Sealed(long index, ReadOnlySpan<byte> tag)
    {
        int slot = (int)(index % Window);
        Span<byte> kept = _tags.AsSpan(slot * FileHeader.TagLength, FileHeader.TagLength);
        if (_indexes[slot] == index)
        {
            if (!CryptographicOperations.FixedTimeEquals(kept, tag))
                throw new IOException($"Chunk {index} of the file changed since it was first encrypted: it cannot be sent again under the same key. Send the file afresh.");
            return;
        }
        _indexes[slot] = index;
        tag.CopyTo(kept);
    }
}
