using Conclave.E2ee.Calls;
using Conclave.E2ee.SFrame;

namespace Conclave.Client.Calls;

/// <summary>
/// The SFrame keys of this device's media in a call (docs/e2ee.md): the <see cref="ICallKeySink"/> that
/// <see cref="CallKeys"/> (through <see cref="EncryptedCall"/>) fills, holding one <see cref="SFrameSender"/> for what
/// this device sends and one <see cref="SFrameReceiver"/> for every other participant (keys are found by the KID, whose
/// upper bits name the sender). Encrypting and decrypting never throw and allocate nothing; keys change from the key
/// protocol's thread.
/// </summary>
public sealed class CallMediaKeys : ICallKeySink, IDisposable
{
    private readonly Lock _gate = new();
    private readonly SFrameReceiver _receiver;                       // Owned
    private SFrameSender _sender;                                     // Owned; replaced when a key must restart its KID
    private long _sendKeys, _receiveKeys;

    /// <summary>Keys for <paramref name="cipherSuite"/> (the call page's default unless told).</summary>
    public CallMediaKeys(SFrameCipherSuite cipherSuite = SFrameCipherSuiteExtensions.Default)
    {
        _sender = new SFrameSender(cipherSuite);
        _receiver = new SFrameReceiver(cipherSuite);
    }

    /// <summary>Whether this device has a key to send with (until then every frame is dropped, never sent in clear).</summary>
    public bool CanSend => Volatile.Read(ref _sender).HasKey;

    /// <summary>The KID frames are sent under now; default before the first key.</summary>
    public SFrameKeyId SendKeyId => Volatile.Read(ref _sender).KeyId;

    /// <summary>Send keys and receive keys installed so far.</summary>
    public (long Send, long Receive) KeysInstalled => (Interlocked.Read(ref _sendKeys), Interlocked.Read(ref _receiveKeys));

    /// <summary>The most bytes a frame grows by when encrypted.</summary>
    public int MaxOverhead => Volatile.Read(ref _sender).MaxOverhead;

    /// <inheritdoc />
    public void SetSendKey(ulong kid, ReadOnlySpan<byte> baseKey)
    {
        lock (_gate)
        {
            var keyId = new SFrameKeyId(kid);
            if (_sender.HasKey && _sender.KeyId == keyId)
            {
                // docs/e2ee.md: a new leader's `use` may name an epoch number already sent with, under another secret.
                // SFrameSender refuses a KID twice (RFC 9605 §7.4, one counter per key); a fresh sender starts the
                // counter again under the new base key, so no (key, nonce) pair repeats.
                var fresh = new SFrameSender(_sender.CipherSuite);
                fresh.SetKey(keyId, baseKey);
                SFrameSender old = Interlocked.Exchange(ref _sender, fresh);
                old.Dispose();
            }
            else
            {
                _sender.SetKey(keyId, baseKey);
            }
            Interlocked.Increment(ref _sendKeys);
        }
    }

    /// <inheritdoc />
    public void AddReceiveKey(ulong kid, ReadOnlySpan<byte> baseKey)
    {
        _receiver.AddKey(new SFrameKeyId(kid), baseKey);
        Interlocked.Increment(ref _receiveKeys);
    }

    /// <summary>Encrypts one whole frame (an Opus frame) with the current send key: <see cref="SFrameStatus.NoKey"/>
    /// before there is one.</summary>
    public SFrameStatus Encrypt(ReadOnlySpan<byte> frame, Span<byte> destination, out int written) =>
        Encrypt(frame, [], destination, out written);

    /// <summary>Encrypts a frame whose <paramref name="metadata"/> stays in clear beside it and is authenticated
    /// (RFC 9605 §9.4; a VP8 frame's uncompressed data chunk, docs/e2ee.md). Safe from several threads.</summary>
    public SFrameStatus Encrypt(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> metadata, Span<byte> destination, out int written) =>
        Volatile.Read(ref _sender).Encrypt(frame, metadata, destination, out written);

    /// <summary>Decrypts one whole frame with the key its KID names.</summary>
    public SFrameStatus Decrypt(ReadOnlySpan<byte> ciphertext, Span<byte> destination, out int written, out SFrameHeader header) =>
        Decrypt(ciphertext, [], destination, out written, out header);

    /// <summary>Decrypts a frame sent with <paramref name="metadata"/> in clear beside it.</summary>
    public SFrameStatus Decrypt(ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> metadata, Span<byte> destination, out int written, out SFrameHeader header) =>
        _receiver.Decrypt(ciphertext, metadata, destination, out written, out header);

    /// <summary>Wipes every key. Idempotent.</summary>
    public void Dispose()
    {
        lock (_gate) _sender.Dispose();
        _receiver.Dispose();
    }
}
