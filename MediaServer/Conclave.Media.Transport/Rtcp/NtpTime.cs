namespace Conclave.Media.Transport.Rtcp;

/// <summary>RFC 3550 §4: the 64-bit NTP timestamp (seconds since 1900-01-01 in the high 32 bits, the fraction in the
/// low 32) and its middle 32 bits, which LSR and DLSR use (§6.4.1).</summary>
public static class NtpTime
{
    private static readonly DateTimeOffset Epoch = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The NTP timestamp of <paramref name="time"/>.</summary>
    public static ulong From(DateTimeOffset time)
    {
        long ticks = (time - Epoch).Ticks;                          // 100 ns
        ulong seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        ulong fraction = (ulong)(ticks % TimeSpan.TicksPerSecond) * (1UL << 32) / TimeSpan.TicksPerSecond;
        return seconds << 32 | fraction;
    }

    /// <summary>The middle 32 bits: 16 bits of seconds and 16 of fraction (§6.4.1 LSR).</summary>
    public static uint Middle(ulong ntp) => (uint)(ntp >> 16);

    /// <summary>A duration in units of 1/65536 s (§6.4.1 DLSR), saturating.</summary>
    public static uint ToShortUnits(TimeSpan duration) =>
        duration <= TimeSpan.Zero ? 0 : (uint)Math.Min(uint.MaxValue, duration.Ticks * 65536 / TimeSpan.TicksPerSecond);
}
