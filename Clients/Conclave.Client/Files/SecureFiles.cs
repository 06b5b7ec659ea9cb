using System.Security.Cryptography;
using Conclave.E2ee.Files;
using Conclave.E2ee.Identity;
using Conclave.Signaling.Protocol.Api;

namespace Conclave.Client.Files;

/// <summary>
/// Sends and receives end-to-end encrypted files (docs/files.md, docs/file-format.md) as one device of one user: the
/// file is encrypted here, uploaded resumably over tus, and its key wrapped for each recipient device (and this user's
/// own devices); a received file is downloaded, its key unwrapped and checked against its sender's signature, and
/// decrypted here. The server sees only ciphertext and wraps.
/// </summary>
public sealed class SecureFiles
{
    private readonly ConclaveApiClient _api;
    private readonly HttpClient _transfers;
    private readonly string _token;
    private readonly DeviceIdentity _identity;
    private readonly string _userId;
    private readonly TimeProvider _time;

    /// <param name="api">The API client (this device's token).</param>
    /// <param name="transfers">A client for the server without a request timeout (bodies take long), borrowed.</param>
    /// <param name="token">This device's bearer token.</param>
    /// <param name="identity">This device's identity, registered with the server (<see cref="RegisterDeviceAsync"/>).</param>
    /// <param name="userId">This device's user.</param>
    public SecureFiles(ConclaveApiClient api, HttpClient transfers, string token, DeviceIdentity identity, string userId, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(transfers);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentException.ThrowIfNullOrEmpty(userId);
        _api = api;
        _transfers = transfers;
        _token = token;
        _identity = identity;
        _userId = userId;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Raised when an upload or download attempt failed and will be tried again.</summary>
    public event Action<Exception>? Retrying;

    /// <summary>Registers this device's public keys, so that files can be wrapped to it.</summary>
    public Task RegisterDeviceAsync(CancellationToken cancellationToken) => _api.RegisterDeviceAsync(_identity, cancellationToken);

    /// <summary>
    /// Sends the file at <paramref name="path"/> to <paramref name="recipients"/> (user ids; this user's own devices
    /// always get the key too). When <paramref name="pending"/> holds an interrupted send of the same, unchanged file,
    /// it resumes it from the server's offset.
    /// </summary>
    /// <exception cref="ConclaveApiException">The server refused (an unknown recipient, the quota, the size limit…).</exception>
    /// <exception cref="InvalidOperationException">A recipient has no registered device yet.</exception>
    /// <param name="skipWithoutDevice">True (sending to a room): recipients without a registered device are left out
    /// and named in <see cref="SentFile.Skipped"/>; false: they are an error.</param>
    public async Task<SentFile> SendAsync(string path, IReadOnlyList<string> recipients, PendingUploadStore pending,
        IProgress<TransferProgress>? progress, CancellationToken cancellationToken, bool skipWithoutDevice = false, string? mediaType = null)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(pending);
        path = Path.GetFullPath(path);
        string[] everyone = [.. recipients.Append(_userId).Distinct(StringComparer.Ordinal)];
        // Recipients first: an unknown user or one without a device fails before any byte is sent.
        (List<(string UserId, DevicePublicKeys Keys, string Device)> devices, List<string> skipped) =
            await DevicesOfAsync(everyone, skipWithoutDevice, cancellationToken).ConfigureAwait(false);

        await using FileStream file = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
        long size = file.Length;
        DateTime written = File.GetLastWriteTimeUtc(path);
        string name = Path.GetFileName(path);

        (PendingUpload upload, FileEncryptionStream encrypted)? resumed =
            await ResumeAsync(file, path, name, mediaType, written, pending, progress, cancellationToken).ConfigureAwait(false);
        (PendingUpload upload, FileEncryptionStream encrypted) = resumed
            ?? await BeginAsync(file, path, name, mediaType, written, everyone, pending, cancellationToken).ConfigureAwait(false);
        try
        {
            // Before any byte of a chunk leaves, the record says the file was hashed through it (see PendingUpload).
            encrypted.PrefixHashed += (through, sha256) =>
            {
                upload = upload with { HashedThrough = through, PrefixSha256 = Convert.ToHexStringLower(sha256) };
                pending.Save(upload);
            };
            long length = encrypted.Length;
            var uploader = new TusUploader(_transfers, _token, _time);
            uploader.Retrying += (e, _) => Retrying?.Invoke(e);
            await uploader.UploadAsync(upload.Upload, length, offset =>
            {
                encrypted.Position = offset;
                return new NonDisposingStream(encrypted);
            }, Report(progress, TransferPhase.Uploading, length), cancellationToken).ConfigureAwait(false);
            FileHead head = await encrypted.SealHeadAsync(cancellationToken).ConfigureAwait(false);   // sealed already, unless resumed at the end

            // Every device of every recipient, this user's included, gets the key, signed by this device.
            FileKeyDto[] keys = [.. devices.Select(d => new FileKeyDto(d.UserId, d.Device,
                FileKeyWrap.Wrap(_identity, upload.FileKey, upload.FileId, head, d.UserId, d.Keys)))];
            await _api.SetFileKeysAsync(upload.FileId, new FileKeysRequest(keys), cancellationToken).ConfigureAwait(false);
            pending.Delete(path);
            CryptographicOperations.ZeroMemory(upload.FileKey);
            return new SentFile(upload.FileId, size, length, keys.Length, resumed is not null, skipped);
        }
        finally
        {
            encrypted.Dispose();
        }
    }

    /// <summary>
    /// Receives file <paramref name="fileId"/> into <paramref name="outputPath"/>, or, when it is null, into a file in
    /// <paramref name="directory"/> named as its manifest says. The plaintext goes to a temporary file that is renamed
    /// only once the whole file checked out. Returns the manifest and the path written.
    /// </summary>
    /// <exception cref="ConclaveApiException">403 (not shared with this user), 404, 409 (still uploading)…</exception>
    /// <exception cref="FileFormatException">The file does not decrypt (tampered, or not what its sender sealed).</exception>
    /// <exception cref="InvalidOperationException">No key for this device, or none its sender's devices signed;
    /// or the output file exists.</exception>
    public async Task<(FileManifest Manifest, string Path)> ReceiveAsync(string fileId, string? outputPath, string directory,
        IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        FileDto file = await _api.GetFileAsync(fileId, cancellationToken).ConfigureAwait(false);
        if (!file.Complete) throw new InvalidOperationException($"file {fileId} is still being uploaded ({file.Offset} of {file.Length} bytes)");
        await using FileDownloadStream download = await FileDownloadStream.OpenAsync(_transfers, _token, fileId, 0, null, _time, cancellationToken).ConfigureAwait(false);
        FileHead head = await FileHead.ReadAsync(download, cancellationToken).ConfigureAwait(false);
        byte[] key = await UnwrapAsync(file, head, cancellationToken).ConfigureAwait(false);
        try
        {
            FileManifest manifest = head.Open(key, fileId);
            string target = Path.GetFullPath(outputPath ?? Path.Combine(directory, manifest.Name));
            if (File.Exists(target)) throw new InvalidOperationException($"{target} exists; choose another path with -o");
            string partial = target + ".conclave-part";
            try
            {
                // A new file, not one truncated: closing a truncated file makes ext4 write the whole of it back at once.
                File.Delete(partial);
                await using (var output = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
                {
                    await FileDecryptor.DecryptAsync(head, download, output, key, fileId,
                        Report(progress, TransferPhase.Downloading, manifest.Size), cancellationToken).ConfigureAwait(false);
                }
                File.Move(partial, target, overwrite: false);
            }
            finally
            {
                File.Delete(partial);
            }
            return (manifest, target);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The manifest (name, type, size) of a file shared with this device, from its first bytes only; null when
    /// it cannot be opened here (no key for this device, or a refused head).</summary>
    public async Task<FileManifest?> TryReadManifestAsync(FileDto file, CancellationToken cancellationToken)
    {
        if (!file.Complete) return null;
        try
        {
            const int LongestHead = FileHeader.Length + FileHeader.MaxManifestLength + FileHeader.TagLength;
            await using FileDownloadStream download = await FileDownloadStream.OpenAsync(_transfers, _token, file.Id, 0, LongestHead, _time, cancellationToken).ConfigureAwait(false);
            FileHead head = await FileHead.ReadAsync(download, cancellationToken).ConfigureAwait(false);
            byte[] key = await UnwrapAsync(file, head, cancellationToken).ConfigureAwait(false);
            try
            {
                return head.Open(key, file.Id);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }
        catch (Exception e) when (e is FileFormatException or InvalidOperationException or ConclaveApiException)
        {
            return null;
        }
    }

    /// <summary>The file key from this device's wrap, checked against the signing key of each of the owner's devices.</summary>
    private async Task<byte[]> UnwrapAsync(FileDto file, FileHead head, CancellationToken cancellationToken)
    {
        string device = DeviceDigest(DevicePublicKeys.Of(_identity).ToBytes());
        FileKeyDto? mine = file.Keys.FirstOrDefault(k => k.UserId == _userId && k.Device == device)
            ?? throw new InvalidOperationException($"file {file.Id} was not shared with this device (only with devices registered before it was sent)");
        UserDevicesDto owner = await _api.GetUserDevicesAsync(file.Owner, cancellationToken).ConfigureAwait(false);
        foreach (DeviceDto sender in owner.Devices)
        {
            if (DevicePublicKeys.TryRead(sender.PublicKeys, out DevicePublicKeys? keys)
                && FileKeyWrap.TryUnwrap(mine.Wrap, _identity, file.Id, head, _userId, keys!.SigningPublicKey.Span, out byte[] key))
                return key;
        }
        throw new InvalidOperationException($"the key of file {file.Id} is not signed by any device of its owner {file.Owner}: it cannot be trusted");
    }

    /// <summary>A new upload of <paramref name="file"/>: a file id, key and nonce prefix, the encryption (head last, so
    /// the file is read once), the tus upload created for its length, and the record that lets it resume.</summary>
    private async Task<(PendingUpload Upload, FileEncryptionStream Encrypted)> BeginAsync(FileStream file, string path, string name,
        string? mediaType, DateTime written, string[] recipients, PendingUploadStore pending, CancellationToken cancellationToken)
    {
        string fileId = FileId.New();
        byte[] fileKey = FileEncryptor.NewFileKey();
        ulong noncePrefix = FileHeader.NewNoncePrefix();
        FileEncryptionStream encrypted = Encrypt(file, fileKey, fileId, noncePrefix, FileHeader.DefaultChunkSize, name, mediaType, null);
        try
        {
            Uri upload = await new TusUploader(_transfers, _token, _time).CreateAsync(fileId, encrypted.Length, encrypted.HeadLength, cancellationToken).ConfigureAwait(false);
            var record = new PendingUpload(path, file.Length, written, 0, Convert.ToHexStringLower(SHA256.HashData([])), fileId, upload,
                fileKey, noncePrefix, FileHeader.DefaultChunkSize, encrypted.Length, recipients);
            pending.Save(record);
            return (record, encrypted);
        }
        catch
        {
            encrypted.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The interrupted send of this same file, ready to go on: the same size, write time and upload length, the upload
    /// still on the server, and the bytes it had encrypted still hashing as it recorded. Null otherwise, or when there
    /// is none: then the stale record is forgotten, its key wiped, and its upload deleted (its quota given back).
    /// </summary>
    private async Task<(PendingUpload, FileEncryptionStream)?> ResumeAsync(FileStream file, string path, string name, string? mediaType,
        DateTime written, PendingUploadStore pending, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        PendingUpload? record = pending.Find(path);
        if (record is null) return null;
        if (record.IsWellFormed() && record.Size == file.Length && record.LastWriteUtc == written
            && await IsResumableAsync(record, cancellationToken).ConfigureAwait(false))
        {
            // The header the upload began with (its size included), so that a file that changed size fails to read.
            FileEncryptionStream encrypted = Encrypt(file, record.FileKey, record.FileId, record.NoncePrefix, record.ChunkSize, name, mediaType, record.Size);
            bool same = false;
            try
            {
                same = encrypted.Length == record.EncryptedLength
                    && await encrypted.VerifyPrefixAsync(record.HashedThrough, Convert.FromHexString(record.PrefixSha256),
                        Report(progress, TransferPhase.Hashing, record.HashedThrough), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (!same) encrypted.Dispose();
            }
            if (same) return (record, encrypted);
        }
        pending.Delete(path);
        if (record.FileKey is not null) CryptographicOperations.ZeroMemory(record.FileKey);
        if (record.Upload is not null) await TryDeleteUploadAsync(record.Upload, cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>Deletes an abandoned upload, if the server still has it; a failure leaves it to expire.</summary>
    private async Task TryDeleteUploadAsync(Uri upload, CancellationToken cancellationToken)
    {
        try
        {
            await new TusUploader(_transfers, _token, _time).DeleteAsync(upload, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ConclaveApiException or ConclaveConnectionException)
        {
            // Gone already (404), or the server is unreachable: the upload expires on its own (Conclave:Files:UploadExpiry).
        }
    }

    /// <summary>The file's encryption, head last, from its first byte; <paramref name="size"/> as in
    /// <see cref="FileEncryptionStream.HeadLast"/>.</summary>
    private static FileEncryptionStream Encrypt(FileStream file, byte[] fileKey, string fileId, ulong noncePrefix, int chunkSize, string name,
        string? mediaType, long? size)
    {
        file.Position = 0;
        return FileEncryptionStream.HeadLast(file, fileKey, fileId, name, mediaType, noncePrefix, chunkSize, leaveOpen: true, size);
    }

    /// <summary>Whether the server still holds the interrupted upload (it may have expired).</summary>
    private async Task<bool> IsResumableAsync(PendingUpload pending, CancellationToken cancellationToken)
    {
        try
        {
            await new TusUploader(_transfers, _token, _time).GetOffsetAsync(pending.Upload, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConclaveApiException e) when (e.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Forbidden)
        {
            return false;
        }
    }

    /// <summary>Every registered device of <paramref name="users"/>; a user without one (unknown, or who never signed
    /// in) is an error, or skipped and named when <paramref name="skip"/>. This user is never skipped.</summary>
    private async Task<(List<(string UserId, DevicePublicKeys Keys, string Device)> Devices, List<string> Skipped)> DevicesOfAsync(
        string[] users, bool skip, CancellationToken cancellationToken)
    {
        var devices = new List<(string, DevicePublicKeys, string)>();
        var skipped = new List<string>();
        foreach (string user in users)
        {
            UserDevicesDto? registered;
            try
            {
                registered = await _api.GetUserDevicesAsync(user, cancellationToken).ConfigureAwait(false);
            }
            catch (ConclaveApiException e) when (skip && user != _userId && e.Code == ApiErrorCodes.UserNotFound)
            {
                registered = null;
            }
            int before = devices.Count;
            foreach (DeviceDto device in registered?.Devices ?? [])
                if (DevicePublicKeys.TryRead(device.PublicKeys, out DevicePublicKeys? keys)) devices.Add((user, keys!, DeviceDigest(device.PublicKeys)));
            if (devices.Count > before) continue;
            string name = registered?.DisplayName is { Length: > 0 } displayName ? displayName : user;
            if (!skip || user == _userId)
                throw new InvalidOperationException($"{name} has no registered device yet: they must sign in once (conclave login, or the web page) before a file can be sent to them");
            skipped.Add(name);
        }
        return (devices, skipped);
    }

    /// <summary>How a wrap names its device: base64 SHA-256 of the device's registered public keys.</summary>
    public static string DeviceDigest(byte[] publicKeys) => Convert.ToBase64String(SHA256.HashData(publicKeys));

    private static Progress? Report(IProgress<TransferProgress>? progress, TransferPhase phase, long total) =>
        progress is null ? null : new Progress(done => progress.Report(new TransferProgress(phase, done, total)));

    /// <summary>Forwards byte counts synchronously (<see cref="Progress{T}"/> would post them to a context).</summary>
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    /// <summary>A view of a stream whose disposal leaves it open (each PATCH disposes its body stream).</summary>
    private sealed class NonDisposingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
