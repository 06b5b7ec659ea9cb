using System.Buffers;

namespace Conclave.E2ee.Files;

/// <summary>
/// The encrypted file (docs/file-format.md) as a read-only stream, made on the fly from the plaintext: what a resumable
/// (tus) upload reads. Encryption is deterministic given the key, nonce prefix, file id, manifest and chunk size, so
/// after seeking to any offset (the server's <c>Upload-Offset</c>) it reads the bytes a whole pass would have given
/// there. Seeking re-reads and re-seals only the chunk that holds the new position. Constant memory: one pooled
/// buffer of a chunk, cleared on dispose.
/// </summary>
/// <remarks>
/// <para>The plaintext must not change between passes or resumes, and the caller must check it has not (e.g. that it
/// still hashes to <see cref="FileManifest.Sha256"/>) before resuming: sealing other bytes under the same key and
/// nonces would let whoever holds both versions of a record recover their XOR and forge records (AES-GCM nonce reuse).
/// A size change is caught here (<see cref="IOException"/>), a change of content is not.</para>
/// <para>Seekable when the plaintext is; a plaintext that cannot seek is read once, in order. <see cref="Length"/> is
/// known either way. Not thread-safe, as streams are not.</para>
/// </remarks>
public sealed class FileEncryptionStream : Stream
{
    private readonly Stream _plaintext;                              // Owned unless leaveOpen
    private readonly bool _leaveOpen;
    private readonly FileRecordCipher _cipher;                       // Owned
    private readonly FileHeader _header;
    private readonly long _origin;                                   // the plaintext's position of its byte 0
    private readonly long _recordStride;                             // a whole chunk's record: chunk size + tag
    private byte[]? _chunk;                                          // Owned, pooled: chunk _recordIndex, sealed
    private readonly byte[] _tag = new byte[FileHeader.TagLength];   // its tag
    private long _recordIndex = -1;                                  // -1: none
    private int _chunkLength;
    private long _plaintextAt;                                       // where the plaintext stream is, from _origin; -1: unknown
    private long _position;
    private bool _disposed;

    /// <summary>
    /// A stream of the encrypted file of <paramref name="plaintext"/>, from the plaintext's current position (byte 0 of
    /// the file) for <see cref="FileManifest.Size"/> bytes, which must be all there is.
    /// </summary>
    /// <param name="plaintext">The file, as hashed into <paramref name="manifest"/>; seekable for resuming.</param>
    /// <param name="fileKey">The 32-byte file key.</param>
    /// <param name="fileId">The id the server knows the upload by.</param>
    /// <param name="manifest">The file's name, media type, size and SHA-256.</param>
    /// <param name="noncePrefix">The file's nonce prefix (<see cref="FileHeader.NewNoncePrefix"/>), kept with the key for resuming.</param>
    /// <param name="chunkSize">Plaintext bytes per chunk, 64 to 64 MiB.</param>
    /// <param name="leaveOpen">Whether disposing this stream leaves the plaintext open.</param>
    /// <exception cref="ArgumentException">The key is not 32 bytes, the file id is not one, the chunk size is out of
    /// range, or the plaintext cannot be read.</exception>
    public FileEncryptionStream(Stream plaintext, ReadOnlyMemory<byte> fileKey, string fileId, FileManifest manifest, ulong noncePrefix,
        int chunkSize = FileHeader.DefaultChunkSize, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        if (!plaintext.CanRead) throw new ArgumentException("The plaintext cannot be read.", nameof(plaintext));
        _header = FileEncryptor.CreateHeader(manifest, noncePrefix, chunkSize);
        _cipher = new FileRecordCipher(fileKey.Span, _header, fileId);
        Head = FileEncryptor.SealHead(_cipher, _header, manifest);
        _plaintext = plaintext;
        _leaveOpen = leaveOpen;
        _origin = plaintext.CanSeek ? plaintext.Position : 0;
        _recordStride = (long)chunkSize + FileHeader.TagLength;
    }

    /// <summary>The first bytes of the file (header and sealed manifest), for <see cref="FileKeyWrap.Wrap"/>.</summary>
    public FileHead Head { get; }

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <summary>Whether the plaintext can seek (and this stream is not disposed).</summary>
    public override bool CanSeek => !_disposed && _plaintext.CanSeek;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <summary>The encrypted file's length (<see cref="FileHeader.EncryptedLength"/>), the tus <c>Upload-Length</c>.</summary>
    public override long Length => _header.EncryptedLength;

    /// <summary>The offset in the encrypted file of the next byte read; setting it needs <see cref="CanSeek"/>.</summary>
    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_plaintext.CanSeek) throw new NotSupportedException("The plaintext cannot seek, so neither can its encryption.");
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin), origin, null),
        };
        if (target < 0) throw new IOException("An attempt was made to move the position before the beginning of the stream.");
        _position = target;
        return target;
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int total = 0;
        while (!buffer.IsEmpty && _position < Length)
        {
            int copied;
            if (_position < _header.HeadLength)
            {
                copied = CopyHead(buffer);
            }
            else
            {
                (long index, int at) = Locate();
                if (index != _recordIndex) Seal(index);
                copied = CopyRecord(at, buffer);
            }
            buffer = buffer[copied..];
            total += copied;
        }
        return total;
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int total = 0;
        while (!buffer.IsEmpty && _position < Length)
        {
            int copied;
            if (_position < _header.HeadLength)
            {
                copied = CopyHead(buffer.Span);
            }
            else
            {
                (long index, int at) = Locate();
                if (index != _recordIndex) await SealAsync(index, cancellationToken).ConfigureAwait(false);
                copied = CopyRecord(at, buffer.Span);
            }
            buffer = buffer[copied..];
            total += copied;
        }
        return total;
    }

    /// <summary>Does nothing: nothing is written.</summary>
    public override void Flush()
    {
    }

    /// <summary>Not supported: the stream is read-only.</summary>
    public override void SetLength(long value) => throw new NotSupportedException("The encrypted file is read-only.");

    /// <summary>Not supported: the stream is read-only.</summary>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The encrypted file is read-only.");

    /// <summary>Clears and returns the record buffer, drops the key and, unless left open, disposes the plaintext.</summary>
    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _disposed = true;
            _cipher.Dispose();
            if (_chunk is not null) ArrayPool<byte>.Shared.Return(_chunk, clearArray: true);
            _chunk = null;
            if (!_leaveOpen) _plaintext.Dispose();
        }
        base.Dispose(disposing);
    }

    private int CopyHead(Span<byte> destination)
    {
        ReadOnlySpan<byte> rest = Head.Bytes[(int)_position..];
        int copied = Math.Min(rest.Length, destination.Length);
        rest[..copied].CopyTo(destination);
        _position += copied;
        return copied;
    }

    private (long Index, int At) Locate()
    {
        long fromFirst = _position - _header.HeadLength;
        return (fromFirst / _recordStride, (int)(fromFirst % _recordStride));
    }

    private int CopyRecord(int at, Span<byte> destination)
    {
        ReadOnlySpan<byte> rest = at < _chunkLength ? _chunk.AsSpan(at, _chunkLength - at) : _tag.AsSpan(at - _chunkLength);
        int copied = Math.Min(rest.Length, destination.Length);
        rest[..copied].CopyTo(destination);
        _position += copied;
        return copied;
    }

    private long PrepareSeal(long index)
    {
        _recordIndex = -1;                                           // until sealed: a failure leaves no stale record
        _chunk ??= ArrayPool<byte>.Shared.Rent(FileEncryptor.MaxChunkLength(_header));
        long offset = index * _header.ChunkSize;
        if (_plaintextAt != offset)
        {
            if (!_plaintext.CanSeek) throw new NotSupportedException("The plaintext cannot seek: it can only be encrypted once, in order.");
            _plaintext.Position = _origin + offset;
        }
        _plaintextAt = -1;
        return offset;
    }

    private void Seal(long index)
    {
        long offset = PrepareSeal(index);
        int length = _header.ChunkLength(index);
        bool last = index == _header.ChunkCount - 1;
        FileEncryptor.ReadPlaintext(_plaintext, _chunk.AsSpan(0, length), offset, _header.Size, last);
        Sealed(index, offset, length, last);
    }

    private async ValueTask SealAsync(long index, CancellationToken cancellationToken)
    {
        long offset = PrepareSeal(index);
        int length = _header.ChunkLength(index);
        bool last = index == _header.ChunkCount - 1;
        await FileEncryptor.ReadPlaintextAsync(_plaintext, _chunk.AsMemory(0, length), offset, _header.Size, last, cancellationToken).ConfigureAwait(false);
        Sealed(index, offset, length, last);
    }

    private void Sealed(long index, long offset, int length, bool last)
    {
        _plaintextAt = last ? -1 : offset + length;                  // the last read probed one byte past the end
        _cipher.Seal(index + 1, last, _chunk.AsSpan(0, length), _tag);
        _recordIndex = index;
        _chunkLength = length;
    }
}
