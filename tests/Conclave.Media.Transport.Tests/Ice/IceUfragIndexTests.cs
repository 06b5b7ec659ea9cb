using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Stun;

namespace Conclave.Media.Transport.Tests.Ice;

/// <summary>Demultiplexing the shared UDP port by the local ufrag in USERNAME, without a string per packet.</summary>
public sealed class IceUfragIndexTests
{
    private const string Password = "ServerPassword0123456789";

    private static byte[] Request(string username) => IceTestRequests.Build(new() { Username = username, Password = Password });

    public static TheoryData<string, string, IceUfragLookupStatus> Lookups => new()
    {
        { "registered ufrag",       "peerA:brws",  IceUfragLookupStatus.Found },
        { "other registered ufrag", "peerB:zzzz",  IceUfragLookupStatus.Found },
        { "unknown ufrag",          "peerC:brws",  IceUfragLookupStatus.UnknownUfrag },
        { "case differs",           "PEERA:brws",  IceUfragLookupStatus.UnknownUfrag },
        { "no colon",               "peerA",       IceUfragLookupStatus.InvalidUsername },
        { "ufrag too short",        "abc:brws",    IceUfragLookupStatus.InvalidUsername },
        { "non ice-char",           "pe=rA:brws",  IceUfragLookupStatus.InvalidUsername },
        { "empty local part",       ":brws",       IceUfragLookupStatus.InvalidUsername },
    };

    [Theory]
    [MemberData(nameof(Lookups))]
    public void FindsOwnerByLocalUfrag(string name, string username, IceUfragLookupStatus expected)
    {
        Assert.NotNull(name);
        var index = NewIndex(out object a, out object b);
        Assert.Equal(expected, index.Find(Request(username), out object? owner));
        if (expected == IceUfragLookupStatus.Found) Assert.Same(username.StartsWith("peerA", StringComparison.Ordinal) ? a : b, owner);
        else Assert.Null(owner);
    }

    [Fact]
    public void MalformedAndUsernameLessMessagesAreReported()
    {
        var index = NewIndex(out _, out _);
        Assert.Equal(IceUfragLookupStatus.Malformed, index.Find([0x16, 0xFE, 0xFD], out _));
        byte[] noUsername = IceTestRequests.Build(new() { IncludeUsername = false, Password = Password });
        Assert.Equal(IceUfragLookupStatus.MissingUsername, index.Find(noUsername, out _));
    }

    [Fact]
    public void RemoveAndDuplicateAdd()
    {
        var index = NewIndex(out object a, out _);
        Assert.False(index.TryAdd("peerA", new object()));
        Assert.True(index.TryGetValue("peerA", out object? found));
        Assert.Same(a, found);
        Assert.True(index.TryRemove("peerA"));
        Assert.Equal(IceUfragLookupStatus.UnknownUfrag, index.Find(Request("peerA:brws"), out _));
        Assert.Equal(1, index.Count);
        Assert.Throws<ArgumentException>(() => index.TryAdd("a:b", new object()));
    }

    [Fact]
    public void FindAllocatesNothing()
    {
        var index = NewIndex(out _, out _);
        byte[] request = Request("peerB:brws");
        int found = 0;
        for (int i = 0; i < 100; i++) if (index.Find(request, out _) == IceUfragLookupStatus.Found) found++;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) if (index.Find(request, out _) == IceUfragLookupStatus.Found) found++;
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(10_100, found);
    }

    [Fact]
    public void LocalUfragIsReadWithoutCopying()
    {
        byte[] request = Request("peerA:brws");
        Assert.Equal(IceUfragLookupStatus.Found, IceUsername.TryGetLocalUfrag(request, out ReadOnlySpan<byte> ufrag));
        Assert.True(ufrag.SequenceEqual("peerA"u8));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(request, out _));
    }

    private static IceUfragIndex<object> NewIndex(out object a, out object b)
    {
        var index = new IceUfragIndex<object>();
        a = new object();
        b = new object();
        Assert.True(index.TryAdd("peerA", a));
        Assert.True(index.TryAdd("peerB", b));
        return index;
    }
}
