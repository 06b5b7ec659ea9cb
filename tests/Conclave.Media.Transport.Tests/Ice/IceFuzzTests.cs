using System.Diagnostics;
using System.Net;
using Conclave.Media.Transport.Ice;

namespace Conclave.Media.Transport.Tests.Ice;

/// <summary>Mutated and random connectivity checks through the ufrag index and the lite agent: nothing throws,
/// and nothing but the genuine request ever changes the agent's state.</summary>
public sealed class IceFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 8445;
    private const int Iterations = 300_000;

    [Fact]
    public void MutatedRequestsNeverThrowOrNominate()
    {
        var local = new IceCredentials("srvU", "ServerPassword0123456789");
        var agent = new IceLiteAgent(local, "brwz", new ManualTimeProvider());
        var index = new IceUfragIndex<IceLiteAgent>();
        index.TryAdd(local.Ufrag, agent);
        var remote = IceTransportAddress.FromIPEndPoint(IPEndPoint.Parse("192.0.2.10:50000"));
        byte[] seed = IceTestRequests.Build(new() { Username = "srvU:brwz", Password = local.Password });
        var buffer = new byte[seed.Length + 64];
        var response = new byte[512];
        var random = new Random(Seed);
        var stopwatch = Stopwatch.StartNew();
        int answered = 0;

        for (int i = 0; i < Iterations; i++)
        {
            int length;
            if ((i & 1) == 0)
            {
                seed.CopyTo(buffer, 0);
                length = seed.Length;
                int flips = random.Next(1, 4);
                for (int f = 0; f < flips; f++) buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                if (random.Next(8) == 0) length = random.Next(length);
                if (buffer.AsSpan(0, length).SequenceEqual(seed)) buffer[0] ^= 0x01;                     // two flips cancelled out
            }
            else
            {
                length = random.Next(0, buffer.Length);
                random.NextBytes(buffer.AsSpan(0, length));
                buffer[0] &= 0x03;                                                                      // look like STUN to the demux
            }
            index.Find(buffer.AsSpan(0, length), out _);
            agent.HandleBindingRequest(buffer.AsSpan(0, length), remote, response, out int written);
            if (written > 0) answered++;
        }

        stopwatch.Stop();
        output.WriteLine($"{Iterations:N0} checks, {answered:N0} answered, in {stopwatch.Elapsed.TotalSeconds:F2} s");
        Assert.False(agent.TryGetSelectedRemote(out _));                                                // HMAC + CRC stop every mutant
        Assert.False(agent.HasConsent);
        Assert.Equal(0, answered);
    }
}
