using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Conclave.E2ee.Hpke;

/*  RFC 9180 §5.2, §5.3
      def Context<ROLE>.ComputeNonce(seq):
        seq_bytes = I2OSP(seq, Nn)
        return xor(self.base_nonce, seq_bytes)

      def Context<ROLE>.IncrementSeq():
        if self.seq >= (1 << (8*Nn)) - 1:
          raise MessageLimitReachedError
        self.seq += 1

      def Context.Export(exporter_context, L):
        return LabeledExpand(self.exporter_secret, "sec", exporter_context, L)
    Here seq is 64 bits ("Implementations MAY use a sequence number that is shorter than the nonce length"), so it
    only reaches the last 8 of the 12 nonce bytes and the limit is 2^64 - 1.                                   */
/// <summary>
/// What an HPKE encryption context holds after the key schedule (RFC 9180 §5.1): the keyed AEAD, base_nonce, the
/// sequence number and exporter_secret, plus the secret export interface (§5.3). Not thread-safe: its owner
/// serialises calls. Dispose wipes the secrets; no member prints them.
/// </summary>
public abstract class HpkeContext : IDisposable
{
    private readonly byte[] _baseNonce;
    private readonly byte[] _exporterSecret;
    private readonly HpkeAead _aead;                                 // Owned
    private bool _disposed;

    private protected HpkeContext(HpkeSuite suite, ReadOnlySpan<byte> key, ReadOnlySpan<byte> baseNonce, ReadOnlySpan<byte> exporterSecret)
    {
        Suite = suite;
        _aead = new HpkeAead(suite.Aead, key);
        _baseNonce = baseNonce.ToArray();
        _exporterSecret = exporterSecret.ToArray();
    }

    /// <summary>The suite the context was set up with.</summary>
    public HpkeSuite Suite { get; }

    /// <summary>
    /// The sequence number of the next Seal or Open (RFC 9180 §5.2): 0 after setup, +1 per successful operation.
    /// Sender and recipient must process messages in the same order.
    /// </summary>
    public ulong SequenceNumber { get; internal set; }

    /// <summary>
    /// Context.Export (RFC 9180 §5.3): fills <paramref name="destination"/> (L = its length) with a secret derived
    /// from exporter_secret and <paramref name="exporterContext"/>. Sender and recipient get the same value.
    /// </summary>
    /// <returns><see cref="HpkeStatus.InvalidExportLength"/> when L is 0 or above 255 * Nh (HKDF) or 65535
    /// (one-stage KDF); otherwise <see cref="HpkeStatus.Ok"/>.</returns>
    public HpkeStatus Export(ReadOnlySpan<byte> exporterContext, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (destination.IsEmpty || destination.Length > Suite.Kdf.MaxExportLength()) return HpkeStatus.InvalidExportLength;
        Span<byte> suiteId = stackalloc byte[HpkeSuite.SuiteIdLength];
        Suite.WriteSuiteId(suiteId);
        if (Suite.Kdf.IsOneStage())
            HpkeLabeledKdf.LabeledDerive(suiteId, _exporterSecret, "sec"u8, exporterContext, destination);   // draft-ietf-hpke-hpke §5.3
        else
            HpkeLabeledKdf.LabeledExpand(suiteId, _exporterSecret, "sec"u8, exporterContext, destination);
        return HpkeStatus.Ok;
    }

    /// <summary>The AEAD, for the role's Seal or Open.</summary>
    private protected HpkeAead Aead
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _aead;
        }
    }

    /// <summary>
    /// RFC 9180 §5.2: whether the current sequence number may be used. The last value (2^64 - 1) never is, since
    /// IncrementSeq would then overflow; Seal and Open refuse before touching the AEAD.
    /// </summary>
    private protected bool CanUseSequenceNumber => SequenceNumber != ulong.MaxValue;

    /// <summary>ComputeNonce(seq) (RFC 9180 §5.2): base_nonce XOR I2OSP(seq, Nn).</summary>
    internal void ComputeNonce(ulong sequenceNumber, Span<byte> nonce)
    {
        const int High = HpkeAlgorithms.NonceLength - sizeof(ulong);
        _baseNonce.AsSpan(0, High).CopyTo(nonce);
        ulong low = BinaryPrimitives.ReadUInt64BigEndian(_baseNonce.AsSpan(High));
        BinaryPrimitives.WriteUInt64BigEndian(nonce[High..], low ^ sequenceNumber);
    }

    /// <summary>Whether <paramref name="source"/> and <paramref name="destination"/> overlap other than exactly.</summary>
    private protected static bool OverlapsInexactly(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination) =>
        source.Overlaps(destination, out int offset) && offset != 0;

    /// <summary>Wipes base_nonce and exporter_secret and releases the AEAD key. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        CryptographicOperations.ZeroMemory(_baseNonce);
        CryptographicOperations.ZeroMemory(_exporterSecret);
        _aead.Dispose();
        GC.SuppressFinalize(this);
    }
}
