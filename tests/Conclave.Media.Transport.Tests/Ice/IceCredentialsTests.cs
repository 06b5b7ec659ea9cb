using Conclave.Media.Transport.Ice;

namespace Conclave.Media.Transport.Tests.Ice;

/// <summary>RFC 8839 §5.4 grammar and RFC 8445 §5.3 randomness for <see cref="IceCredentials"/>.</summary>
public sealed class IceCredentialsTests
{
    [Fact]
    public void GeneratedCredentialsAreLongEnoughIceCharsAndDistinct()
    {
        var seen = new HashSet<string>();
        for (int i = 0; i < 200; i++)
        {
            var credentials = IceCredentials.Generate();
            Assert.Equal(IceCredentials.GeneratedUfragLength, credentials.Ufrag.Length);
            Assert.Equal(IceCredentials.GeneratedPasswordLength, credentials.Password.Length);
            Assert.True(IceCredentials.IsIceChars(credentials.Ufrag));
            Assert.True(IceCredentials.IsIceChars(credentials.Password));
            Assert.True(credentials.PasswordKey.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(credentials.Password)));
            Assert.True(seen.Add(credentials.Password));
        }
    }

    public static TheoryData<string, string, string> Invalid => new()
    {
        { "ufrag of 3 chars",        "abc",              "ABCDEFGHIJKLMNOPQRSTUV" },
        { "ufrag with colon",        "ab:cd",            "ABCDEFGHIJKLMNOPQRSTUV" },
        { "ufrag with space",        "ab cd",            "ABCDEFGHIJKLMNOPQRSTUV" },
        { "ufrag of 257 chars",      new string('a', 257), "ABCDEFGHIJKLMNOPQRSTUV" },
        { "password of 21 chars",    "abcd",             "ABCDEFGHIJKLMNOPQRSTU" },
        { "password with non-ASCII", "abcd",             "ABCDEFGHIJKLMNOPQRSTUé" },
        { "password with '='",       "abcd",             "ABCDEFGHIJKLMNOPQRSTU=" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidCredentialsThrowOnTheControlPlane(string name, string ufrag, string password)
    {
        Assert.NotNull(name);
        Assert.Throws<ArgumentException>(() => new IceCredentials(ufrag, password));
    }

    [Fact]
    public void MinimumLengthsAndAllIceCharsAreAccepted()
    {
        var credentials = new IceCredentials("a+/9", "ABCDEFGHIJKLMNOPQRSTU/");
        Assert.Equal("a+/9", credentials.Ufrag);
        Assert.Equal("ABCDEFGHIJKLMNOPQRSTU/", credentials.Password);
    }
}
