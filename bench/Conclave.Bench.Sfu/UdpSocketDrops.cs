using System.Globalization;

namespace Conclave.Bench.Sfu;

/// <summary>The kernel's count of datagrams dropped at each local UDP port (the last column of <c>/proc/net/udp</c>
/// and <c>/proc/net/udp6</c>, proc(5)): a receive buffer that was full when a datagram arrived. Tells loss at the
/// SFU's socket (the SFU did not read fast enough) from loss at a client's socket (the tool did not).</summary>
internal static class UdpSocketDrops
{
    /// <summary>Local port → datagrams dropped; empty where the files do not exist.</summary>
    public static IReadOnlyDictionary<int, long> Read()
    {
        var drops = new Dictionary<int, long>();
        foreach (string file in new[] { "/proc/net/udp", "/proc/net/udp6" })
        {
            if (!File.Exists(file)) continue;
            foreach (string line in File.ReadLines(file).Skip(1))
            {
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 13) continue;
                string local = fields[1];                              // hex address ':' hex port
                int port = int.Parse(local[(local.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                drops[port] = drops.GetValueOrDefault(port) + long.Parse(fields[^1], CultureInfo.InvariantCulture);
            }
        }
        return drops;
    }

    /// <summary>Drops at <paramref name="ports"/> between two readings.</summary>
    public static long Since(IReadOnlyDictionary<int, long> before, IReadOnlyDictionary<int, long> after, IEnumerable<int> ports)
        => ports.Sum(p => after.GetValueOrDefault(p) - before.GetValueOrDefault(p));
}
