using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Conclave.E2ee.Roster;

namespace Conclave.E2ee.Tests.Roster;

public sealed partial class SecurityCodeTests
{
    private static ReadOnlyMemory<byte> Key(byte fill, int length = 32) => Enumerable.Repeat(fill, length).ToArray();

    // Known answers, computed independently of this library (Python hashlib) from the definition in SecurityCode.
    [Fact]
    public void Known_rosters_give_the_codes_of_the_definition()
    {
        Assert.Equal("11758 71833 17066 28466", SecurityCode.Compute([Key(1), Key(2), Key(3)]));
        Assert.Equal("13572 69307 20810 94398", SecurityCode.Compute([Key(1)]));
        Assert.Equal("96630 26557 31255 04436", SecurityCode.Compute([Key(1), Key(1, 31)]));   // a prefix sorts first
    }

    // The digest of step 2, computed independently (Python hashlib); the code of Key(1), Key(2), Key(3) above is read
    // from its first 20 bytes.
    [Fact]
    public void Known_rosters_give_the_digests_of_the_definition()
    {
        Assert.Equal("c3eba3edeecc973cc9d936af844c4ae1f571f792d15359ea4d657b268804eaa0", Convert.ToHexStringLower(SecurityCode.Digest([Key(3), Key(1), Key(2), Key(1)])));
        Assert.Equal("dccb2d107526007f5d8e4de336cf4798764634055fe705571f4f749d41d887c6", Convert.ToHexStringLower(SecurityCode.Digest([])));
        Assert.Equal(SecurityCode.DigestLength, SecurityCode.Digest([Key(1, 7)]).Length);
        Assert.Throws<ArgumentException>(() => SecurityCode.Digest([ReadOnlyMemory<byte>.Empty]));
        Assert.Throws<ArgumentException>(() => SecurityCode.Digest([new byte[65_536]]));
    }

    [Fact]
    public void The_code_is_four_groups_of_five_digits()
    {
        for (int i = 0; i < 200; i++)
            Assert.Matches(CodeFormat(), SecurityCode.Compute([RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32)]));
    }

    [Fact]
    public void Every_participant_gets_the_same_code_whatever_order_they_list_the_roster_in()
    {
        ReadOnlyMemory<byte>[] roster = [.. Enumerable.Range(0, 20).Select(_ => (ReadOnlyMemory<byte>)RandomNumberGenerator.GetBytes(32))];
        string code = SecurityCode.Compute(roster);
        var random = new Random(5);
        for (int i = 0; i < 20; i++)
        {
            ReadOnlyMemory<byte>[] shuffled = [.. roster];
            random.Shuffle(shuffled);
            Assert.Equal(code, SecurityCode.Compute(shuffled));
        }
        Assert.Equal(code, SecurityCode.Compute([.. roster, roster[3]]));               // a key listed twice is one device
    }

    [Fact]
    public void The_code_changes_when_a_device_joins_or_leaves_and_comes_back_when_the_roster_does()
    {
        ReadOnlyMemory<byte>[] roster = [Key(7), Key(8), Key(9)];
        string code = SecurityCode.Compute(roster);
        Assert.NotEqual(code, SecurityCode.Compute([.. roster, Key(10)]));
        Assert.NotEqual(code, SecurityCode.Compute(roster[..2]));
        Assert.NotEqual(code, SecurityCode.Compute([Key(7), Key(8), Key(11)]));          // one device swapped for another
        Assert.Equal(code, SecurityCode.Compute([Key(9), Key(7), Key(8)]));
    }

    [Fact]
    public void An_empty_roster_or_key_is_refused()
    {
        Assert.Throws<ArgumentException>(() => SecurityCode.Compute([]));
        Assert.Throws<ArgumentException>(() => SecurityCode.Compute([ReadOnlyMemory<byte>.Empty]));
        Assert.Throws<ArgumentException>(() => SecurityCode.Compute([new byte[65_536]]));
    }

    [GeneratedRegex(@"^\d{5} \d{5} \d{5} \d{5}$")]
    private static partial Regex CodeFormat();
}
