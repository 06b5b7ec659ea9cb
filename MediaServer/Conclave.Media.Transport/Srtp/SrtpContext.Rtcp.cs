using System.Buffers.Binary;
using System.Buffers;
using System.Security.Cryptography;
using Conclave.Crypto;

namespace Conclave.Media.Transport.Srtp;

/*  SRTCP (RFC 3711 §3.4)                            AEAD SRTCP (RFC 7714 §9, §17)
    |V=2|P|  RC  |  PT  |      length     |         |V=2|P|  RC  |  PT  |      length     |
    |          SSRC of sender             |         |          SSRC of sender             |
    |   encrypted portion (if E = 1)      |         |   encrypted portion (if E = 1)      |
    |E|          SRTCP index              |         |   authentication tag (16 octets)    |
    |   authentication tag (80 bits)      |         |E|          SRTCP index              |
    The first 8 octets are never encrypted. HMAC covers header || portion || E+index; the AEAD AAD is
    header || E+index when E = 1, and the whole RTCP packet || E+index when E = 0.                      */
public sealed partial class SrtpContext
{
    private const int RtcpHeaderLength = 8;
    private const int SrtcpIndexLength = 4;
    private const uint EFlag = 0x8000_0000;

    // Allocated by this
    private readonly AesCounterMode? _rtcpCipher;                   // Owned (AES-CM)
    private readonly IncrementalHash? _rtcpHmac;                     // Owned (AES-CM)
    private readonly AesGcmCipher? _rtcpAead;                            // Owned (AEAD)
    private readonly byte[] _rtcpSalt;
    private readonly Dictionary<uint, SsrcState> _rtcpStates = new();

    /// <summary>Bytes that <see cref="ProtectRtcp"/> appends to an RTCP packet (E+SRTCP index and tag).</summary>
    public int RtcpOverhead { get; }

    /// <summary>
    /// Protects the (compound) RTCP packet in <paramref name="packet"/>[..<paramref name="length"/>] in place:
    /// encrypts everything after the first 8 octets (E = 1), appends the SRTCP index and tag, so
    /// <paramref name="packet"/> needs <see cref="RtcpOverhead"/> spare bytes. The SRTCP index counts per sender SSRC.
    /// </summary>
    public SrtpStatus ProtectRtcp(Span<byte> packet, int length, out int protectedLength)
    {
        protectedLength = 0;
        ObjectDisposedException.ThrowIf(_disposed, this);
        SrtpStatus status = CheckRtcpPlain(packet, length);
        if (status != SrtpStatus.Ok) return status;
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        bool known = _rtcpStates.TryGetValue(ssrc, out SsrcState? state);
        long index = known ? state!.NextSrtcpIndex : 0;              // RFC 3711 §3.4: the first SRTCP index is 0
        if (!known && _rtcpStates.Count >= _maxSsrcs) return SrtpStatus.TooManySsrcs;
        // RFC 3711 §9.2: no more than 2^31 SRTCP packets under one master key.
        if (index > SrtpIndex.MaxSrtcpIndex) return SrtpStatus.KeyExhausted;

        ProtectRtcpCore(packet, length, ssrc, (uint)index, encrypt: true);
        if (!known)
        {
            state = new SsrcState(index);
            _rtcpStates.Add(ssrc, state);
        }
        state!.NextSrtcpIndex = index + 1;
        protectedLength = length + RtcpOverhead;
        return SrtpStatus.Ok;
    }

    /// <summary>Protects with a given SRTCP index and E flag, leaving the state alone (RFC vectors).</summary>
    internal SrtpStatus ProtectRtcpWithIndex(Span<byte> packet, int length, uint index, bool encrypt, out int protectedLength)
    {
        protectedLength = 0;
        SrtpStatus status = CheckRtcpPlain(packet, length);
        if (status != SrtpStatus.Ok) return status;
        if (index > SrtpIndex.MaxSrtcpIndex) return SrtpStatus.KeyExhausted;
        ProtectRtcpCore(packet, length, BinaryPrimitives.ReadUInt32BigEndian(packet[4..]), index, encrypt);
        protectedLength = length + RtcpOverhead;
        return SrtpStatus.Ok;
    }

    /// <summary>
    /// Verifies and decrypts the SRTCP packet that fills <paramref name="packet"/> in place (RFC 3711 §3.4,
    /// RFC 7714 §9). On <see cref="SrtpStatus.Ok"/> the RTCP packet is <paramref name="packet"/>[..<paramref name="plainLength"/>].
    /// Accepts E = 0 (authenticated, not encrypted). Any other status leaves the context unchanged.
    /// </summary>
    public SrtpStatus UnprotectRtcp(Span<byte> packet, out int plainLength)
    {
        plainLength = 0;
        ObjectDisposedException.ThrowIf(_disposed, this);
        int tagLength = Profile.TagLength();
        if (packet.Length < RtcpHeaderLength + RtcpOverhead) return SrtpStatus.TooShort;
        if (packet[0] >> 6 != 2) return SrtpStatus.BadVersion;                       // RFC 3550 §6.4.1: V = 2

        int indexOffset = _rtcpAead is not null ? packet.Length - SrtcpIndexLength : packet.Length - tagLength - SrtcpIndexLength;
        uint word = BinaryPrimitives.ReadUInt32BigEndian(packet[indexOffset..]);
        bool encrypted = (word & EFlag) != 0;
        long index = word & ~EFlag;
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        bool known = _rtcpStates.TryGetValue(ssrc, out SsrcState? state);
        if (known)
        {
            // RFC 3711 §3.4 / §3.3.2: SRTCP has its own replay list, checked before authentication.
            SrtpStatus status = state!.Window.Check(index);
            if (status != SrtpStatus.Ok) return status;
        }
        else if (_rtcpStates.Count >= _maxSsrcs)
        {
            return SrtpStatus.TooManySsrcs;
        }

        int plainEnd = packet.Length - RtcpOverhead;
        if (_rtcpAead is not null)
        {
            Span<byte> nonce = stackalloc byte[12];
            WriteRtcpNonce(nonce, ssrc, (uint)index);
            ReadOnlySpan<byte> tag = packet.Slice(plainEnd, tagLength);
            if (encrypted)
            {
                // RFC 7714 §9.2: AAD = the first 8 octets || E+SRTCP index.
                Span<byte> aad = stackalloc byte[RtcpHeaderLength + SrtcpIndexLength];
                packet[..RtcpHeaderLength].CopyTo(aad);
                BinaryPrimitives.WriteUInt32BigEndian(aad[RtcpHeaderLength..], word);
                if (!_rtcpAead.TryDecrypt(nonce, packet[RtcpHeaderLength..plainEnd], tag, packet[RtcpHeaderLength..plainEnd], aad)) return SrtpStatus.AuthenticationFailed;
            }
            else if (!TryAeadVerifyUnencrypted(nonce, packet[..plainEnd], word, tag))
            {
                return SrtpStatus.AuthenticationFailed;
            }
        }
        else
        {
            // RFC 3711 §3.4, §4.2: verify HMAC(header || portion || E+index) before decrypting.
            Span<byte> expected = stackalloc byte[HmacSha1Length];
            _rtcpHmac!.AppendData(packet[..(indexOffset + SrtcpIndexLength)]);
            _rtcpHmac.GetHashAndReset(expected);
            if (!CryptographicOperations.FixedTimeEquals(expected[..tagLength], packet[(indexOffset + SrtcpIndexLength)..])) return SrtpStatus.AuthenticationFailed;
            if (encrypted)
            {
                Span<byte> iv = stackalloc byte[16];
                WriteAesCmIv(iv, _rtcpSalt, ssrc, index);
                _rtcpCipher!.Apply(iv, packet[RtcpHeaderLength..plainEnd]);
            }
        }

        // RFC 3711 §3.3 step 6 (and §3.4): update the SRTCP replay list only after authentication.
        if (known) state!.Window.Commit(index);
        else _rtcpStates.Add(ssrc, new SsrcState(index));
        plainLength = plainEnd;
        return SrtpStatus.Ok;
    }

    private SrtpStatus CheckRtcpPlain(Span<byte> packet, int length)
    {
        if ((uint)length > (uint)packet.Length) return SrtpStatus.BufferTooSmall;
        if (length < RtcpHeaderLength) return SrtpStatus.TooShort;                    // RFC 3550 §6.4.1: header + SSRC
        if (packet[0] >> 6 != 2) return SrtpStatus.BadVersion;
        if (packet.Length - length < RtcpOverhead) return SrtpStatus.BufferTooSmall;
        return SrtpStatus.Ok;
    }

    private void ProtectRtcpCore(Span<byte> packet, int length, uint ssrc, uint index, bool encrypt)
    {
        uint word = encrypt ? index | EFlag : index;
        Span<byte> portion = packet[RtcpHeaderLength..length];
        if (_rtcpAead is not null)
        {
            Span<byte> nonce = stackalloc byte[12];
            WriteRtcpNonce(nonce, ssrc, index);
            Span<byte> tag = packet.Slice(length, Profile.TagLength());
            if (encrypt)
            {
                // RFC 7714 §9.2: AAD = first 8 octets || E+SRTCP index.
                Span<byte> aad = stackalloc byte[RtcpHeaderLength + SrtcpIndexLength];
                packet[..RtcpHeaderLength].CopyTo(aad);
                BinaryPrimitives.WriteUInt32BigEndian(aad[RtcpHeaderLength..], word);
                _rtcpAead.Encrypt(nonce, portion, portion, tag, aad);
            }
            else
            {
                // RFC 7714 §9.3: E = 0: AAD = the whole RTCP packet || E+SRTCP index, empty plaintext.
                AeadTagUnencrypted(nonce, packet[..length], word, tag);
            }
            BinaryPrimitives.WriteUInt32BigEndian(packet[(length + Profile.TagLength())..], word);
        }
        else
        {
            if (encrypt)
            {
                Span<byte> iv = stackalloc byte[16];
                WriteAesCmIv(iv, _rtcpSalt, ssrc, index);
                _rtcpCipher!.Apply(iv, portion);
            }
            BinaryPrimitives.WriteUInt32BigEndian(packet[length..], word);
            Span<byte> mac = stackalloc byte[HmacSha1Length];
            _rtcpHmac!.AppendData(packet[..(length + SrtcpIndexLength)]);
            _rtcpHmac.GetHashAndReset(mac);
            mac[..Profile.TagLength()].CopyTo(packet[(length + SrtcpIndexLength)..]);
        }
    }

    /// <summary>RFC 7714 §9.3 (E = 0): tag over AAD = RTCP packet || E+SRTCP index, built contiguous in scratch.</summary>
    private void AeadTagUnencrypted(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> rtcp, uint word, Span<byte> tag) =>
        AeadUnencrypted(nonce, rtcp, word, expectedTag: default, computedTag: tag);

    /// <summary>RFC 7714 §9.3 (E = 0): verifies the tag over RTCP packet || E+SRTCP index.</summary>
    private bool TryAeadVerifyUnencrypted(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> rtcp, uint word, ReadOnlySpan<byte> tag) =>
        AeadUnencrypted(nonce, rtcp, word, expectedTag: tag, computedTag: default);

    /// <summary>
    /// The one place that builds the E = 0 AAD (RTCP packet || E+SRTCP index): computes the tag into
    /// <paramref name="computedTag"/> when it is given, else checks <paramref name="expectedTag"/>.
    /// </summary>
    private bool AeadUnencrypted(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> rtcp, uint word, ReadOnlySpan<byte> expectedTag, Span<byte> computedTag)
    {
        int n = rtcp.Length + SrtcpIndexLength;
        byte[]? rented = null;
        Span<byte> aad = n <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(n));
        aad = aad[..n];
        rtcp.CopyTo(aad);
        BinaryPrimitives.WriteUInt32BigEndian(aad[rtcp.Length..], word);
        try
        {
            if (computedTag.IsEmpty) return _rtcpAead!.TryDecrypt(nonce, ReadOnlySpan<byte>.Empty, expectedTag, Span<byte>.Empty, aad);
            _rtcpAead!.Encrypt(nonce, ReadOnlySpan<byte>.Empty, Span<byte>.Empty, computedTag, aad);
            return true;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /*  RFC 7714 §9.1
          |00|00|    SSRC     |00|00|0+SRTCP index|   XOR   12-octet session salt           */
    private void WriteRtcpNonce(Span<byte> nonce, uint ssrc, uint index)
    {
        nonce.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(nonce[2..], ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[8..], index & ~EFlag);
        AesCounterMode.Xor(nonce, _rtcpSalt);
    }
}
