using System.Net;
using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Stun;

namespace Conclave.Media.Transport.Tests.Ice;

/// <summary>RFC 8445 §7.3 (lite responder), §7.3.1.1 (role conflict), §7.3.1.5 (nomination), §9 (restart) and
/// RFC 7675 §5.1 (consent) for <see cref="IceLiteAgent"/>.</summary>
public sealed class IceLiteAgentTests
{
    private const string LocalUfrag = "srvU";
    private const string LocalPassword = "ServerPassword0123456789";
    private const string RemoteUfrag = "brwz";
    private const string Username = LocalUfrag + ":" + RemoteUfrag;                                   // RFC 8445 §7.2.2

    private static readonly IceTransportAddress Remote = IceTransportAddress.FromIPEndPoint(IPEndPoint.Parse("192.0.2.10:50000"));
    private static readonly IceTransportAddress OtherRemote = IceTransportAddress.FromIPEndPoint(IPEndPoint.Parse("192.0.2.11:50002"));

    private readonly ManualTimeProvider _time = new();

    private IceLiteAgent NewAgent() => new(new IceCredentials(LocalUfrag, LocalPassword), RemoteUfrag, _time);

    private static IceTestRequests.Options Browser => new() { Username = Username, Password = LocalPassword };

    [Fact]
    public void BrowserRequestGetsAuthenticatedSuccessResponseAndNominates()
    {
        IceLiteAgent agent = NewAgent();
        byte[] request = IceTestRequests.Build(Browser);
        var response = new byte[256];

        IceRequestStatus status = agent.HandleBindingRequest(request, Remote, response, out int length);

        Assert.Equal(IceRequestStatus.Nominated, status);
        AssertSuccessResponse(response.AsSpan(0, length), Remote, LocalPassword);
        Assert.True(agent.TryGetSelectedRemote(out IceTransportAddress selected));
        Assert.Equal(Remote, selected);
        Assert.True(agent.HasConsent);
        Assert.Equal(0, agent.DroppedRequests);
    }

    [Fact]
    public void IPv6RemoteIsReflectedInXorMappedAddress()
    {
        IceLiteAgent agent = NewAgent();
        IceTransportAddress remote = IceTransportAddress.FromIPEndPoint(IPEndPoint.Parse("[2001:db8::1234]:61000"));
        var response = new byte[256];
        Assert.Equal(IceRequestStatus.Nominated, agent.HandleBindingRequest(IceTestRequests.Build(Browser), remote, response, out int length));
        AssertSuccessResponse(response.AsSpan(0, length), remote, LocalPassword);
    }

    [Fact]
    public void CheckWithoutUseCandidateAnswersButDoesNotSelect()
    {
        IceLiteAgent agent = NewAgent();
        var response = new byte[256];
        Assert.Equal(IceRequestStatus.Success, agent.HandleBindingRequest(IceTestRequests.Build(Browser with { UseCandidate = false }), Remote, response, out int length));
        Assert.True(length > 0);
        Assert.False(agent.TryGetSelectedRemote(out _));
        Assert.True(agent.HasConsent);
    }

    [Fact]
    public void RenominationFromAnotherAddressSwitchesTheSelectedPair()
    {
        IceLiteAgent agent = NewAgent();
        var response = new byte[256];
        byte[] request = IceTestRequests.Build(Browser);
        Assert.Equal(IceRequestStatus.Nominated, agent.HandleBindingRequest(request, Remote, response, out _));
        Assert.Equal(IceRequestStatus.Success, agent.HandleBindingRequest(request, Remote, response, out _));     // same pair again
        Assert.Equal(IceRequestStatus.Nominated, agent.HandleBindingRequest(request, OtherRemote, response, out _));
        Assert.True(agent.TryGetSelectedRemote(out IceTransportAddress selected));
        Assert.Equal(OtherRemote, selected);
    }

    [Fact]
    public void UseCandidateAfterMessageIntegrityIsNotTrusted()
    {
        // RFC 8489 §14.5: attributes after MESSAGE-INTEGRITY are unauthenticated and ignored.
        IceLiteAgent agent = NewAgent();
        byte[] request = IceTestRequests.Build(Browser with { UseCandidate = false, UseCandidateAfterIntegrity = true });
        Assert.Equal(IceRequestStatus.Success, agent.HandleBindingRequest(request, Remote, new byte[256], out _));
        Assert.False(agent.TryGetSelectedRemote(out _));
    }

    public static TheoryData<string, IceTestRequests.Options, IceRequestStatus> Dropped => new()
    {
        { "wrong local ufrag",           Browser with { Username = "nope:" + RemoteUfrag },                 IceRequestStatus.UsernameMismatch },
        { "wrong remote ufrag",          Browser with { Username = LocalUfrag + ":other" },                 IceRequestStatus.UsernameMismatch },
        { "ufrag only, no colon",        Browser with { Username = LocalUfrag },                            IceRequestStatus.UsernameMismatch },
        { "wrong password",              Browser with { Password = "WrongPassword0123456789" },             IceRequestStatus.BadMessageIntegrity },
        { "no MESSAGE-INTEGRITY",        Browser with { Integrity = false },                                IceRequestStatus.MissingCredentials },
        { "no USERNAME",                 Browser with { IncludeUsername = false },                          IceRequestStatus.MissingCredentials },
        { "no FINGERPRINT",              Browser with { Fingerprint = false },                              IceRequestStatus.MissingFingerprint },
        { "success response, not request", Browser with { MessageType = StunMessageType.BindingSuccessResponse }, IceRequestStatus.NotBindingRequest },
        { "allocate request (TURN)",     Browser with { MessageType = 0x0003 },                             IceRequestStatus.NotBindingRequest },
    };

    [Theory]
    [MemberData(nameof(Dropped))]
    public void UnauthenticatedOrForeignRequestIsDroppedWithoutStateChange(string name, IceTestRequests.Options options, IceRequestStatus expected)
    {
        Assert.NotNull(name);
        IceLiteAgent agent = NewAgent();
        var response = new byte[256];
        Assert.Equal(expected, agent.HandleBindingRequest(IceTestRequests.Build(options), Remote, response, out int length));
        AssertDroppedWithoutStateChange(agent, length);
    }

    [Fact]
    public void CorruptedFingerprintIsDropped()
    {
        IceLiteAgent agent = NewAgent();
        byte[] request = IceTestRequests.Build(Browser);
        request[^1] ^= 0x01;
        Assert.Equal(IceRequestStatus.BadFingerprint, agent.HandleBindingRequest(request, Remote, new byte[256], out int length));
        AssertDroppedWithoutStateChange(agent, length);
    }

    [Fact]
    public void GarbageIsDropped()
    {
        IceLiteAgent agent = NewAgent();
        Assert.Equal(IceRequestStatus.Malformed, agent.HandleBindingRequest([0x00, 0x01, 0x00], Remote, new byte[256], out int length));
        AssertDroppedWithoutStateChange(agent, length);
    }

    [Fact]
    public void TooSmallResponseBufferChangesNothing()
    {
        IceLiteAgent agent = NewAgent();
        Assert.Equal(IceRequestStatus.ResponseBufferTooSmall, agent.HandleBindingRequest(IceTestRequests.Build(Browser), Remote, new byte[40], out int length));
        AssertDroppedWithoutStateChange(agent, length);
    }

    [Fact]
    public void BindingIndicationIsIgnoredQuietly()
    {
        IceLiteAgent agent = NewAgent();
        byte[] indication = IceTestRequests.Build(Browser with { MessageType = StunMessageType.BindingIndication, Integrity = false, IncludeUsername = false });
        Assert.Equal(IceRequestStatus.Indication, agent.HandleBindingRequest(indication, Remote, new byte[256], out int length));
        Assert.Equal(0, length);
        Assert.Equal(0, agent.DroppedRequests);
        Assert.False(agent.HasConsent);
    }

    [Fact]
    public void ControlledPeerGetsRoleConflictWithoutStateChange()
    {
        // RFC 8445 §6.1.1: a lite agent is always controlled; §7.3.1.1: a peer also claiming controlled gets 487.
        IceLiteAgent agent = NewAgent();
        byte[] request = IceTestRequests.Build(Browser with { Controlling = false, Controlled = true });
        var response = new byte[256];
        Assert.Equal(IceRequestStatus.RoleConflict, agent.HandleBindingRequest(request, Remote, response, out int length));

        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(response.AsSpan(0, length), out StunMessage stun));
        Assert.Equal(StunMessageType.BindingErrorResponse, stun.MessageType);
        Assert.True(stun.TransactionId.SequenceEqual(IceTestRequests.TransactionId));
        Assert.True(stun.TryGetAttribute(StunAttributeType.ErrorCode, out ReadOnlySpan<byte> error));
        Assert.True(StunErrorCodeAttribute.TryRead(error, out int code, out ReadOnlySpan<byte> reason));
        Assert.Equal(487, code);
        Assert.True(reason.SequenceEqual("Role Conflict"u8));
        Assert.Equal(StunIntegrityStatus.Ok, stun.VerifyMessageIntegrity(new IceCredentials(LocalUfrag, LocalPassword).PasswordKey));
        Assert.Equal(StunIntegrityStatus.Ok, stun.VerifyFingerprint());
        Assert.False(agent.TryGetSelectedRemote(out _));
        Assert.False(agent.HasConsent);
    }

    [Fact]
    public void UnknownComprehensionRequiredAttributeGets420()
    {
        IceLiteAgent agent = NewAgent();
        byte[] request = IceTestRequests.Build(Browser with { ExtraAttribute = 0x7FFF });
        var response = new byte[256];
        Assert.Equal(IceRequestStatus.UnknownAttributes, agent.HandleBindingRequest(request, Remote, response, out int length));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(response.AsSpan(0, length), out StunMessage stun));
        Assert.True(stun.TryGetAttribute(StunAttributeType.ErrorCode, out ReadOnlySpan<byte> error));
        Assert.True(StunErrorCodeAttribute.TryRead(error, out int code, out _));
        Assert.Equal(420, code);
        Assert.True(stun.TryGetAttribute(StunAttributeType.UnknownAttributes, out ReadOnlySpan<byte> unknown));
        Assert.True(unknown.SequenceEqual(new byte[] { 0x7F, 0xFF }));
        Assert.False(agent.TryGetSelectedRemote(out _));

        // Comprehension-optional unknowns (e.g. Chrome's GOOG-NETWORK-INFO 0xC057) are fine.
        Assert.Equal(IceRequestStatus.Nominated, agent.HandleBindingRequest(IceTestRequests.Build(Browser with { ExtraAttribute = 0xC057 }), Remote, response, out _));
    }

    [Fact]
    public void ConsentExpiresThirtySecondsAfterTheLastValidRequest()
    {
        IceLiteAgent agent = NewAgent();
        byte[] request = IceTestRequests.Build(Browser);
        var response = new byte[256];
        Assert.False(agent.HasConsent);
        agent.HandleBindingRequest(request, Remote, response, out _);
        Assert.Equal(TimeSpan.FromSeconds(30), agent.ConsentRemaining);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(agent.HasConsent);
        agent.HandleBindingRequest(IceTestRequests.Build(Browser with { Password = "WrongPassword0123456789" }), Remote, response, out _);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(agent.HasConsent);                                                                  // RFC 7675 §5.1: the forged one did not count
        Assert.Equal(TimeSpan.Zero, agent.ConsentRemaining);

        agent.HandleBindingRequest(request, Remote, response, out _);
        Assert.True(agent.HasConsent);
        _time.Advance(TimeSpan.FromSeconds(20));
        agent.HandleBindingRequest(IceTestRequests.Build(Browser with { UseCandidate = false }), OtherRemote, response, out _);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(agent.HasConsent);                                                                  // checks on another pair do not refresh the selected one
    }

    [Fact]
    public void RestartAcceptsOnlyTheNewCredentials()
    {
        IceLiteAgent agent = NewAgent();
        var response = new byte[256];
        Assert.Equal(IceRequestStatus.Nominated, agent.HandleBindingRequest(IceTestRequests.Build(Browser), Remote, response, out _));

        var fresh = IceCredentials.Generate();
        agent.Restart(fresh, "brw2");
        Assert.Same(fresh, agent.LocalCredentials);
        Assert.Equal("brw2", agent.RemoteUfrag);

        Assert.Equal(IceRequestStatus.UsernameMismatch, agent.HandleBindingRequest(IceTestRequests.Build(Browser), Remote, response, out int length));
        Assert.Equal(0, length);
        Assert.True(agent.TryGetSelectedRemote(out IceTransportAddress kept));                            // RFC 8445 §9: media continues meanwhile
        Assert.Equal(Remote, kept);

        // Old username with the new password is still rejected, and vice versa.
        Assert.Equal(IceRequestStatus.UsernameMismatch, agent.HandleBindingRequest(IceTestRequests.Build(Browser with { Password = fresh.Password }), Remote, response, out _));
        Assert.Equal(IceRequestStatus.BadMessageIntegrity,
            agent.HandleBindingRequest(IceTestRequests.Build(new() { Username = fresh.Ufrag + ":brw2", Password = LocalPassword }), Remote, response, out _));

        byte[] restarted = IceTestRequests.Build(new() { Username = fresh.Ufrag + ":brw2", Password = fresh.Password });
        Assert.Equal(IceRequestStatus.Nominated, agent.HandleBindingRequest(restarted, OtherRemote, response, out length));
        AssertSuccessResponse(response.AsSpan(0, length), OtherRemote, fresh.Password);
        Assert.Equal(3, agent.DroppedRequests);
    }

    [Fact]
    public void ConstructorRejectsBadRemoteUfrag()
    {
        var local = IceCredentials.Generate();
        Assert.Throws<ArgumentException>(() => new IceLiteAgent(local, "ab"));
        Assert.Throws<ArgumentException>(() => new IceLiteAgent(local, "ab:cd"));
        var agent = new IceLiteAgent(local, "abcd");
        Assert.Throws<ArgumentException>(() => agent.Restart(local, "a b c"));
        Assert.Equal("abcd", agent.RemoteUfrag);
    }

    private static void AssertDroppedWithoutStateChange(IceLiteAgent agent, int responseLength)
    {
        Assert.Equal(0, responseLength);
        Assert.Equal(1, agent.DroppedRequests);
        Assert.False(agent.TryGetSelectedRemote(out _));
        Assert.False(agent.HasConsent);
    }

    private static void AssertSuccessResponse(ReadOnlySpan<byte> response, IceTransportAddress remote, string password)
    {
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(response, out StunMessage stun));
        Assert.Equal(StunMessageType.BindingSuccessResponse, stun.MessageType);
        Assert.True(stun.TransactionId.SequenceEqual(IceTestRequests.TransactionId));
        Span<byte> address = stackalloc byte[16];
        Assert.True(stun.TryGetXorMappedAddress(address, out int length, out ushort port));
        Assert.True(IceTransportAddress.TryCreate(address[..length], port, out IceTransportAddress mapped));
        Assert.Equal(remote, mapped);
        Assert.False(stun.HasAttribute(StunAttributeType.Username));
        Assert.Equal(StunIntegrityStatus.Ok, stun.VerifyMessageIntegrity(System.Text.Encoding.ASCII.GetBytes(password)));
        Assert.Equal(StunIntegrityStatus.Ok, stun.VerifyFingerprint());
        Assert.True(stun.FingerprintOffset > stun.MessageIntegrityOffset);
    }
}
