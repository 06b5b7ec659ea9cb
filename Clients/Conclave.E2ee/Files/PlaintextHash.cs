using System.Security.Cryptography;

namespace Conclave.E2ee.Files;

/// <summary>
/// The SHA-256 of a file's plaintext, computed while it is encrypted (<see cref="FileEncryptionStream.HeadLast"/>):
/// bytes are appended strictly in order, and a gap (a resume that starts further on) is read from the plaintext first.
/// </summary>
internal sealed class PlaintextHash : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>How many bytes from the start are hashed.</summary>
    public long Through { get; private set; }

    /// <summary>Hashes the next <paramref name="bytes"/>.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        _hash.AppendData(bytes);
        Through += bytes.Length;
    }

    /// <summary>The SHA-256 of the bytes hashed so far.</summary>
    public byte[] Current() => _hash.GetCurrentHash();

    /// <summary>Reads and hashes the plaintext from <see cref="Through"/> to <paramref name="end"/>, through
    /// <paramref name="buffer"/>; <paramref name="origin"/> is the plaintext's position of byte 0. Leaves the plaintext
    /// at <paramref name="end"/>.</summary>
    /// <exception cref="IOException">The plaintext ends before <paramref name="end"/>.</exception>
    public async ValueTask HashThroughAsync(Stream plaintext, long origin, long end, byte[] buffer, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        plaintext.Position = origin + Through;
        while (Through < end)
        {
            int want = (int)Math.Min(buffer.Length, end - Through);
            int read = await plaintext.ReadAtLeastAsync(buffer.AsMemory(0, want), want, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read < want) throw EndedEarly(Through + read);
            Append(buffer.AsSpan(0, read));
            progress?.Report(Through);
        }
    }

    /// <summary>The synchronous <see cref="HashThroughAsync"/>, without progress.</summary>
    public void HashThrough(Stream plaintext, long origin, long end, byte[] buffer)
    {
        plaintext.Position = origin + Through;
        while (Through < end)
        {
            int want = (int)Math.Min(buffer.Length, end - Through);
            int read = plaintext.ReadAtLeast(buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
            if (read < want) throw EndedEarly(Through + read);
            Append(buffer.AsSpan(0, read));
        }
    }

    public void Dispose() => _hash.Dispose();

    private static IOException EndedEarly(long at) => new($"The plaintext ended after {at} bytes, before the size it had when encryption began. Did the file change?");
}
