using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Conclave.E2ee.Files;

/* docs/file-format.md, "Nonce and additional data"
   nonce (12) = nonce prefix (8) || record number (4)
   aad        = "Conclave file v1" (16) || header (32) || file id length (1) || file id (ASCII) || record number (4) || last (1)
   record     = AES-256-GCM ciphertext || tag (16)                record 0: the manifest; record i + 1: chunk i       */
/// <summary>
/// Seals and opens the records of one file in place, under its 32-byte file key (AES-256-GCM, .NET's <see cref="AesGcm"/>).
/// Holds the nonce and AAD, of which only the record number and the last flag change from record to record.
/// </summary>
internal sealed class FileRecordCipher : IDisposable
{
    private static ReadOnlySpan<byte> Label => "Conclave file v1"u8;

    private readonly AesGcm _aes;                                    // Owned
    private readonly byte[] _nonce = new byte[FileHeader.NonceLength];
    private readonly byte[] _aad;

    /// <exception cref="ArgumentException">The key is not 32 bytes, the header is invalid, or the file id is not one (<see cref="FileId.IsValid"/>).</exception>
    public FileRecordCipher(ReadOnlySpan<byte> fileKey, FileHeader header, string fileId)
    {
        if (fileKey.Length != FileEncryptor.FileKeyLength) throw new ArgumentException($"A file key is {FileEncryptor.FileKeyLength} bytes.", nameof(fileKey));
        if (!FileId.IsValid(fileId)) throw new ArgumentException("A file id is 1 to 64 characters of A–Z a–z 0–9 - _.", nameof(fileId));
        _aad = new byte[Label.Length + FileHeader.Length + 1 + fileId.Length + 5];
        Label.CopyTo(_aad);
        header.Write(_aad.AsSpan(Label.Length));
        _aad[Label.Length + FileHeader.Length] = (byte)fileId.Length;
        Encoding.ASCII.GetBytes(fileId, _aad.AsSpan(Label.Length + FileHeader.Length + 1));
        BinaryPrimitives.WriteUInt64BigEndian(_nonce, header.NoncePrefix);
        _aes = new AesGcm(fileKey, FileHeader.TagLength);
    }

    /// <summary>Encrypts <paramref name="data"/> in place as record <paramref name="record"/> and writes its tag.</summary>
    public void Seal(long record, bool last, Span<byte> data, Span<byte> tag)
    {
        SetRecord(record, last);
        _aes.Encrypt(_nonce, data, data, tag, _aad);
    }

    /// <summary>Decrypts <paramref name="data"/> in place if it is record <paramref name="record"/> under this key,
    /// header and file id; false (data zeroed) otherwise.</summary>
    public bool TryOpen(long record, bool last, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        SetRecord(record, last);
        try
        {
            _aes.Decrypt(_nonce, data, tag, data, _aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;                                            // .NET reports a bad tag by exception only
        }
    }

    public void Dispose() => _aes.Dispose();

    private void SetRecord(long record, bool last)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_nonce.AsSpan(8), checked((uint)record));
        BinaryPrimitives.WriteUInt32BigEndian(_aad.AsSpan(_aad.Length - 5), (uint)record);
        _aad[^1] = last ? (byte)1 : (byte)0;
    }
}
