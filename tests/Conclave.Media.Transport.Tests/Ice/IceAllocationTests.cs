using System.Net;
using Conclave.Media.Transport.Ice;

namespace Conclave.Media.Transport.Tests.Ice;

/// <summary>STYLE.md allocation guard on the binding-request path: valid, forged and role-conflict requests.</summary>
public sealed class IceAllocationTests
{
    private const int Iterations = 10_000;

    [Fact]
    public void HandlingRequestsAllocatesNothing()
    {
        var local = new IceCredentials("srvU", "ServerPassword0123456789");
        var agent = new IceLiteAgent(local, "brwz", new ManualTimeProvider());
        var remote = IceTransportAddress.FromIPEndPoint(IPEndPoint.Parse("[2001:db8::1]:50000"));
        byte[] valid = IceTestRequests.Build(new() { Username = "srvU:brwz", Password = local.Password });
        byte[] forged = IceTestRequests.Build(new() { Username = "srvU:brwz", Password = "WrongPassword0123456789" });
        byte[] conflict = IceTestRequests.Build(new() { Username = "srvU:brwz", Password = local.Password, Controlling = false, Controlled = true });
        var response = new byte[256];

        int answered = Run(agent, remote, valid, forged, conflict, response);                           // warm-up
        long before = GC.GetAllocatedBytesForCurrentThread();
        answered += Run(agent, remote, valid, forged, conflict, response);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(2 * Iterations * 2, answered);
        Assert.Equal(2 * Iterations, agent.DroppedRequests);
    }

    private static int Run(IceLiteAgent agent, IceTransportAddress remote, byte[] valid, byte[] forged, byte[] conflict, byte[] response)
    {
        int answered = 0;
        for (int i = 0; i < Iterations; i++)
        {
            agent.HandleBindingRequest(valid, remote, response, out int a);
            agent.HandleBindingRequest(forged, remote, response, out int f);
            agent.HandleBindingRequest(conflict, remote, response, out int c);
            if (a > 0) answered++;
            if (c > 0) answered++;
            if (f > 0) answered += 1000;
        }
        return answered;
    }
}
