namespace Conclave.Media.Transport.Srtp;

/// <summary>
/// Per-SSRC cryptographic state of one direction (RFC 3711 §3.2.1, §3.2.3): the ROC and s_l (inside the
/// replay window's highest index) and the replay bitmap; for SRTCP, the next index to send.
/// </summary>
internal sealed class SsrcState
{
    /// <summary>Highest index and replay bitmap (SRTP: ROC * 2^16 + s_l; SRTCP: 31-bit index).</summary>
    public ReplayWindow Window;

    /// <summary>SRTCP sender only: the next SRTCP index (RFC 3711 §3.4: starts at 0, +1 per packet).</summary>
    public long NextSrtcpIndex;

    public SsrcState(long firstIndex) => Window.Initialize(firstIndex);

    /// <summary>The rollover counter: RFC 3711 §3.2.1.</summary>
    public uint Roc => (uint)(Window.Highest >> 16);

    /// <summary>s_l, the highest sequence number: RFC 3711 §3.3.1.</summary>
    public ushort HighestSequence => (ushort)Window.Highest;
}
