using System.Net;
using Conclave.Media.Transport.Ice;

namespace Conclave.Media.Transport.Tests.Ice;

/// <summary>Allocation-free endpoint values from IPEndPoint and from the SocketAddress a receive loop fills.</summary>
public sealed class IceTransportAddressTests
{
    public static TheoryData<string, string, string> EndPoints => new()
    {
        { "IPv4",                   "192.0.2.1:32853",              "192.0.2.1:32853" },
        { "IPv6",                   "[2001:db8::7]:443",            "[2001:db8::7]:443" },
        { "IPv4-mapped normalised", "[::ffff:198.51.100.4]:5000",   "198.51.100.4:5000" },
        { "IPv6 loopback",          "[::1]:1",                      "[::1]:1" },
    };

    [Theory]
    [MemberData(nameof(EndPoints))]
    public void ConvertsFromIPEndPointAndSocketAddress(string name, string input, string expected)
    {
        Assert.NotNull(name);
        IPEndPoint endPoint = IPEndPoint.Parse(input);
        IceTransportAddress fromEndPoint = IceTransportAddress.FromIPEndPoint(endPoint);
        Assert.True(IceTransportAddress.TryFromSocketAddress(endPoint.Serialize(), out IceTransportAddress fromSocket));
        Assert.Equal(fromEndPoint, fromSocket);
        Assert.Equal(IPEndPoint.Parse(expected), fromEndPoint.ToIPEndPoint());
        Assert.Equal(fromEndPoint.GetHashCode(), fromSocket.GetHashCode());
    }

    [Fact]
    public void EqualityCoversAddressPortAndFamily()
    {
        var a = IceTransportAddress.FromIPEndPoint(IPEndPoint.Parse("10.0.0.1:1000"));
        Assert.True(a == IceTransportAddress.FromIPEndPoint(IPEndPoint.Parse("10.0.0.1:1000")));
        Assert.True(a != IceTransportAddress.FromIPEndPoint(IPEndPoint.Parse("10.0.0.1:1001")));
        Assert.True(a != IceTransportAddress.FromIPEndPoint(IPEndPoint.Parse("10.0.0.2:1000")));
        Assert.True(a != IceTransportAddress.FromIPEndPoint(IPEndPoint.Parse("[::a00:1]:1000")));      // ::10.0.0.1 is IPv6, not mapped
        Assert.False(IceTransportAddress.TryCreate(new byte[5], 1, out _));
        Assert.False(a.TryWriteAddress(new byte[3], out _));
    }

    [Fact]
    public void SocketAddressConversionAllocatesNothing()
    {
        var socketAddress = IPEndPoint.Parse("[2001:db8::7]:443").Serialize();
        int ok = 0;
        for (int i = 0; i < 100; i++) if (IceTransportAddress.TryFromSocketAddress(socketAddress, out _)) ok++;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) if (IceTransportAddress.TryFromSocketAddress(socketAddress, out _)) ok++;
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(10_100, ok);
    }
}
