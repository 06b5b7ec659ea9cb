using System.Security.Cryptography;
using Org.BouncyCastle.Security;

namespace Conclave.E2ee.Hpke;

/// <summary>
/// Hands BouncyCastle's ML-KEM encapsulator the 32-byte m of ML-KEM.Encaps_internal (FIPS 203 §6.2), which is
/// eseed[0:32] of X-Wing's EncapsulateDerand (draft-connolly-cfrg-xwing-kem-10 §5.4.1): BouncyCastle has no
/// derandomised encapsulation, but draws m with one NextBytes call. In production eseed itself comes from the OS
/// CSPRNG (Encapsulate = EncapsulateDerand(pk, random(64))), so m is as random as BouncyCastle's own draw.
/// </summary>
internal sealed class XWingEncapsulationRandom : SecureRandom, IDisposable
{
    private readonly byte[] _m;
    private int _used;

    public XWingEncapsulationRandom(ReadOnlySpan<byte> m)
    {
        _m = m.ToArray();
    }

    public override void NextBytes(byte[] buf) => NextBytes(buf.AsSpan());

    public override void NextBytes(byte[] buf, int off, int len) => NextBytes(buf.AsSpan(off, len));

    public override void NextBytes(Span<byte> buffer)
    {
        // More than m would mean BouncyCastle changed how it encapsulates: fail loudly rather than mix in other bytes.
        if (buffer.Length > _m.Length - _used)
            throw new InvalidOperationException("ML-KEM encapsulation asked for more than the 32 bytes of m.");
        _m.AsSpan(_used, buffer.Length).CopyTo(buffer);
        _used += buffer.Length;
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_m);
}
