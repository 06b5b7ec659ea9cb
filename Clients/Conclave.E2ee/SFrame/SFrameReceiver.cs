namespace Conclave.E2ee.SFrame;

/// <summary>
/// The decrypting side of SFrame (RFC 9605 §4.4.1, §4.4.4): a key store of decryption-only keys, looked up by the
/// KID in each frame's header. Keys are grouped by sender (<see cref="SFrameKeyId.SenderIndex"/>); each sender keeps
/// its newest key plus at most <see cref="RetainedEpochs"/> older ones, for frames still in flight across a key
/// change (§5.1: "The old key may be kept for some time ... but should be deleted promptly"). Adding one more evicts
/// and wipes that sender's oldest key.
/// <para>
/// <see cref="Decrypt(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, out int, out SFrameHeader)"/> never throws
/// on hostile input and allocates nothing; it returns an <see cref="SFrameStatus"/>. Replay detection is out of
/// SFrame's scope (§7.4): the authenticated header is returned so the caller can apply its own. Calls are serialised
/// by a lock, so keys may be added from another thread.
/// </para>
/// </summary>
public sealed class SFrameReceiver : IDisposable
{
    /// <summary>Older epochs kept per sender by default, besides the newest.</summary>
    public const int DefaultRetainedEpochs = 2;

    /// <summary>
    /// The most older epochs a sender may keep: 254, so a sender's window (at most 255 keys) never spans all 256
    /// values of the 8-bit epoch and a wrapped epoch never meets a key still held (<see cref="SFrameKeyId"/>).
    /// </summary>
    public const int MaxRetainedEpochs = 254;

    private const int MaxHeaderLength = SFrameHeader.MaxLength;
    private const int MaxTagLength = 16;

    private readonly Lock _gate = new();
    // Allocated by this: per sender index, its keys from oldest to newest.
    private readonly Dictionary<ulong, List<SFrameKey>> _senders = new();        // Owned (the keys)
    private readonly int _tagLength;

    /// <summary>Creates a receiver for <paramref name="cipherSuite"/> that keeps <paramref name="retainedEpochs"/> older keys per sender.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An unknown suite, or <paramref name="retainedEpochs"/> outside 0..<see cref="MaxRetainedEpochs"/>.</exception>
    public SFrameReceiver(SFrameCipherSuite cipherSuite = SFrameCipherSuiteExtensions.Default, int retainedEpochs = DefaultRetainedEpochs)
    {
        SFrameCipherSuiteExtensions.ThrowIfUnsupported(cipherSuite);
        ArgumentOutOfRangeException.ThrowIfNegative(retainedEpochs);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(retainedEpochs, MaxRetainedEpochs);
        CipherSuite = cipherSuite;
        RetainedEpochs = retainedEpochs;
        _tagLength = cipherSuite.TagLength();
    }

    /// <summary>The suite every frame is decrypted with (RFC 9605 §4.5).</summary>
    public SFrameCipherSuite CipherSuite { get; }

    /// <summary>How many keys older than its newest each sender keeps.</summary>
    public int RetainedEpochs { get; }

    /// <summary>Keys held, over all senders.</summary>
    public int KeyCount
    {
        get
        {
            lock (_gate)
            {
                int count = 0;
                foreach (List<SFrameKey> keys in _senders.Values) count += keys.Count;
                return count;
            }
        }
    }

    /// <summary>Whether a key for <paramref name="keyId"/> is held.</summary>
    public bool ContainsKey(SFrameKeyId keyId)
    {
        lock (_gate) return Find(keyId) is not null;
    }

    /// <summary>
    /// Derives the key for <paramref name="keyId"/> (RFC 9605 §4.4.2) and makes it its sender's newest. A key
    /// already held for the same KID is replaced (§5.2: an old epoch is removed when a new one with the same
    /// low-order bits arrives). Beyond <see cref="RetainedEpochs"/> older keys, the sender's oldest is evicted.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="baseKey"/> is empty.</exception>
    public void AddKey(SFrameKeyId keyId, ReadOnlySpan<byte> baseKey)
    {
        SFrameKey key = SFrameKey.Derive(CipherSuite, keyId, baseKey);
        SFrameKey? replaced = null, evicted = null;
        lock (_gate)
        {
            if (!_senders.TryGetValue(keyId.SenderIndex, out List<SFrameKey>? keys))
                _senders.Add(keyId.SenderIndex, keys = new List<SFrameKey>(RetainedEpochs + 1));
            int existing = IndexOf(keys, keyId);
            if (existing >= 0)
            {
                replaced = keys[existing];
                keys.RemoveAt(existing);
            }
            keys.Add(key);
            if (keys.Count > RetainedEpochs + 1)
            {
                evicted = keys[0];
                keys.RemoveAt(0);
            }
        }
        replaced?.Dispose();
        evicted?.Dispose();
    }

    /// <summary>Removes and wipes the key for <paramref name="keyId"/>; false if none was held.</summary>
    public bool RemoveKey(SFrameKeyId keyId)
    {
        SFrameKey? removed = null;
        lock (_gate)
        {
            if (_senders.TryGetValue(keyId.SenderIndex, out List<SFrameKey>? keys))
            {
                int index = IndexOf(keys, keyId);
                if (index >= 0)
                {
                    removed = keys[index];
                    keys.RemoveAt(index);
                    if (keys.Count == 0) _senders.Remove(keyId.SenderIndex);
                }
            }
        }
        removed?.Dispose();
        return removed is not null;
    }

    /// <summary>Removes and wipes every key of <paramref name="senderIndex"/> (the participant left); returns how many.</summary>
    public int RemoveSender(ulong senderIndex)
    {
        List<SFrameKey>? keys;
        lock (_gate)
        {
            if (!_senders.Remove(senderIndex, out keys)) return 0;
        }
        foreach (SFrameKey key in keys) key.Dispose();
        return keys.Count;
    }

    /// <summary>An upper bound of the plaintext length of a ciphertext of <paramref name="ciphertextLength"/> bytes (shortest header, Nt).</summary>
    public int GetMaxPlaintextLength(int ciphertextLength) => Math.Max(0, ciphertextLength - 1 - _tagLength);

    /// <inheritdoc cref="Decrypt(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, out int, out SFrameHeader)"/>
    public SFrameStatus Decrypt(ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> metadata, Span<byte> destination, out int written) =>
        Decrypt(ciphertext, metadata, destination, out written, out _);

    /// <summary>
    /// Decrypts one SFrame ciphertext (RFC 9605 §4.4.4): parses the header, selects the key by its KID, and checks
    /// the tag over <c>header || metadata</c> and the ciphertext before any plaintext is released. The destination
    /// may overlap the ciphertext (in place); the metadata must not overlap it. On any failure nothing is written
    /// to <paramref name="destination"/> but zeros. Never throws; allocates nothing.
    /// </summary>
    /// <param name="ciphertext">A whole SFrame ciphertext: header, ciphertext, tag.</param>
    /// <param name="metadata">The metadata the sender authenticated with it (§4.4.3); empty if none.</param>
    /// <param name="destination">Receives the plaintext: at least the ciphertext length minus header and Nt.</param>
    /// <param name="written">The plaintext length on <see cref="SFrameStatus.Ok"/>, else 0.</param>
    /// <param name="header">The header's KID and CTR whenever it parsed (also for <see cref="SFrameStatus.UnknownKey"/>); authenticated only on <see cref="SFrameStatus.Ok"/>.</param>
    public SFrameStatus Decrypt(ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> metadata, Span<byte> destination, out int written, out SFrameHeader header)
    {
        written = 0;
        if (SFrameHeader.TryRead(ciphertext, out header, out int headerLength) != SFrameHeaderStatus.Ok) return SFrameStatus.Malformed;
        int plaintextLength = ciphertext.Length - headerLength - _tagLength;
        if (plaintextLength < 0) return SFrameStatus.Malformed;     // shorter than header + Nt
        if (destination.Length < plaintextLength) return SFrameStatus.DestinationTooSmall;
        Span<byte> plaintext = destination[..plaintextLength];
        if (metadata.Overlaps(plaintext)) return SFrameStatus.OverlappingBuffers;

        lock (_gate)
        {
            // RFC 9605 §4.4.1: the key is selected by the KID in the header; with none, nothing is attempted.
            SFrameKey? key = Find(new SFrameKeyId(header.KeyId));
            if (key is null) return SFrameStatus.UnknownKey;

            // The AAD header and the tag are read out first: an in-place destination may overwrite them.
            Span<byte> headerCopy = stackalloc byte[MaxHeaderLength];
            Span<byte> tag = stackalloc byte[MaxTagLength];
            ciphertext[..headerLength].CopyTo(headerCopy);
            ciphertext.Slice(headerLength + plaintextLength, _tagLength).CopyTo(tag);
            SFrameBuffers.Move(ciphertext.Slice(headerLength, plaintextLength), plaintext);

            if (!key.Open(header.Counter, headerCopy[..headerLength], metadata, plaintext, tag[.._tagLength]))
            {
                // RFC 9605 §4.4.4: a frame that fails to decrypt MUST be discarded; release nothing of it.
                plaintext.Clear();
                return SFrameStatus.AuthenticationFailed;
            }
        }
        written = plaintextLength;
        return SFrameStatus.Ok;
    }

    /// <summary>Wipes every key; later frames get <see cref="SFrameStatus.UnknownKey"/>. Idempotent.</summary>
    public void Dispose()
    {
        List<List<SFrameKey>> all;
        lock (_gate)
        {
            all = new List<List<SFrameKey>>(_senders.Values);
            _senders.Clear();
        }
        foreach (List<SFrameKey> keys in all)
            foreach (SFrameKey key in keys) key.Dispose();
    }

    private SFrameKey? Find(SFrameKeyId keyId)
    {
        if (!_senders.TryGetValue(keyId.SenderIndex, out List<SFrameKey>? keys)) return null;
        int index = IndexOf(keys, keyId);
        return index >= 0 ? keys[index] : null;
    }

    private static int IndexOf(List<SFrameKey> keys, SFrameKeyId keyId)
    {
        for (int i = keys.Count - 1; i >= 0; i--)                   // newest first: the usual hit
            if (keys[i].KeyId == keyId) return i;
        return -1;
    }
}
