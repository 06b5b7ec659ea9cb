namespace Conclave.Media.Transport.Srtp;

/// <summary>
/// The highest authenticated packet index and a sliding bitmap of the 128 indexes below it (RFC 3711 §3.3.2
/// asks for at least 64). For SRTP the index is the 48-bit ROC * 2^16 + SEQ, so <see cref="Highest"/> also
/// holds the ROC and s_l; for SRTCP it is the 31-bit SRTCP index. Bit k set = index Highest − k was received.
/// </summary>
internal struct ReplayWindow
{
    public const int Size = 128;

    private UInt128 _bits;

    /// <summary>Highest authenticated index (RFC 3711 §3.3.1: ROC * 2^16 + s_l).</summary>
    public long Highest { readonly get; private set; }

    /// <summary>Starts the window at the first authenticated index (RFC 3711 §3.3.1).</summary>
    public void Initialize(long index)
    {
        Highest = index;
        _bits = UInt128.One;
    }

    /// <summary>RFC 3711 §3.3.2: the replay check, made before authentication and changing nothing.</summary>
    public readonly SrtpStatus Check(long index)
    {
        long delta = index - Highest;
        if (delta > 0) return SrtpStatus.Ok;
        if (-delta >= Size) return SrtpStatus.TooOld;
        return ((_bits >> (int)-delta) & UInt128.One) != UInt128.Zero ? SrtpStatus.Replayed : SrtpStatus.Ok;
    }

    /// <summary>RFC 3711 §3.3.2: records an authenticated index, sliding the window when it is the new highest.</summary>
    public void Commit(long index)
    {
        long delta = index - Highest;
        if (delta > 0)
        {
            _bits = delta >= Size ? UInt128.One : (_bits << (int)delta) | UInt128.One;
            Highest = index;
        }
        else if (-delta < Size)
        {
            _bits |= UInt128.One << (int)-delta;
        }
    }
}
