using System.Net;
using Conclave.Media.Transport.Net;
using Conclave.Media.Transport.Sdp;

namespace Conclave.Media.Transport.Tests.Net;

/// <summary>The documented media port defaults and the SDP host candidate (RFC 8445 §5.1.2, RFC 8839 §5.1).</summary>
public sealed class MediaPortOptionsTests
{
    [Fact]
    public void DefaultsAreTheDocumentedDualStackPort40000()
    {
        var options = new MediaPortOptions();
        Assert.Equal(40000, options.Port);
        Assert.Equal(MediaPortOptions.DefaultPort, options.Port);
        Assert.Equal(IPAddress.IPv6Any, options.BindAddress);
        Assert.Null(options.AnnouncedAddress);
    }

    [Theory]
    [InlineData("host component 1", 126, 65535, 1, 2130706431u)]                                       // RFC 8445 §5.1.2.1
    [InlineData("host component 2", 126, 65535, 2, 2130706430u)]
    [InlineData("relay lowest", 0, 0, 256, 0u)]
    public void PriorityFollowsRfc8445Formula(string name, int typePreference, int localPreference, int component, uint expected)
    {
        Assert.NotEmpty(name);
        Assert.Equal(expected, MediaPortOptions.ComputePriority(typePreference, localPreference, component));
    }

    [Fact]
    public void HostCandidateAnnouncesTheConfiguredAddress()
    {
        var options = new MediaPortOptions { AnnouncedAddress = IPAddress.Parse("127.0.0.1") };

        Assert.Equal("candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host", options.FormatHostCandidate(options.Port));
        IceCandidate candidate = options.CreateHostCandidate(40000);
        Assert.Equal(IceCandidateType.Host, candidate.Type);
        Assert.Equal(1, candidate.Component);
    }

    [Fact]
    public void PublicAddressBehindNatIsAnnouncedInsteadOfTheBindAddress()
    {
        var options = new MediaPortOptions { BindAddress = IPAddress.Any, Port = 50000, AnnouncedAddress = IPAddress.Parse("203.0.113.7") };
        Assert.Equal("candidate:1 1 udp 2130706431 203.0.113.7 50000 typ host", options.FormatHostCandidate(options.Port));
    }

    [Fact]
    public void SpecificBindAddressIsAnnouncedWhenNoneIsConfigured()
    {
        var options = new MediaPortOptions { BindAddress = IPAddress.IPv6Loopback };
        Assert.Equal(IPAddress.IPv6Loopback, options.GetAnnouncedAddress());
    }

    [Fact]
    public void WildcardBindWithoutAnnouncedAddressIsAnError()
    {
        Assert.Throws<InvalidOperationException>(() => new MediaPortOptions().FormatHostCandidate(40000));
    }

    [Theory]
    [InlineData("port too large", 65536, 1500)]
    [InlineData("negative port", -1, 1500)]
    [InlineData("zero max datagram", 0, 0)]
    [InlineData("max datagram beyond buffer", 0, 70000)]
    public void InvalidOptionsAreRejected(string name, int port, int maxDatagram)
    {
        Assert.NotEmpty(name);
        var options = new MediaPortOptions { BindAddress = IPAddress.Loopback, Port = port, MaxDatagramLength = maxDatagram };
        Assert.Throws<ArgumentException>(options.Validate);
    }
}
