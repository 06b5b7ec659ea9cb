using System.Net;
using System.Text;
using Conclave.Media.Transport.Ice;
using Conclave.Media.Transport.Sdp;
using Conclave.Media.Transport.Stun;

namespace Conclave.Media.Transport.Tests.Ice;

/// <summary>RFC 8445 controlling full agent against a lite peer (the real <see cref="IceLiteAgent"/> answers):
/// check contents (§7.2.2), pacing (§14.2), retransmission (§14.3, RFC 8489 §6.2.1), response validation (§7.2.5,
/// RFC 8489 §9.1.4), regular nomination (§8.1.1) and consent freshness (RFC 7675 §5.1), all on a stepped clock.</summary>
public sealed class IceControllingAgentTests
{
    private const ulong TieBreaker = 0x0123456789ABCDEF;
    private const int Seed = 7675;

    private static readonly IceCredentials Client = new("cliU", "ClientPassword0123456789");
    private static readonly IceCredentials Server = new("srvU", "ServerPassword0123456789");
    private static readonly IceCredentials WrongServer = new("srvU", "WrongPassword01234567890");
    private static readonly IceTransportAddress ServerA = Address("192.0.2.1:40000");
    private static readonly IceTransportAddress ServerB = Address("192.0.2.2:40000");
    private static readonly IceTransportAddress ServerC = Address("192.0.2.3:40000");
    private static readonly IceTransportAddress ServerV6 = Address("[2001:db8::1]:40000");
    private static readonly IceTransportAddress ClientMapped = Address("198.51.100.7:50000");      // the client as the server sees it
    private static readonly TimeSpan Ta = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private readonly ManualTimeProvider _time = new();
    private readonly List<Sent> _sent = [];
    private readonly List<IceConnectionState> _states = [];
    private readonly IceLiteAgent _server;
    private Func<IceTransportAddress, bool> _reachable = _ => true;

    public IceControllingAgentTests()
    {
        _server = new IceLiteAgent(Server, Client.Ufrag, _time);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void FirstCheckIsAControllingBindingRequestKeyedWithTheServerPassword()
    {
        IceControllingAgent agent = NewAgent();
        Task<IceTransportAddress> connect = agent.ConnectAsync([Host(ServerA)], Ct);

        Sent check = Assert.Single(_sent);
        Assert.Equal(ServerA, check.To);
        StunMessage message = Read(0);
        Assert.Equal(StunMessageType.BindingRequest, message.MessageType);
        Assert.True(message.TryGetAttribute(StunAttributeType.Username, out ReadOnlySpan<byte> username));
        Assert.Equal("srvU:cliU", Encoding.ASCII.GetString(username));                                 // RFC 8445 §7.2.2
        Assert.True(message.TryGetUInt32(StunAttributeType.Priority, out uint priority));
        Assert.Equal(0x6EFFFFFFu, priority);                                                          // §7.1.1: prflx, type preference 110
        Assert.True(message.TryGetUInt64(StunAttributeType.IceControlling, out ulong tieBreaker));
        Assert.Equal(TieBreaker, tieBreaker);
        Assert.False(message.HasAttribute(StunAttributeType.IceControlled));
        Assert.False(message.HasAttribute(StunAttributeType.UseCandidate));
        Assert.Equal(StunIntegrityStatus.Ok, message.VerifyMessageIntegrity(Server.PasswordKey));
        Assert.Equal(StunIntegrityStatus.Ok, message.VerifyFingerprint());
        Assert.Equal(IceConnectionState.Checking, agent.State);
        Assert.Equal([IceConnectionState.Checking], _states);
        Assert.False(connect.IsCompleted);
    }

    [Fact]
    public async Task RegularNominationSelectsThePairOnceTheUseCandidateCheckSucceeds()
    {
        IceControllingAgent agent = NewAgent();
        Task<IceTransportAddress> connect = agent.ConnectAsync([Host(ServerA)], Ct);

        Assert.Equal(IceResponseStatus.Success, Answer(agent, 0));
        Assert.False(connect.IsCompleted);                                                            // valid, not yet nominated
        Assert.False(_server.TryGetSelectedRemote(out _));

        _time.Advance(Ta);                                                                            // §8.1.1: a triggered check, paced
        Assert.Equal(2, _sent.Count);
        Assert.Equal(ServerA, _sent[1].To);
        Assert.True(Read(1).HasAttribute(StunAttributeType.UseCandidate));
        Assert.False(Read(1).TransactionId.SequenceEqual(Read(0).TransactionId));                     // a new transaction
        Assert.Equal(IceResponseStatus.Success, Answer(agent, 1, IceRequestStatus.Nominated));

        Assert.True(connect.IsCompletedSuccessfully);
        Assert.Equal(ServerA, await connect);
        Assert.Equal(IceConnectionState.Connected, agent.State);
        Assert.Equal([IceConnectionState.Checking, IceConnectionState.Connected], _states);
        Assert.True(agent.TryGetSelectedPair(out IceTransportAddress remote, out IceTransportAddress mapped));
        Assert.Equal(ServerA, remote);
        Assert.Equal(ClientMapped, mapped);                                                           // §7.2.5.3.1 XOR-MAPPED-ADDRESS
        Assert.True(_server.TryGetSelectedRemote(out IceTransportAddress selectedByServer));
        Assert.Equal(ClientMapped, selectedByServer);
    }

    [Fact]
    public void ChecksArePacedOneNewCheckPerTa()
    {
        IceControllingAgent agent = NewAgent();
        agent.ConnectAsync([Host(ServerC, 100, "3"), Host(ServerA, 300, "1"), Host(ServerB, 200, "2")], Ct);

        Assert.Single(_sent);
        _time.Advance(Ta - Tick);
        Assert.Single(_sent);                                                                         // RFC 8445 §14.2
        _time.Advance(Tick);
        Assert.Equal(2, _sent.Count);
        _time.Advance(Ta);
        Assert.Equal(3, _sent.Count);
        _time.Advance(Ta);
        Assert.Equal(3, _sent.Count);                                                                 // nothing left to start

        Assert.Equal([ServerA, ServerB, ServerC], _sent.Select(sent => sent.To));                     // §6.1.2.3 pair priority order
        Assert.Equal(3, _sent.Select(sent => Convert.ToHexString(Read(sent).TransactionId)).Distinct().Count());
    }

    [Fact]
    public void PairsSharingAFoundationAreCheckedOneAfterAnother()
    {
        var options = new IceControllingAgentOptions
        {
            InitialRetransmissionTimeout = TimeSpan.FromMilliseconds(100),
            MaxRetransmissionTimeout = TimeSpan.FromMilliseconds(100),
            MaxTransmissions = 1,
        };
        IceControllingAgent agent = NewAgent(options);
        agent.ConnectAsync([Host(ServerA, 300, "1"), Host(ServerB, 200, "1")], Ct);

        _time.Advance(Ta);
        Assert.Single(_sent);                                                                         // §6.1.2.6: B is Frozen
        _time.Advance(Ta);                                                                            // A times out at 100 ms
        Assert.Equal(2, _sent.Count);                                                                 // §6.1.4.2: B unfrozen
        Assert.Equal(ServerB, _sent[1].To);
        Assert.Equal(IceConnectionState.Checking, agent.State);
    }

    [Fact]
    public async Task UnansweredCheckIsRetransmittedOnADoublingTimeoutThenConnectFails()
    {
        IceControllingAgent agent = NewAgent();
        Task<IceTransportAddress> connect = agent.ConnectAsync([Host(ServerA)], Ct);

        _time.Advance(TimeSpan.FromMilliseconds(9500) - Tick);
        Assert.Equal(IceConnectionState.Checking, agent.State);
        // RFC 8445 §14.3 RTO 500 ms, doubled per RFC 8489 §6.2.1 up to the 1.6 s cap, 7 transmissions (Rc).
        int[] expectedMilliseconds = [0, 500, 1500, 3100, 4700, 6300, 7900];
        Assert.Equal(expectedMilliseconds, _sent.Select(sent => (int)sent.At.TotalMilliseconds));
        Assert.All(_sent, sent => Assert.True(Read(sent).TransactionId.SequenceEqual(Read(0).TransactionId)));
        Assert.All(_sent, sent => Assert.Equal(ServerA, sent.To));

        _time.Advance(Tick);                                                                          // one capped RTO after the last
        IceConnectionException failure = await Assert.ThrowsAsync<IceConnectionException>(() => connect);
        Assert.Equal(IceConnectionFailure.ChecksFailed, failure.Reason);
        Assert.Contains("1 timed out", failure.Message, StringComparison.Ordinal);
        Assert.Equal(IceConnectionState.Failed, agent.State);
        Assert.Equal([IceConnectionState.Checking, IceConnectionState.Failed], _states);
        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(7, _sent.Count);
    }

    [Fact]
    public void ResponseNotKeyedWithTheServerPasswordIsIgnored()
    {
        IceControllingAgent agent = NewAgent();
        Task<IceTransportAddress> connect = agent.ConnectAsync([Host(ServerA)], Ct);

        // RFC 8489 §9.1.4: discarded as if never received; the check goes on.
        Assert.Equal(IceResponseStatus.BadMessageIntegrity, agent.HandleStun(Response(_sent[0].Datagram, WrongServer), ServerA));
        Assert.Equal(IceResponseStatus.BadMessageIntegrity, agent.HandleStun(Response(_sent[0].Datagram, Server, integrity: false), ServerA));
        Assert.Equal(IceConnectionState.Checking, agent.State);

        Assert.Equal(IceResponseStatus.Success, Answer(agent, 0));
        _time.Advance(Ta);
        Assert.Equal(IceResponseStatus.Success, Answer(agent, 1, IceRequestStatus.Nominated));
        Assert.True(connect.IsCompletedSuccessfully);
    }

    [Fact]
    public void ResponseToAnotherTransactionIsIgnored()
    {
        IceControllingAgent agent = NewAgent();
        agent.ConnectAsync([Host(ServerA)], Ct);
        byte[] response = ServerResponse(0);
        byte[] otherTransaction = (byte[])response.Clone();
        otherTransaction[8] ^= 0xFF;

        Assert.Equal(IceResponseStatus.UnknownTransaction, agent.HandleStun(otherTransaction, ServerA));
        Assert.Equal(IceResponseStatus.Success, agent.HandleStun(response, ServerA));
        Assert.Equal(IceResponseStatus.UnknownTransaction, agent.HandleStun(response, ServerA));     // a duplicate: already answered
        Assert.Equal(IceResponseStatus.NotBindingResponse, agent.HandleStun(_sent[0].Datagram, ServerA)); // a request: the lite peer sends none
        Assert.Equal(IceResponseStatus.Malformed, agent.HandleStun(response.AsSpan(0, 19), ServerA));
    }

    [Fact]
    public void FingerprintIsRequiredAndChecked()
    {
        IceControllingAgent agent = NewAgent();
        agent.ConnectAsync([Host(ServerA)], Ct);
        byte[] badFingerprint = ServerResponse(0);
        badFingerprint[^1] ^= 0x01;

        Assert.Equal(IceResponseStatus.MissingFingerprint, agent.HandleStun(Response(_sent[0].Datagram, Server, fingerprint: false), ServerA));
        Assert.Equal(IceResponseStatus.BadFingerprint, agent.HandleStun(badFingerprint, ServerA));
        Assert.Equal(IceResponseStatus.Success, Answer(agent, 0));
    }

    [Fact]
    public async Task AnswerFromAnotherAddressFailsThePair()
    {
        IceControllingAgent agent = NewAgent();
        Task<IceTransportAddress> connect = agent.ConnectAsync([Host(ServerA)], Ct);

        Assert.Equal(IceResponseStatus.Asymmetric, agent.HandleStun(ServerResponse(0), ServerB));       // RFC 8445 §7.2.5.2.1

        IceConnectionException failure = await Assert.ThrowsAsync<IceConnectionException>(() => connect);
        Assert.Equal(IceConnectionFailure.ChecksFailed, failure.Reason);
        Assert.Contains("1 rejected", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuccessWithoutMappedAddressFailsThePair()
    {
        IceControllingAgent agent = NewAgent();
        Task<IceTransportAddress> connect = agent.ConnectAsync([Host(ServerA)], Ct);

        Assert.Equal(IceResponseStatus.MissingMappedAddress, agent.HandleStun(Response(_sent[0].Datagram, Server, mapped: false), ServerA));
        Assert.Equal(IceConnectionFailure.ChecksFailed, (await Assert.ThrowsAsync<IceConnectionException>(() => connect)).Reason);
    }

    [Fact]
    public async Task RoleConflictFailsThePairAndTheAgentStaysControlling()
    {
        IceControllingAgent agent = NewAgent();
        Task<IceTransportAddress> connect = agent.ConnectAsync([Host(ServerA, 300, "1"), Host(ServerB, 200, "2")], Ct);

        // §6.1.1: a lite peer is always controlled, so a 487 fails the pair instead of switching roles.
        byte[] roleConflict = Response(_sent[0].Datagram, Server, errorCode: StunErrorCodeAttribute.RoleConflict);
        Assert.Equal(IceResponseStatus.ErrorResponse, agent.HandleStun(roleConflict, ServerA));
        _time.Advance(Ta);
        Assert.Equal(ServerB, _sent[1].To);
        Assert.Equal(IceResponseStatus.Success, Answer(agent, 1));
        _time.Advance(Ta);

        Assert.Equal(ServerB, _sent[2].To);
        Assert.True(Read(2).HasAttribute(StunAttributeType.UseCandidate));
        Assert.True(Read(2).HasAttribute(StunAttributeType.IceControlling));
        Assert.Equal(IceResponseStatus.Success, Answer(agent, 2, IceRequestStatus.Nominated));
        Assert.Equal(ServerB, await connect);
    }

    [Fact]
    public async Task UnreachableCandidateFailsAtOnceAndTheNextIsChecked()
    {
        _reachable = to => !to.IsIPv6;                                                               // an IPv4 socket
        IceControllingAgent agent = NewAgent();
        Task<IceTransportAddress> connect = agent.ConnectAsync([Host(ServerV6, 300, "1"), Host(ServerA, 200, "1")], Ct);

        Assert.Equal(ServerV6, Assert.Single(_sent).To);
        _time.Advance(Ta);
        Assert.Equal(ServerA, _sent[1].To);                                                           // same foundation, unfrozen at once
        Assert.Equal(IceResponseStatus.Success, Answer(agent, 1));
        _time.Advance(Ta);
        Assert.Equal(IceResponseStatus.Success, Answer(agent, 2, IceRequestStatus.Nominated));
        Assert.Equal(ServerA, await connect);
    }

    [Fact]
    public async Task FailedNominationFallsBackToAnotherValidPair()
    {
        var options = new IceControllingAgentOptions
        {
            InitialRetransmissionTimeout = TimeSpan.FromMilliseconds(100),
            MaxRetransmissionTimeout = TimeSpan.FromMilliseconds(100),
            MaxTransmissions = 2,
        };
        IceControllingAgent agent = NewAgent(options);
        Task<IceTransportAddress> connect = agent.ConnectAsync([Host(ServerA, 300, "1"), Host(ServerB, 200, "2")], Ct);
        _time.Advance(Ta);
        Assert.Equal(IceResponseStatus.Success, Answer(agent, 0));
        Assert.Equal(IceResponseStatus.Success, Answer(agent, 1));

        _time.Advance(TimeSpan.FromMilliseconds(250));                                                // A's nomination: sent at 100 and 200 ms, never answered

        Sent[] nominations = [.. _sent.Where(sent => Read(sent).HasAttribute(StunAttributeType.UseCandidate))];
        Assert.Equal([ServerA, ServerA, ServerB], nominations.Select(sent => sent.To));
        Assert.False(connect.IsCompleted);
        Assert.Equal(IceResponseStatus.Success, Answer(agent, _sent.Count - 1, IceRequestStatus.Nominated));
        Assert.Equal(ServerB, await connect);
    }

    [Fact]
    public void ConsentChecksKeepTheConnectionAliveUntilTheyGoUnanswered()
    {
        IceControllingAgent agent = ConnectToServerA();
        TimeSpan connectedAt = _time.Elapsed;

        _time.Advance(TimeSpan.FromSeconds(6));
        Sent consent = _sent[^1];
        Assert.Equal(3, _sent.Count);                                                                 // RFC 7675 §5.1: one per 4-6 s
        Assert.InRange(consent.At - connectedAt, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6));
        Assert.Equal(ServerA, consent.To);
        Assert.False(Read(consent).HasAttribute(StunAttributeType.UseCandidate));
        Assert.Equal(StunIntegrityStatus.Ok, Read(consent).VerifyMessageIntegrity(Server.PasswordKey));
        Assert.Equal(IceResponseStatus.Success, Answer(agent, 2));

        // Unanswered from here on: consent ends 30 s after the last answered check was sent.
        _time.Advance(consent.At + IceControllingAgent.ConsentTimeout - _time.Elapsed - Tick);
        Assert.Equal(IceConnectionState.Connected, agent.State);
        Assert.True(_sent.Count >= 7);                                                                // sent once each, never retransmitted
        Assert.Equal(_sent.Count, _sent.Select(sent => Convert.ToHexString(Read(sent).TransactionId)).Distinct().Count());
        _time.Advance(Tick);
        Assert.Equal(IceConnectionState.ConsentLost, agent.State);
        Assert.Equal([IceConnectionState.Checking, IceConnectionState.Connected, IceConnectionState.ConsentLost], _states);

        int sentAtLoss = _sent.Count;
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(sentAtLoss, _sent.Count);                                                        // transmission ceased
        Assert.Equal(IceResponseStatus.UnknownTransaction, agent.HandleStun(ServerResponse(sentAtLoss - 1), ServerA)); // too late
        Assert.Equal(IceConnectionState.ConsentLost, agent.State);
    }

    [Fact]
    public void InitialConsentCountsFromTheNominatingCheck()
    {
        IceControllingAgent agent = ConnectToServerA();
        TimeSpan nominationSentAt = _sent[1].At;

        _time.Advance(nominationSentAt + IceControllingAgent.ConsentTimeout - _time.Elapsed - Tick);
        Assert.Equal(IceConnectionState.Connected, agent.State);
        _time.Advance(Tick);
        Assert.Equal(IceConnectionState.ConsentLost, agent.State);
    }

    [Fact]
    public void LateAnswerToAnEarlierConsentCheckStillCounts()
    {
        IceControllingAgent agent = ConnectToServerA();
        _time.Advance(TimeSpan.FromSeconds(6));
        Sent first = _sent[2];
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.True(_sent.Count >= 4);

        Assert.Equal(IceResponseStatus.Success, Answer(agent, 2));                                    // answers the older check
        Assert.Equal(IceResponseStatus.Asymmetric, agent.HandleStun(ServerResponse(3), ServerB));     // consent is per 5-tuple

        _time.Advance(first.At + IceControllingAgent.ConsentTimeout - _time.Elapsed - Tick);
        Assert.Equal(IceConnectionState.Connected, agent.State);
        _time.Advance(Tick);
        Assert.Equal(IceConnectionState.ConsentLost, agent.State);
    }

    [Fact]
    public async Task NoUsableCandidateFailsAtOnce()
    {
        IceControllingAgent agent = NewAgent();
        IceCandidate udp = Host(ServerA);
        IceCandidate[] unusable =
        [
            udp with { Transport = "tcp" },
            udp with { Component = 2 },
            udp with { Address = "0f1e2d3c-host.local" },
            udp with { Address = "0.0.0.0" },
            udp with { Port = 0 },
        ];

        IceConnectionException failure = await Assert.ThrowsAsync<IceConnectionException>(() => agent.ConnectAsync(unusable, Ct));

        Assert.Equal(IceConnectionFailure.NoUsableCandidates, failure.Reason);
        Assert.Empty(_sent);
        Assert.Equal(IceConnectionState.Failed, agent.State);
    }

    [Fact]
    public void DuplicateCandidatesAreCheckedOnce()
    {
        IceControllingAgent agent = NewAgent();
        agent.ConnectAsync([Host(ServerA, 100, "1"), Host(ServerA, 300, "2")], Ct);
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Single(_sent);                                                                         // RFC 8445 §6.1.2.4
    }

    [Fact]
    public async Task CancellingTheConnectClosesTheAgent()
    {
        IceControllingAgent agent = NewAgent();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        Task<IceTransportAddress> connect = agent.ConnectAsync([Host(ServerA)], cancellation.Token);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connect);
        Assert.Equal(IceConnectionState.Closed, agent.State);
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Single(_sent);
    }

    [Fact]
    public async Task DisposeFailsAPendingConnect()
    {
        IceControllingAgent agent = NewAgent();
        Task<IceTransportAddress> connect = agent.ConnectAsync([Host(ServerA)], Ct);

        agent.Dispose();
        agent.Dispose();

        Assert.Equal(IceConnectionFailure.Closed, (await Assert.ThrowsAsync<IceConnectionException>(() => connect)).Reason);
        Assert.Equal([IceConnectionState.Checking, IceConnectionState.Closed], _states);
        Assert.Equal(IceResponseStatus.UnknownTransaction, agent.HandleStun(ServerResponse(0), ServerA));
        Assert.Throws<ObjectDisposedException>(() => { _ = agent.ConnectAsync([Host(ServerA)], Ct); });   // a usage error: thrown at once
    }

    [Fact]
    public void ConnectRunsOnce()
    {
        IceControllingAgent agent = NewAgent();
        agent.ConnectAsync([Host(ServerA)], Ct);
        Assert.Throws<InvalidOperationException>(() => { _ = agent.ConnectAsync([Host(ServerA)], Ct); }); // a usage error: thrown at once
    }

    [Fact]
    public void HandlingResponsesAllocatesNothing()
    {
        IceControllingAgent agent = ConnectToServerA();
        _time.Advance(TimeSpan.FromSeconds(6));
        byte[] consent = ServerResponse(2);
        byte[] forged = Response(_sent[2].Datagram, WrongServer);
        byte[] stale = ServerResponse(0);
        IceTransportAddress from = ServerA;

        void Round()
        {
            agent.HandleStun(consent, from);
            agent.HandleStun(forged, from);
            agent.HandleStun(stale, from);
        }

        for (int i = 0; i < 1000; i++) Round();                                                      // warm-up
        // As UdpMediaListenerAllocationTests: a per-datagram allocation shows in every window, the runtime's
        // rare one-off ones do not, so at least one of five windows must be clean.
        var windows = new List<long>();
        for (int window = 0; window < 5; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++) Round();
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            if (windows[^1] == 0) break;
        }
        Assert.True(windows[^1] == 0, "bytes allocated per window of 10,000 rounds: " + string.Join(", ", windows));
        Assert.Equal(IceResponseStatus.Success, agent.HandleStun(consent, from));
    }

    [Fact]
    public void MutatedAndRandomResponsesNeverThrowOrSucceed()
    {
        IceControllingAgent agent = NewAgent();
        agent.ConnectAsync([Host(ServerA)], Ct);
        byte[] genuine = ServerResponse(0);
        var buffer = new byte[genuine.Length + 32];
        var random = new Random(Seed);

        for (int i = 0; i < 100_000; i++)
        {
            int length;
            if ((i & 1) == 0)
            {
                genuine.CopyTo(buffer, 0);
                length = genuine.Length;
                int flips = random.Next(1, 4);
                for (int f = 0; f < flips; f++) buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                if (random.Next(8) == 0) length = random.Next(length);
                if (buffer.AsSpan(0, length).SequenceEqual(genuine)) buffer[0] ^= 0x01;                 // flips cancelled out
            }
            else
            {
                length = random.Next(buffer.Length);
                random.NextBytes(buffer.AsSpan(0, length));
                buffer[0] &= 0x01;
            }
            IceResponseStatus status = agent.HandleStun(buffer.AsSpan(0, length), ServerA);
            Assert.True(status >= IceResponseStatus.Malformed, $"iteration {i}: {status}");
        }
        Assert.Equal(IceConnectionState.Checking, agent.State);
        Assert.Equal(IceResponseStatus.Success, agent.HandleStun(genuine, ServerA));
    }

    private IceControllingAgent NewAgent(IceControllingAgentOptions? options = null)
    {
        var agent = new IceControllingAgent(Client, Server, Record, options, _time, TieBreaker);
        agent.StateChanged += (_, state) => _states.Add(state);
        return agent;
    }

    /// <summary>Checks ServerA, answers, nominates at Ta: requests 0 (check) and 1 (nomination) are sent.</summary>
    private IceControllingAgent ConnectToServerA()
    {
        IceControllingAgent agent = NewAgent();
        Task<IceTransportAddress> connect = agent.ConnectAsync([Host(ServerA)], Ct);
        Assert.Equal(IceResponseStatus.Success, Answer(agent, 0));
        _time.Advance(Ta);
        Assert.Equal(IceResponseStatus.Success, Answer(agent, 1, IceRequestStatus.Nominated));
        Assert.True(connect.IsCompletedSuccessfully);
        return agent;
    }

    private bool Record(ReadOnlySpan<byte> datagram, in IceTransportAddress to)
    {
        _sent.Add(new Sent(datagram.ToArray(), to, _time.Elapsed));
        return _reachable(to);
    }

    /// <summary>Has the ICE-lite server answer sent request <paramref name="index"/>, from where it went.</summary>
    private IceResponseStatus Answer(IceControllingAgent agent, int index, IceRequestStatus expected = IceRequestStatus.Success)
    {
        var response = new byte[512];
        Assert.Equal(expected, _server.HandleBindingRequest(_sent[index].Datagram, ClientMapped, response, out int length));
        return agent.HandleStun(response.AsSpan(0, length), _sent[index].To);
    }

    private byte[] ServerResponse(int index)
    {
        var response = new byte[512];
        _server.HandleBindingRequest(_sent[index].Datagram, ClientMapped, response, out int length);
        Assert.True(length > 0);
        return response.AsSpan(0, length).ToArray();
    }

    /* RFC 8489 §6.3.1.1 response to request: header (request's transaction id) | XOR-MAPPED-ADDRESS or ERROR-CODE |
       MESSAGE-INTEGRITY | FINGERPRINT, each part optional here to build broken ones. */
    private static byte[] Response(byte[] request, IceCredentials signer, bool fingerprint = true, bool integrity = true,
        bool mapped = true, int errorCode = 0)
    {
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(request, out StunMessage message));
        var buffer = new byte[512];
        ushort type = errorCode == 0 ? StunMessageType.BindingSuccessResponse : StunMessageType.BindingErrorResponse;
        Assert.True(StunMessageWriter.TryCreate(buffer, type, message.TransactionId, out StunMessageWriter writer));
        if (errorCode != 0)
        {
            Assert.True(writer.TryAppendErrorCode(errorCode, "Role Conflict"u8));
        }
        else if (mapped)
        {
            Span<byte> address = stackalloc byte[16];
            ClientMapped.TryWriteAddress(address, out int addressLength);
            Assert.True(writer.TryAppendXorMappedAddress(address[..addressLength], ClientMapped.Port));
        }
        if (integrity) Assert.True(writer.TryAppendMessageIntegrity(signer.PasswordKey));
        if (fingerprint) Assert.True(writer.TryAppendFingerprint());
        return writer.Written.ToArray();
    }

    private StunMessage Read(int index) => Read(_sent[index]);

    private static StunMessage Read(Sent sent)
    {
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryRead(sent.Datagram, out StunMessage message));
        return message;
    }

    private static IceCandidate Host(IceTransportAddress address, uint priority = 2130706431, string foundation = "1") =>
        new(foundation, 1, "udp", priority, address.ToIPEndPoint().Address.ToString(), address.Port, IceCandidateType.Host,
            null, null, EquatableList<KeyValuePair<string, string>>.Empty);

    private static IceTransportAddress Address(string endPoint) => IceTransportAddress.FromIPEndPoint(IPEndPoint.Parse(endPoint));

    private sealed record Sent(byte[] Datagram, IceTransportAddress To, TimeSpan At);
}
