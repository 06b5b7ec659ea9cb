using Conclave.Signaling.Protocol;

namespace Conclave.Signaling.Tests;

public sealed class NamesTests
{
    public static TheoryData<string, string, bool> RoomNames => new()
    {
        { "one letter", "a", true },
        { "one digit", "7", true },
        { "all allowed punctuation", "team-42.daily_sync", true },
        { "64 characters", new string('r', 64), true },
        { "empty", "", false },
        { "65 characters", new string('r', 65), false },
        { "upper case", "Team", false },
        { "starts with dash", "-team", false },
        { "starts with dot", ".team", false },
        { "starts with underscore", "_team", false },
        { "space", "my room", false },
        { "slash", "a/b", false },
        { "path traversal", "../etc", false },
        { "non-ascii letter", "café", false },
        { "nul", "a\0", false },
    };

    public static TheoryData<string, string, bool> DisplayNames => new()
    {
        { "one letter", "A", true },
        { "accents", "Zoë Ångström", true },
        { "emoji", "🙂 Alice", true },
        { "inner and outer spaces", " Ada  Lovelace ", true },
        { "64 characters", new string('n', 64), true },
        { "empty", "", false },
        { "only spaces", "   ", false },
        { "only a tab", "\t", false },
        { "65 characters", new string('n', 65), false },
        { "newline", "Ada\nLovelace", false },
        { "nul", "Ada\0", false },
        { "escape", "\u001b[31mred", false },
        { "delete", "Ada\u007f", false },
        { "c1 control", "Ada\u0085", false },
    };

    public static TheoryData<string, string, bool> OpaqueIds => new()
    {
        { "one character", "a", true },
        { "base64url alphabet", "AZaz09-_", true },
        { "128 characters", new string('x', 128), true },
        { "empty", "", false },
        { "129 characters", new string('x', 129), false },
        { "base64 plus", "a+b", false },
        { "base64 slash", "a/b", false },
        { "base64 padding", "ab==", false },
        { "space", "a b", false },
        { "dot", "a.b", false },
        { "non-ascii digit", "١٢٣", false },
    };

    public static TheoryData<string, string, bool> UserIds => new()
    {
        { "one character", "u", true },
        { "oidc subject with pipe", "auth0|5f1c2a", true },
        { "email", "ada@example.com", true },
        { "printable ascii edges", "!~", true },
        { "128 characters", new string('u', 128), true },
        { "empty", "", false },
        { "129 characters", new string('u', 129), false },
        { "space", "ada lovelace", false },
        { "tab", "ada\tlovelace", false },
        { "delete", "ada\u007f", false },
        { "non-ascii", "zoë", false },
    };

    [Theory]
    [MemberData(nameof(RoomNames))]
    public void RoomName(string @case, string value, bool valid)
    {
        _ = @case;
        Assert.Equal(valid, Names.IsValidRoomName(value));
    }

    [Theory]
    [MemberData(nameof(DisplayNames))]
    public void DisplayName(string @case, string value, bool valid)
    {
        _ = @case;
        Assert.Equal(valid, Names.IsValidDisplayName(value));
    }

    [Theory]
    [MemberData(nameof(OpaqueIds))]
    public void OpaqueId(string @case, string value, bool valid)
    {
        _ = @case;
        Assert.Equal(valid, Names.IsValidOpaqueId(value));
    }

    [Theory]
    [MemberData(nameof(UserIds))]
    public void UserId(string @case, string value, bool valid)
    {
        _ = @case;
        Assert.Equal(valid, Names.IsValidUserId(value));
    }

    [Fact]
    public void Null_IsRefusedEverywhere()
    {
        Assert.False(Names.IsValidRoomName(null));
        Assert.False(Names.IsValidDisplayName(null));
        Assert.False(Names.IsValidOpaqueId(null));
        Assert.False(Names.IsValidUserId(null));
    }
}
