namespace Conclave.FileStore.Tests;

public sealed class BlobNamesTests
{
    public static TheoryData<string, string> Valid => new()
    {
        { "one character", "a" },
        { "64 characters", new string('Z', 64) },
        { "every allowed character", "AZaz09-_" },
        { "22 characters of base64url (a file id)", "q83vEjRWeJq8_-7_AAECAw" },
        { "only a hyphen", "-" },
        { "only an underscore", "_" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Accepts(string label, string name)
    {
        _ = label;
        Assert.True(BlobNames.IsValid(name));
    }

    [Theory]
    [MemberData(nameof(BlobStoreContractTests.InvalidNames), MemberType = typeof(BlobStoreContractTests))]
    public void Rejects(string label, string name)
    {
        _ = label;
        Assert.False(BlobNames.IsValid(name));
    }

    [Fact]
    public void RejectsNull() => Assert.False(BlobNames.IsValid(null));

    [Fact]
    public void RejectsEveryOtherAsciiCharacter()
    {
        for (char c = '\0'; c < 128; c++)
        {
            bool allowed = char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
            Assert.Equal(allowed, BlobNames.IsValid("a" + c));
        }
    }
}
