using System.Buffers.Binary;
using System.Security.Cryptography;
using Conclave.Crypto;

namespace Conclave.Media.Transport.Srtp;

/// <summary>
/// One direction of one DTLS-SRTP session (RFC 3711 §3.2 cryptographic context): the session keys of one
/// master key, and per-SSRC ROC, s_l and replay window for SRTP and SRTCP. A sender uses Protect*, a
/// receiver Unprotect*; the two never share a context.
/// <para>
/// Packets are transformed in place and nothing is allocated per packet, except the state of an SSRC seen
/// for the first time (after its first packet authenticates). State is committed only after the tag verifies
/// (RFC 3711 §3.3). A new SSRC is accepted when its first packet authenticates (RFC 3711 §3.3.1: ROC = 0,
/// s_l = SEQ), up to <c>maxSsrcs</c>. Not thread-safe: one receive or send loop per context.
/// </para>
/// <para>
/// On <see cref="SrtpStatus.AuthenticationFailed"/> with an AEAD profile the payload bytes of the buffer are
/// zeroed (the AES-GCM implementation clears its output); the packet must be dropped. AES-CM verifies
/// before decrypting and leaves the buffer as received.
/// </para>
/// </summary>
public sealed partial class SrtpContext : IDisposable
{
    /// <summary>Default limit on SSRCs tracked per direction (simulcast, RTX and FEC included).</summary>
    public const int DefaultMaxSsrcs = 256;

    private const int HmacSha1Length = 20;

    // Allocated by this
    private readonly AesCounterMode? _rtpCipher;                    // Owned (AES-CM)
    private readonly IncrementalHash? _rtpHmac;                      // Owned (AES-CM)
    private readonly AesGcmCipher? _rtpAead;                             // Owned (AEAD)
    private readonly byte[] _rtpSalt;
    private readonly Dictionary<uint, SsrcState> _rtpStates = new();
    private readonly int _maxSsrcs;
    private bool _disposed;

    /// <summary>The protection profile.</summary>
    public SrtpProfile Profile { get; }

    /// <summary>Bytes that <see cref="Protect"/> appends to an RTP packet (the tag; no MKI).</summary>
    public int RtpOverhead { get; }

    /// <summary>
    /// Derives the SRTP and SRTCP session keys (RFC 3711 §4.3, RFC 7714 §11) from the master key and salt
    /// that DTLS-SRTP exported for this direction (RFC 5764 §4.2). Throws on wrong lengths: a setup error.
    /// </summary>
    public SrtpContext(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, int maxSsrcs = DefaultMaxSsrcs)
        : this(profile, SrtpSessionKeys.Derive(profile, masterKey, masterSalt), maxSsrcs, clearKeys: true)
    {
    }

    /// <summary>Builds a context straight from session keys (RFC 7714 §16–17 vectors give session keys).</summary>
    internal SrtpContext(SrtpProfile profile, SrtpSessionKeys keys, int maxSsrcs = DefaultMaxSsrcs, bool clearKeys = false)
    {
        if (!profile.IsSupported()) throw new ArgumentOutOfRangeException(nameof(profile), profile, "unsupported SRTP profile");
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSsrcs, 1);
        Profile = profile;
        _maxSsrcs = maxSsrcs;
        RtpOverhead = profile.TagLength();
        RtcpOverhead = profile.TagLength() + SrtcpIndexLength;
        _rtpSalt = (byte[])keys.RtpSalt.Clone();
        _rtcpSalt = (byte[])keys.RtcpSalt.Clone();
        try
        {
            if (profile.IsAead())
            {
                _rtpAead = new AesGcmCipher(keys.RtpKey);
                _rtcpAead = new AesGcmCipher(keys.RtcpKey);
            }
            else
            {
                _rtpCipher = new AesCounterMode(keys.RtpKey);
                _rtpHmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keys.RtpAuthKey);
                _rtcpCipher = new AesCounterMode(keys.RtcpKey);
                _rtcpHmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keys.RtcpAuthKey);
            }
        }
        finally
        {
            if (clearKeys) keys.Clear();
        }
    }

    /// <summary>
    /// Protects the RTP packet in <paramref name="packet"/>[..<paramref name="length"/>] in place (RFC 3711 §3.3,
    /// RFC 7714 §8): encrypts the payload and appends the tag, so <paramref name="packet"/> needs
    /// <see cref="RtpOverhead"/> spare bytes after <paramref name="length"/>.
    /// </summary>
    public SrtpStatus Protect(Span<byte> packet, int length, out int protectedLength)
    {
        protectedLength = 0;
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)length > (uint)packet.Length) return SrtpStatus.BufferTooSmall;
        SrtpStatus status = SrtpRtpHeader.TryGetLength(packet[..length], out int headerLength);
        if (status != SrtpStatus.Ok) return status;
        if (packet.Length - length < RtpOverhead) return SrtpStatus.BufferTooSmall;

        ushort seq = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        long index = seq;                                            // RFC 3711 §3.3.1: a new SSRC starts with ROC = 0
        bool known = _rtpStates.TryGetValue(ssrc, out SsrcState? state);
        if (known)
        {
            // RFC 3711 §3.3.1: the sender keeps its ROC the same way a receiver estimates it.
            index = SrtpIndex.Estimate(state!.Window.Highest, seq);
            if (index < 0) return SrtpStatus.TooOld;
        }
        else if (_rtpStates.Count >= _maxSsrcs)
        {
            return SrtpStatus.TooManySsrcs;
        }
        // RFC 3711 §9.2: no more than 2^48 SRTP packets under one master key.
        if (index > SrtpIndex.MaxSrtpIndex) return SrtpStatus.KeyExhausted;

        uint roc = (uint)(index >> 16);
        Span<byte> payload = packet[headerLength..length];
        Span<byte> tag = packet.Slice(length, RtpOverhead);
        if (_rtpAead is not null)
        {
            Span<byte> nonce = stackalloc byte[12];
            WriteRtpNonce(nonce, ssrc, roc, seq);
            // RFC 7714 §8.2: AAD = the RTP header including CSRCs and extension; tag after the ciphertext.
            _rtpAead.Encrypt(nonce, payload, payload, tag, packet[..headerLength]);
        }
        else
        {
            Span<byte> iv = stackalloc byte[16];
            WriteAesCmIv(iv, _rtpSalt, ssrc, index);
            _rtpCipher!.Apply(iv, payload);
            // RFC 3711 §4.2: tag = HMAC(k_a, authenticated portion || ROC), truncated to 80 bits.
            ComputeHmacTag(_rtpHmac!, packet[..length], roc, tag);
        }

        if (known) state!.Window.Commit(index);
        else _rtpStates.Add(ssrc, new SsrcState(index));
        protectedLength = length + RtpOverhead;
        return SrtpStatus.Ok;
    }

    /// <summary>
    /// Verifies and decrypts the SRTP packet that fills <paramref name="packet"/> in place (RFC 3711 §3.3,
    /// RFC 7714 §8). On <see cref="SrtpStatus.Ok"/> the RTP packet is <paramref name="packet"/>[..<paramref name="plainLength"/>].
    /// Any other status leaves the context unchanged.
    /// </summary>
    public SrtpStatus Unprotect(Span<byte> packet, out int plainLength)
    {
        plainLength = 0;
        ObjectDisposedException.ThrowIf(_disposed, this);
        SrtpStatus status = SrtpRtpHeader.TryGetLength(packet, out int headerLength);
        if (status != SrtpStatus.Ok) return status;
        if (packet.Length - headerLength < RtpOverhead) return SrtpStatus.TooShort;

        ushort seq = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        long index = seq;                                            // RFC 3711 §3.3.1: first packet: ROC = 0, s_l = SEQ
        bool known = _rtpStates.TryGetValue(ssrc, out SsrcState? state);
        if (known)
        {
            // RFC 3711 §3.3.1, App. A: estimate the index from s_l and ROC, signed, across the 16-bit wrap.
            index = SrtpIndex.Estimate(state!.Window.Highest, seq);
            if (index < 0) return SrtpStatus.TooOld;
            if (index > SrtpIndex.MaxSrtpIndex) return SrtpStatus.KeyExhausted;
            // RFC 3711 §3.3 step 2 / §3.3.2: the replay check comes before authentication and changes nothing.
            status = state.Window.Check(index);
            if (status != SrtpStatus.Ok) return status;
        }
        else if (_rtpStates.Count >= _maxSsrcs)
        {
            return SrtpStatus.TooManySsrcs;
        }

        uint roc = (uint)(index >> 16);
        int payloadEnd = packet.Length - RtpOverhead;
        Span<byte> payload = packet[headerLength..payloadEnd];
        ReadOnlySpan<byte> tag = packet[payloadEnd..];
        if (_rtpAead is not null)
        {
            Span<byte> nonce = stackalloc byte[12];
            WriteRtpNonce(nonce, ssrc, roc, seq);
            // RFC 7714 §8.2: AAD = the RTP header; the packet is rejected if the tag does not verify.
            if (!_rtpAead.TryDecrypt(nonce, payload, tag, payload, packet[..headerLength])) return SrtpStatus.AuthenticationFailed;
        }
        else
        {
            // RFC 3711 §3.3 step 5: verify the tag before decrypting; on failure drop the packet.
            Span<byte> expected = stackalloc byte[HmacSha1Length];
            ComputeHmacTag(_rtpHmac!, packet[..payloadEnd], roc, expected);
            if (!CryptographicOperations.FixedTimeEquals(expected[..RtpOverhead], tag)) return SrtpStatus.AuthenticationFailed;
            Span<byte> iv = stackalloc byte[16];
            WriteAesCmIv(iv, _rtpSalt, ssrc, index);
            _rtpCipher!.Apply(iv, payload);
        }

        // RFC 3711 §3.3 step 6: update ROC, s_l and the replay list only after authentication.
        if (known) state!.Window.Commit(index);
        else _rtpStates.Add(ssrc, new SsrcState(index));
        plainLength = payloadEnd;
        return SrtpStatus.Ok;
    }

    /// <summary>The committed ROC and s_l of an SSRC (diagnostics and tests).</summary>
    public bool TryGetRtpState(uint ssrc, out uint roc, out ushort highestSequence)
    {
        if (_rtpStates.TryGetValue(ssrc, out SsrcState? state))
        {
            roc = state.Roc;
            highestSequence = state.HighestSequence;
            return true;
        }
        roc = 0;
        highestSequence = 0;
        return false;
    }

    /*  RFC 3711 §4.1.1
          IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16)
        bytes: salt in 0..13, SSRC XORed into 4..7, 48-bit index XORed into 8..13, block counter in 14..15 */
    internal static void WriteAesCmIv(Span<byte> iv, ReadOnlySpan<byte> salt, uint ssrc, long index)
    {
        iv.Clear();
        salt.CopyTo(iv);
        BinaryPrimitives.WriteUInt32BigEndian(iv[4..], BinaryPrimitives.ReadUInt32BigEndian(iv[4..]) ^ ssrc);
        ulong low = BinaryPrimitives.ReadUInt64BigEndian(iv[8..]) ^ ((ulong)index << 16);
        BinaryPrimitives.WriteUInt64BigEndian(iv[8..], low);
    }

    /*  RFC 7714 §8.1
          |00|00|    SSRC     |     ROC     | SEQ |   XOR   12-octet session salt         */
    private void WriteRtpNonce(Span<byte> nonce, uint ssrc, uint roc, ushort seq)
    {
        nonce[0] = 0;
        nonce[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(nonce[2..], ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[6..], roc);
        BinaryPrimitives.WriteUInt16BigEndian(nonce[10..], seq);
        AesCounterMode.Xor(nonce, _rtpSalt);
    }

    /// <summary>HMAC-SHA1 over <paramref name="authenticated"/> || ROC (RFC 3711 §4.2), truncated into <paramref name="tag"/>.</summary>
    private static void ComputeHmacTag(IncrementalHash hmac, ReadOnlySpan<byte> authenticated, uint trailer, Span<byte> tag)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, trailer);
        hmac.AppendData(authenticated);
        hmac.AppendData(word);
        Span<byte> mac = stackalloc byte[HmacSha1Length];
        hmac.GetHashAndReset(mac);
        mac[..tag.Length].CopyTo(tag);
    }

    /// <summary>Releases the ciphers and clears the session keys. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _rtpCipher?.Dispose();
        _rtpHmac?.Dispose();
        _rtpAead?.Dispose();
        _rtcpCipher?.Dispose();
        _rtcpHmac?.Dispose();
        _rtcpAead?.Dispose();
        CryptographicOperations.ZeroMemory(_rtpSalt);
        CryptographicOperations.ZeroMemory(_rtcpSalt);
    }
}
