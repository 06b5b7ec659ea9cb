namespace Conclave.E2ee.SFrame;

/// <summary>
/// The encrypting side of SFrame (RFC 9605 §4.4.1, §4.4.3): one current key (KID) with its 64-bit counter, which
/// starts at 0 and is never reused. A key held here is for encryption only (§4.4.1: a base_key is usable for
/// encryption or decryption, never both); receivers hold theirs in an <see cref="SFrameReceiver"/>.
/// <para>
/// <see cref="Encrypt"/> writes <c>header || ciphertext || tag</c> into a caller buffer and allocates nothing.
/// Calls are serialised by a lock, so a key may be changed from another thread.
/// </para>
/// </summary>
public sealed class SFrameSender : IDisposable
{
    private readonly Lock _gate = new();
    private SFrameKey? _key;                                         // Owned
    private ulong _nextCounter;
    private bool _exhausted;

    /// <summary>Creates a sender for <paramref name="cipherSuite"/>; it has no key until <see cref="SetKey"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The suite is not one of RFC 9605's.</exception>
    public SFrameSender(SFrameCipherSuite cipherSuite = SFrameCipherSuiteExtensions.Default)
    {
        SFrameCipherSuiteExtensions.ThrowIfUnsupported(cipherSuite);
        CipherSuite = cipherSuite;
    }

    /// <summary>The suite every frame is encrypted with (RFC 9605 §4.5).</summary>
    public SFrameCipherSuite CipherSuite { get; }

    /// <summary>Whether a key is installed.</summary>
    public bool HasKey
    {
        get { lock (_gate) return _key is not null; }
    }

    /// <summary>The current key's KID; default when there is no key.</summary>
    public SFrameKeyId KeyId
    {
        get { lock (_gate) return _key?.KeyId ?? default; }
    }

    /// <summary>The CTR the next frame will carry (RFC 9605 §4.4.1: initially 0, incremented per frame).</summary>
    public ulong NextCounter
    {
        get { lock (_gate) return _nextCounter; }
    }

    /// <summary>True once every counter of the current key is used: <see cref="Encrypt"/> refuses until a new key.</summary>
    public bool IsExhausted
    {
        get { lock (_gate) return _exhausted; }
    }

    /// <summary>
    /// Derives the key for <paramref name="keyId"/> from <paramref name="baseKey"/> (RFC 9605 §4.4.2) and makes it
    /// the current one, with its counter at 0 (§4.4.1). The previous key is wiped.
    /// <para>
    /// The counter restarts with each key, so a (KID, base_key) pair must never be installed twice: installing the
    /// current KID again is refused, and the caller gives each new base_key a KID not used with it before (Conclave
    /// moves to the next epoch, <see cref="SFrameKeyId.NextEpoch"/>).
    /// </para>
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="keyId"/> is already the current KID.</exception>
    /// <exception cref="ArgumentException"><paramref name="baseKey"/> is empty.</exception>
    public void SetKey(SFrameKeyId keyId, ReadOnlySpan<byte> baseKey) => SetKey(keyId, baseKey, 0);

    /// <summary>As <see cref="SetKey(SFrameKeyId, ReadOnlySpan{byte})"/>, starting at <paramref name="firstCounter"/>: for the RFC vectors and exhaustion tests.</summary>
    internal void SetKey(SFrameKeyId keyId, ReadOnlySpan<byte> baseKey, ulong firstCounter)
    {
        SFrameKey key = SFrameKey.Derive(CipherSuite, keyId, baseKey);
        SFrameKey? old;
        lock (_gate)
        {
            if (_key is not null && _key.KeyId == keyId)
            {
                key.Dispose();
                // RFC 9605 §7.4: restarting this KID's counter could encrypt twice with one key and nonce.
                throw new InvalidOperationException($"KID {keyId} is already the current key; a new base_key needs a new KID");
            }
            old = _key;
            _key = key;
            _nextCounter = firstCounter;
            _exhausted = false;
        }
        old?.Dispose();
    }

    /// <summary>
    /// The ciphertext length of the next frame for <paramref name="plaintextLength"/> bytes: header (which grows
    /// with the CTR) + plaintext + Nt. Without a key, the upper bound <c>plaintextLength + MaxOverhead</c>.
    /// </summary>
    public int GetCiphertextLength(int plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        lock (_gate)
        {
            if (_key is null) return checked(plaintextLength + CipherSuite.MaxOverhead());
            return checked(SFrameHeader.GetLength(_key.KeyId.Value, _nextCounter) + plaintextLength + _key.TagLength);
        }
    }

    /// <summary>The most bytes a frame grows by: the longest header (17) plus Nt. Buffers of plaintext + this always fit.</summary>
    public int MaxOverhead => CipherSuite.MaxOverhead();

    /// <summary>
    /// Encrypts one frame (RFC 9605 §4.4.3) under the current key and the next counter: writes
    /// <c>header || AEAD.Encrypt(sframe_key, nonce, header || metadata, plaintext)</c> into
    /// <paramref name="destination"/>. The plaintext may lie anywhere in the destination (in place); the metadata
    /// must not overlap it. Never throws; allocates nothing.
    /// </summary>
    /// <param name="plaintext">The frame to protect.</param>
    /// <param name="metadata">Data that is authenticated but not carried (§4.4.3, §9.4); empty if none.</param>
    /// <param name="destination">Receives the SFrame ciphertext; at least <see cref="GetCiphertextLength"/> bytes.</param>
    /// <param name="written">The ciphertext length on <see cref="SFrameStatus.Ok"/>, else 0.</param>
    public SFrameStatus Encrypt(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> metadata, Span<byte> destination, out int written)
    {
        written = 0;
        lock (_gate)
        {
            if (_key is null) return SFrameStatus.NoKey;
            // RFC 9605 §7.4: "senders MUST reject requests to encrypt multiple times with the same key and nonce".
            if (_exhausted) return SFrameStatus.CounterExhausted;

            ulong counter = _nextCounter;
            var header = new SFrameHeader(_key.KeyId.Value, counter);
            int headerLength = header.GetWrittenLength(), tagLength = _key.TagLength;
            if ((long)headerLength + plaintext.Length + tagLength > destination.Length) return SFrameStatus.DestinationTooSmall;
            int total = headerLength + plaintext.Length + tagLength;
            if (metadata.Overlaps(destination[..total])) return SFrameStatus.OverlappingBuffers;

            Span<byte> body = destination.Slice(headerLength, plaintext.Length);
            SFrameBuffers.Move(plaintext, body);                                   // first, in case the header would overwrite it
            header.TryWrite(destination, out _);

            // RFC 9605 §4.4.1: the CTR moves on with every frame. It is committed before sealing, so no nonce is
            // ever handed to the AEAD twice; after 2^64-1 the key is spent rather than wrapped.
            if (counter == ulong.MaxValue) _exhausted = true;
            else _nextCounter = counter + 1;

            _key.Seal(counter, destination[..headerLength], metadata, body, destination.Slice(headerLength + plaintext.Length, tagLength));
            written = total;
            return SFrameStatus.Ok;
        }
    }

    /// <summary>Wipes the key; later frames get <see cref="SFrameStatus.NoKey"/>. Idempotent.</summary>
    public void Dispose()
    {
        SFrameKey? old;
        lock (_gate)
        {
            old = _key;
            _key = null;
        }
        old?.Dispose();
    }
}
