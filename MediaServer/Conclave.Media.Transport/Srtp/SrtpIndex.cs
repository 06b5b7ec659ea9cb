namespace Conclave.Media.Transport.Srtp;

/// <summary>SRTP packet index estimation (RFC 3711 §3.3.1 and Appendix A), in signed 64-bit arithmetic.</summary>
internal static class SrtpIndex
{
    /// <summary>RFC 3711 §3.3.1: the index is 48 bits (ROC 32 bits, SEQ 16 bits).</summary>
    public const long MaxSrtpIndex = (1L << 48) - 1;

    /// <summary>RFC 3711 §3.4: the SRTCP index is 31 bits.</summary>
    public const long MaxSrtcpIndex = (1L << 31) - 1;

    /*  RFC 3711 Appendix A
          if (s_l < 32768)
              if (SEQ - s_l > 32768)  v = ROC - 1   else v = ROC
          else
              if (s_l - 32768 > SEQ)  v = ROC + 1   else v = ROC
          return SEQ + v * 65536                                                        */
    /// <summary>
    /// Estimates the index of a packet with sequence number <paramref name="seq"/>, given the highest
    /// authenticated index (ROC * 2^16 + s_l). The result is negative when the packet would precede index 0
    /// (v = −1 with ROC = 0) and may exceed <see cref="MaxSrtpIndex"/> when the ROC would wrap: callers reject both.
    /// </summary>
    public static long Estimate(long highest, ushort seq)
    {
        long roc = highest >> 16;
        int sl = (int)(highest & 0xFFFF);
        long v;
        if (sl < 32768) v = seq - sl > 32768 ? roc - 1 : roc;
        else v = sl - 32768 > seq ? roc + 1 : roc;
        return v * 65536 + seq;
    }
}
