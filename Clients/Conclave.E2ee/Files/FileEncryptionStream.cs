using System.Buffers;
using System.Security.Cryptography;

namespace Conclave.E2ee.Files;

/// <summary>
/// The encrypted file (docs/file-format.md) as a read-only stream, made on the fly from the plaintext: what a resumable
/// (tus) upload reads. Encryption is deterministic given the key, nonce prefix, file id, manifest and chunk size, so
/// after seeking to any offset (the server's <c>Upload-Offset</c>) it reads the bytes a whole pass would have given
/// there. Seeking re-reads and re-seals only the chunk that holds the new position (head last, a seek forward also
/// hashes the plaintext it skips). Constant memory: one pooled buffer of a chunk, cleared on dispose.
/// </summary>
/// <remarks>
/// <para>The plaintext must not change between passes or resumes, and the caller must check it has not (e.g. that it
/// still hashes to <see cref="FileManifest.Sha256"/>) before resuming: sealing other bytes under the same key and
/// nonces would let whoever holds both versions of a record recover their XOR and forge records (AES-GCM nonce reuse).
/// Within one stream, a size change is caught (<see cref="IOException"/>), and so is a chunk among the last
/// <see cref="ResealCheck.Window"/> sealed that seals differently when read again (a retry after the file changed);
/// across streams, the caller must check.</para>
/// <para>Seekable when the plaintext is; a plaintext that cannot seek is read once, in order. <see cref="Length"/> is
/// known either way. Not thread-safe, as streams are not.</para>
/// <para><b>Head last</b> (<see cref="HeadLast"/>, docs/files.md): the stream gives the chunk records first and the head
/// (header and sealed manifest) after them, and hashes the plaintext as it encrypts it, so the file is read once: the
/// manifest's SHA-256 is known when the head is due. The server puts the head back in front when it commits the blob.
/// Before any byte of a chunk's record (or of the head) is read, <see cref="PrefixHashed"/> has told the SHA-256 of the
/// plaintext up to that chunk's end (or more), and returned; a sender that resumes later checks the file still hashes to
/// it (<see cref="VerifyPrefixAsync"/>) before encrypting anything again. Seeking forward hashes the plaintext skipped.</para>
/// </remarks>
public sealed class FileEncryptionStream : Stream
{
    private readonly Stream _plaintext;                              // Owned unless leaveOpen
    private readonly bool _leaveOpen;
    private readonly FileRecordCipher _cipher;                       // Owned
    private readonly FileHeader _header;
    private readonly PlaintextHash? _hash;                            // Owned; head last only
    private FileManifest _manifest;                                  // head last: its SHA-256 is a placeholder until hashed
    private FileHead? _head;                                         // head last: null until the plaintext is hashed
    private long _announced;                                         // head last: how far PrefixHashed has told, and returned
    private readonly long _origin;                                   // the plaintext's position of its byte 0
    private readonly long _recordStride;                             // a whole chunk's record: chunk size + tag
    private byte[]? _chunk;                                          // Owned, pooled: chunk _recordIndex, sealed
    private readonly byte[] _tag = new byte[FileHeader.TagLength];   // its tag
    private readonly ResealCheck _resealed = new();                  // a chunk sealed again must seal as it did
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
        : this(plaintext, fileKey, fileId, manifest, noncePrefix, chunkSize, leaveOpen, headLast: false)
    {
    }

    private FileEncryptionStream(Stream plaintext, ReadOnlyMemory<byte> fileKey, string fileId, FileManifest manifest, ulong noncePrefix,
        int chunkSize, bool leaveOpen, bool headLast)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        if (!plaintext.CanRead) throw new ArgumentException("The plaintext cannot be read.", nameof(plaintext));
        _header = FileEncryptor.CreateHeader(manifest, noncePrefix, chunkSize);
        _cipher = new FileRecordCipher(fileKey.Span, _header, fileId);
        _manifest = manifest;
        if (headLast) _hash = new PlaintextHash();
        else _head = FileEncryptor.SealHead(_cipher, _header, manifest);
        _plaintext = plaintext;
        _leaveOpen = leaveOpen;
        _origin = plaintext.CanSeek ? plaintext.Position : 0;
        _recordStride = (long)chunkSize + FileHeader.TagLength;
    }

    /// <summary>
    /// The encrypted file of <paramref name="plaintext"/> with its head last (see the remarks): the chunk records, then
    /// the head, whose manifest has <paramref name="name"/>, <paramref name="mediaType"/>, the plaintext's size (from
    /// its position to its end) and the SHA-256 this stream computes. The server must be told the head's length
    /// (<see cref="HeadLength"/>) to put it back in front.
    /// </summary>
    /// <param name="plaintext">The file; seekable, as its size must be known before it is read.</param>
    /// <exception cref="ArgumentException">As the constructor; also when the plaintext cannot seek, or the name or
    /// media type break the manifest's rules.</exception>
    /// <param name="size">The plaintext's size: when resuming, the size it had when the upload began (every record's
    /// AAD holds it), so that a plaintext of another size fails to read instead of being sealed under another header;
    /// null for the plaintext's length from its position.</param>
    public static FileEncryptionStream HeadLast(Stream plaintext, ReadOnlyMemory<byte> fileKey, string fileId, string name, string? mediaType,
        ulong noncePrefix, int chunkSize = FileHeader.DefaultChunkSize, bool leaveOpen = false, long? size = null)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        if (!plaintext.CanSeek) throw new ArgumentException("A head-last encryption needs the plaintext's size first: a seekable stream.", nameof(plaintext));
        // The hash is a placeholder: only the manifest's length counts until the head is sealed.
        var manifest = new FileManifest(name, mediaType ?? FileManifest.DefaultMediaType, size ?? plaintext.Length - plaintext.Position, new byte[32]);
        return new FileEncryptionStream(plaintext, fileKey, fileId, manifest, noncePrefix, chunkSize, leaveOpen, headLast: true);
    }

    /// <summary>The first bytes of the file (header and sealed manifest), for <see cref="FileKeyWrap.Wrap"/>.</summary>
    /// <exception cref="InvalidOperationException">Head last, and not sealed yet: the stream was not read to its end,
    /// nor <see cref="SealHeadAsync"/> called.</exception>
    public FileHead Head => _head ?? throw new InvalidOperationException("The head is sealed once the whole plaintext is hashed: read the stream to its end, or call SealHeadAsync.");

    /// <summary>The head's length: header, manifest and tag.</summary>
    public int HeadLength => _header.HeadLength;

    /// <summary>Head last: raised before any byte of a chunk's record or of the head is read, whenever the plaintext
    /// behind it was not told yet, with the bytes hashed from the start and their SHA-256 (see
    /// <see cref="VerifyPrefixAsync"/>). A handler that throws fails the read, and is called again by the next one.</summary>
    public event Action<long, byte[]>? PrefixHashed;

    /// <summary>
    /// Head last, resuming: hashes the plaintext's first <paramref name="length"/> bytes and tells whether they still
    /// hash to <paramref name="sha256"/>, the last <see cref="PrefixHashed"/> of the interrupted attempt. Only when
    /// they do may the upload continue with the same key: otherwise other plaintext would be sealed under the same
    /// nonces. Then dispose this stream and start afresh.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not head last, or something was hashed already.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or beyond the file.</exception>
    public async Task<bool> VerifyPrefixAsync(long length, ReadOnlyMemory<byte> sha256, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_hash is null || _hash.Through != 0) throw new InvalidOperationException("Only a head-last stream that has hashed nothing yet can verify a prefix.");
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _header.Size);
        await HashToAsync(length, progress, cancellationToken).ConfigureAwait(false);
        _announced = length;                                         // the caller's record already says so
        return CryptographicOperations.FixedTimeEquals(_hash.Current(), sha256.Span);
    }

    /// <summary>Head last: hashes what is left of the plaintext, if anything, and seals the head; done anyway when a
    /// read reaches the head. For a sender whose upload had all its bytes before an interruption.</summary>
    public async ValueTask<FileHead> SealHeadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_head is not null) return _head;
        await HashToAsync(_header.Size, null, cancellationToken).ConfigureAwait(false);
        return SealedHead();
    }

    /// <summary>The manifest of the file: with its SHA-256 once known (head last: once <see cref="Head"/> is).</summary>
    public FileManifest Manifest => _head is null ? throw new InvalidOperationException("The manifest's hash is not known yet.") : _manifest;

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
            long at = FileOffset();
            if (at < _header.HeadLength)
            {
                if (_head is null)
                {
                    HashTo(_header.Size);
                    SealedHead();
                }
                copied = CopyHead(at, buffer);
            }
            else
            {
                (long index, int within) = Locate(at);
                if (index != _recordIndex) Seal(index);
                copied = CopyRecord(within, buffer);
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
            long at = FileOffset();
            if (at < _header.HeadLength)
            {
                if (_head is null) await SealHeadAsync(cancellationToken).ConfigureAwait(false);
                copied = CopyHead(at, buffer.Span);
            }
            else
            {
                (long index, int within) = Locate(at);
                if (index != _recordIndex) await SealAsync(index, cancellationToken).ConfigureAwait(false);
                copied = CopyRecord(within, buffer.Span);
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
            _hash?.Dispose();
            if (_chunk is not null) ArrayPool<byte>.Shared.Return(_chunk, clearArray: true);
            _chunk = null;
            if (!_leaveOpen) _plaintext.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>Where <see cref="Position"/> is in the file: head last, the stream's first bytes are the file's from the
    /// head's end, and its last the head's.</summary>
    private long FileOffset()
    {
        if (_hash is null) return _position;
        long body = Length - _header.HeadLength;
        return _position < body ? _position + _header.HeadLength : _position - body;
    }

    private int CopyHead(long at, Span<byte> destination)
    {
        Announce(_header.Size);
        ReadOnlySpan<byte> rest = _head!.Bytes[(int)at..];
        int copied = Math.Min(rest.Length, destination.Length);
        rest[..copied].CopyTo(destination);
        _position += copied;
        return copied;
    }

    private (long Index, int At) Locate(long at)
    {
        long fromFirst = at - _header.HeadLength;
        return (fromFirst / _recordStride, (int)(fromFirst % _recordStride));
    }

    private int CopyRecord(int at, Span<byte> destination)
    {
        Announce(_recordIndex * _header.ChunkSize + _chunkLength);
        ReadOnlySpan<byte> rest = at < _chunkLength ? _chunk.AsSpan(at, _chunkLength - at) : _tag.AsSpan(at - _chunkLength);
        int copied = Math.Min(rest.Length, destination.Length);
        rest[..copied].CopyTo(destination);
        _position += copied;
        return copied;
    }

    private byte[] Buffer() => _chunk ??= ArrayPool<byte>.Shared.Rent(FileEncryptor.MaxChunkLength(_header));

    /// <summary>Head last: hashes the plaintext up to <paramref name="end"/> through the chunk buffer, which then holds
    /// no record, and leaves the plaintext's position to be set again.</summary>
    private async ValueTask HashToAsync(long end, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        _recordIndex = -1;
        _plaintextAt = -1;
        await _hash!.HashThroughAsync(_plaintext, _origin, end, Buffer(), progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The synchronous <see cref="HashToAsync"/>.</summary>
    private void HashTo(long end)
    {
        _recordIndex = -1;
        _plaintextAt = -1;
        _hash!.HashThrough(_plaintext, _origin, end, Buffer());
    }

    private void PrepareSeal(long index)
    {
        _recordIndex = -1;                                           // until sealed: a failure leaves no stale record
        Buffer();
        long offset = index * _header.ChunkSize;
        if (_plaintextAt != offset)
        {
            if (!_plaintext.CanSeek) throw new NotSupportedException("The plaintext cannot seek: it can only be encrypted once, in order.");
            _plaintext.Position = _origin + offset;
        }
        _plaintextAt = -1;
    }

    private void Seal(long index)
    {
        long offset = index * _header.ChunkSize;
        if (_hash is not null && _hash.Through < offset) HashTo(offset);   // resumed past what was hashed: the gap first
        PrepareSeal(index);
        int length = _header.ChunkLength(index);
        bool last = index == _header.ChunkCount - 1;
        FileEncryptor.ReadPlaintext(_plaintext, _chunk.AsSpan(0, length), offset, _header.Size, last);
        Sealed(index, offset, length, last);
    }

    private async ValueTask SealAsync(long index, CancellationToken cancellationToken)
    {
        long offset = index * _header.ChunkSize;
        if (_hash is not null && _hash.Through < offset) await HashToAsync(offset, null, cancellationToken).ConfigureAwait(false);
        PrepareSeal(index);
        int length = _header.ChunkLength(index);
        bool last = index == _header.ChunkCount - 1;
        await FileEncryptor.ReadPlaintextAsync(_plaintext, _chunk.AsMemory(0, length), offset, _header.Size, last, cancellationToken).ConfigureAwait(false);
        Sealed(index, offset, length, last);
    }

    private void Sealed(long index, long offset, int length, bool last)
    {
        _plaintextAt = last ? -1 : offset + length;                  // the last read probed one byte past the end
        if (_hash is not null && _hash.Through == offset) _hash.Append(_chunk.AsSpan(0, length));
        _cipher.Seal(index + 1, last, _chunk.AsSpan(0, length), _tag);
        _resealed.Sealed(index, _tag);
        _recordIndex = index;
        _chunkLength = length;
    }

    /// <summary>Head last: before bytes sealed from the plaintext up to <paramref name="end"/> are read, tells
    /// <see cref="PrefixHashed"/> how far the plaintext is hashed, unless it was told that far already.</summary>
    private void Announce(long end)
    {
        if (_hash is null || end <= _announced) return;
        long through = _hash.Through;                                // at least end: a chunk is hashed before it is sealed
        PrefixHashed?.Invoke(through, _hash.Current());
        _announced = through;
    }

    /// <summary>Head last, the whole plaintext hashed: the manifest gets its SHA-256 and the head is sealed.</summary>
    private FileHead SealedHead()
    {
        _manifest = new FileManifest(_manifest.Name, _manifest.MediaType, _manifest.Size, _hash!.Current());
        _head = FileEncryptor.SealHead(_cipher, _header, _manifest);
        return _head;
    }
}
