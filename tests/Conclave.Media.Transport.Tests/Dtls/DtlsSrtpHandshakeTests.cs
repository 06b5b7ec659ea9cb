using System.Diagnostics;
using Conclave.Media.Transport.Dtls;
using Conclave.Media.Transport.Srtp;
using Conclave.Media.Transport.Tests.Srtp;

namespace Conclave.Media.Transport.Tests.Dtls;

public sealed class DtlsSrtpHandshakeTests
{
    private static readonly DtlsCertificate ServerCertificate = DtlsCertificate.Generate("server");
    private static readonly DtlsCertificate ClientCertificate = DtlsCertificate.Generate("client");

    public static TheoryData<SrtpProfile> AllProfiles => SrtpTestPackets.AllProfiles;

    private static (Task<DtlsSrtpSession> Client, Task<DtlsSrtpSession> Server) Start(
        DtlsTestLink link, DtlsSrtpOptions? clientOptions = null, DtlsSrtpOptions? serverOptions = null,
        DtlsFingerprint? clientExpects = null, DtlsFingerprint? serverExpects = null)
    {
        Task<DtlsSrtpSession> server = DtlsSrtpHandshake.AcceptAsync(link.Server, ServerCertificate,
            serverExpects ?? ClientCertificate.Fingerprint, serverOptions, TestContext.Current.CancellationToken);
        Task<DtlsSrtpSession> client = DtlsSrtpHandshake.ConnectAsync(link.Client, ClientCertificate,
            clientExpects ?? ServerCertificate.Fingerprint, clientOptions, TestContext.Current.CancellationToken);
        return (client, server);
    }

    private static async Task<(DtlsSrtpSession Client, DtlsSrtpSession Server)> Both(Task<DtlsSrtpSession> client, Task<DtlsSrtpSession> server)
    {
        DtlsSrtpSession c = await client.WaitAsync(DtlsTestLink.Deadline, TestContext.Current.CancellationToken);
        DtlsSrtpSession s = await server.WaitAsync(DtlsTestLink.Deadline, TestContext.Current.CancellationToken);
        return (c, s);
    }

    /// <summary>Waits for a failed handshake; any exception other than DtlsSrtpHandshakeException fails the test.</summary>
    private static async Task<DtlsSrtpHandshakeException> Failure(Task<DtlsSrtpSession> task)
    {
        Task completed = await Task.WhenAny(task, Task.Delay(DtlsTestLink.Deadline, TestContext.Current.CancellationToken));
        Assert.Same(task, completed);
        return await Assert.ThrowsAsync<DtlsSrtpHandshakeException>(() => task);
    }

    private static void AssertSrtpFlows(SrtpContext sender, SrtpContext receiver, ushort seq)
    {
        (byte[] buffer, int length) = SrtpTestPackets.Rtp(seq, 0x1234_5678, 160);
        byte[] original = buffer[..length];
        Assert.Equal(SrtpStatus.Ok, sender.Protect(buffer, length, out int protectedLength));
        Assert.False(original.AsSpan(12).SequenceEqual(buffer.AsSpan(12, length - 12)));
        Assert.Equal(SrtpStatus.Ok, receiver.Unprotect(buffer.AsSpan(0, protectedLength), out int plainLength));
        Assert.Equal(original, buffer[..plainLength]);
    }

    [Theory]
    [MemberData(nameof(AllProfiles))]
    public async Task Forced_profile_is_negotiated_and_srtp_flows_both_ways(SrtpProfile profile)
    {
        var link = new DtlsTestLink();
        var options = new DtlsSrtpOptions { SrtpProfiles = [profile] };
        (Task<DtlsSrtpSession> clientTask, Task<DtlsSrtpSession> serverTask) = Start(link, options, options);
        (DtlsSrtpSession client, DtlsSrtpSession server) = await Both(clientTask, serverTask);
        using (client)
        using (server)
        {
            Assert.Equal(profile, client.Profile);
            Assert.Equal(profile, server.Profile);
            Assert.Equal(DtlsRole.Client, client.Role);
            Assert.Equal(DtlsRole.Server, server.Role);
            Assert.Equal(ServerCertificate.Fingerprint, client.RemoteFingerprint);
            AssertSrtpFlows(client.Outbound, server.Inbound, 1);
            AssertSrtpFlows(server.Outbound, client.Inbound, 1);
            AssertSrtpFlows(client.Outbound, server.Inbound, 2);

            // The two directions use different keys (RFC 5764 §4.2): a client packet does not verify as server traffic.
            (byte[] buffer, int length) = SrtpTestPackets.Rtp(3, 0x1234_5678, 160);
            Assert.Equal(SrtpStatus.Ok, client.Outbound.Protect(buffer, length, out int protectedLength));
            Assert.Equal(SrtpStatus.AuthenticationFailed, client.Inbound.Unprotect(buffer.AsSpan(0, protectedLength), out _));
        }
    }

    [Fact]
    public async Task Chromium_offer_order_negotiates_aes128_gcm_and_reports_handshake_time()
    {
        var link = new DtlsTestLink();
        // Chromium offers 0x0001, 0x0007, 0x0008 (see ENVIRONMENT.md); the server's preference decides.
        var chromiumLike = new DtlsSrtpOptions
        {
            SrtpProfiles = [SrtpProfile.AesCm128HmacSha1_80, SrtpProfile.AeadAes128Gcm, SrtpProfile.AeadAes256Gcm],
        };
        var stopwatch = Stopwatch.StartNew();
        (Task<DtlsSrtpSession> clientTask, Task<DtlsSrtpSession> serverTask) = Start(link, chromiumLike, null);
        (DtlsSrtpSession client, DtlsSrtpSession server) = await Both(clientTask, serverTask);
        stopwatch.Stop();
        TestContext.Current.TestOutputHelper?.WriteLine($"in-memory DTLS-SRTP handshake: {stopwatch.Elapsed.TotalMilliseconds:F1} ms");
        using (client)
        using (server)
        {
            Assert.Equal(SrtpProfile.AeadAes128Gcm, client.Profile);
            Assert.Equal(SrtpProfile.AeadAes128Gcm, server.Profile);
        }
    }

    [Fact]
    public async Task Server_preference_wins_among_offered_profiles()
    {
        var link = new DtlsTestLink();
        var client = new DtlsSrtpOptions { SrtpProfiles = [SrtpProfile.AeadAes128Gcm, SrtpProfile.AesCm128HmacSha1_80] };
        var server = new DtlsSrtpOptions { SrtpProfiles = [SrtpProfile.AeadAes256Gcm, SrtpProfile.AesCm128HmacSha1_80, SrtpProfile.AeadAes128Gcm] };
        (Task<DtlsSrtpSession> c, Task<DtlsSrtpSession> s) = Start(link, client, server);
        (DtlsSrtpSession cs, DtlsSrtpSession ss) = await Both(c, s);
        using (cs)
        using (ss)
        {
            Assert.Equal(SrtpProfile.AesCm128HmacSha1_80, cs.Profile);
            Assert.Equal(SrtpProfile.AesCm128HmacSha1_80, ss.Profile);
            AssertSrtpFlows(ss.Outbound, cs.Inbound, 7);
        }
    }

    [Fact]
    public async Task Server_refuses_client_certificate_that_does_not_match_sdp()
    {
        var link = new DtlsTestLink();
        DtlsFingerprint wrong = DtlsCertificate.Generate("impostor").Fingerprint;
        (Task<DtlsSrtpSession> client, Task<DtlsSrtpSession> server) = Start(link, serverExpects: wrong);
        DtlsSrtpHandshakeException serverError = await Failure(server);
        Assert.Equal(DtlsHandshakeFailure.FingerprintMismatch, serverError.Reason);
        Assert.Contains(wrong.ToString(), serverError.Message);
        Assert.Contains(ClientCertificate.SdpFingerprint, serverError.Message);
        // The client learns through the bad_certificate alert.
        DtlsSrtpHandshakeException clientError = await Failure(client);
        Assert.Equal(DtlsHandshakeFailure.AlertReceived, clientError.Reason);
        Assert.Contains("bad_certificate", clientError.Message);
        Assert.True(link.Server.IsClosed);
    }

    [Fact]
    public async Task Client_refuses_server_certificate_that_does_not_match_sdp()
    {
        var link = new DtlsTestLink();
        DtlsFingerprint wrong = DtlsCertificate.Generate("impostor").Fingerprint;
        (Task<DtlsSrtpSession> client, Task<DtlsSrtpSession> server) = Start(link, clientExpects: wrong);
        DtlsSrtpHandshakeException clientError = await Failure(client);
        Assert.Equal(DtlsHandshakeFailure.FingerprintMismatch, clientError.Reason);
        DtlsSrtpHandshakeException serverError = await Failure(server);
        Assert.Equal(DtlsHandshakeFailure.AlertReceived, serverError.Reason);
        Assert.True(link.Client.IsClosed);
    }

    [Fact]
    public async Task No_common_srtp_profile_fails_on_both_sides()
    {
        var link = new DtlsTestLink();
        (Task<DtlsSrtpSession> client, Task<DtlsSrtpSession> server) = Start(link,
            new DtlsSrtpOptions { SrtpProfiles = [SrtpProfile.AesCm128HmacSha1_80] },
            new DtlsSrtpOptions { SrtpProfiles = [SrtpProfile.AeadAes128Gcm] });
        Assert.Equal(DtlsHandshakeFailure.NoCommonSrtpProfile, (await Failure(server)).Reason);
        Assert.Equal(DtlsHandshakeFailure.AlertReceived, (await Failure(client)).Reason);
    }

    [Theory]
    [InlineData("first ClientHello lost", 1, 0)]
    [InlineData("first two client datagrams lost", 2, 0)]
    [InlineData("first server flight lost", 0, 1)]
    [InlineData("first flights both ways lost", 1, 1)]
    public async Task Lost_flights_are_retransmitted(string name, int dropFromClient, int dropFromServer)
    {
        Assert.NotEmpty(name);
        var link = new DtlsTestLink(i => i < dropFromClient, i => i < dropFromServer);
        var options = new DtlsSrtpOptions { InitialRetransmitTimeout = TimeSpan.FromMilliseconds(100) };
        (Task<DtlsSrtpSession> c, Task<DtlsSrtpSession> s) = Start(link, options, options);
        (DtlsSrtpSession client, DtlsSrtpSession server) = await Both(c, s);
        using (client)
        using (server)
        {
            Assert.Equal(dropFromClient, link.DroppedClientToServerCount);
            Assert.Equal(dropFromServer, link.DroppedServerToClientCount);
            AssertSrtpFlows(client.Outbound, server.Inbound, 1);
            AssertSrtpFlows(server.Outbound, client.Inbound, 1);
        }
    }

    [Fact]
    public async Task Handshake_times_out_when_the_peer_never_answers()
    {
        var link = new DtlsTestLink(_ => true);
        var options = new DtlsSrtpOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(500), InitialRetransmitTimeout = TimeSpan.FromMilliseconds(50) };
        Task<DtlsSrtpSession> client = DtlsSrtpHandshake.ConnectAsync(link.Client, ClientCertificate, ServerCertificate.Fingerprint, options, TestContext.Current.CancellationToken);
        Assert.Equal(DtlsHandshakeFailure.Timeout, (await Failure(client)).Reason);
        Assert.True(link.DroppedClientToServerCount >= 2, "the ClientHello was retransmitted");
    }

    [Fact]
    public async Task Cancellation_closes_the_transport_and_fails_cleanly()
    {
        var link = new DtlsTestLink();
        using var cts = new CancellationTokenSource();
        Task<DtlsSrtpSession> server = DtlsSrtpHandshake.AcceptAsync(link.Server, ServerCertificate, ClientCertificate.Fingerprint, null, cts.Token);
        await cts.CancelAsync();
        Assert.Equal(DtlsHandshakeFailure.Closed, (await Failure(server)).Reason);
        Assert.True(link.Server.IsClosed);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 10)]
    [InlineData(3, 200)]
    public async Task Hostile_datagrams_are_dropped_and_the_handshake_completes(int seed, int dtlsLooking)
    {
        var rng = new Random(seed);
        var link = new DtlsTestLink();
        var options = new DtlsSrtpOptions { HandshakeTimeout = TimeSpan.FromSeconds(3), InitialRetransmitTimeout = TimeSpan.FromMilliseconds(100) };
        void Inject(QueueDatagramTransport target, int count)
        {
            for (int i = 0; i < count; i++)
            {
                byte[] junk = new byte[rng.Next(1, 1600)];
                rng.NextBytes(junk);
                if (i < dtlsLooking && junk.Length >= 13)
                {
                    // A plausible DTLS 1.2 record header (RFC 6347 §4.1): handshake, epoch 0, consistent length.
                    junk[0] = 22; junk[1] = 0xFE; junk[2] = 0xFD; junk[3] = 0; junk[4] = 0;
                    int fragment = junk.Length - 13;
                    junk[11] = (byte)(fragment >> 8); junk[12] = (byte)fragment;
                }
                target.Enqueue(junk);
            }
        }

        Inject(link.Server, 100);
        (Task<DtlsSrtpSession> client, Task<DtlsSrtpSession> server) = Start(link, options, options);
        Inject(link.Server, 100);
        Inject(link.Client, 50);

        // None of it is a well-formed DTLS 1.2 datagram, so QueueDatagramTransport drops it all and the handshake
        // completes (DtlsJunkInjectionTests covers junk that gets further).
        (DtlsSrtpSession c, DtlsSrtpSession s) = await Both(client, server);
        using (c)
        using (s)
        {
            Assert.Equal(200, link.Server.DroppedDatagrams);               // malformed, or over the receive limit
            Assert.Equal(50, link.Client.DroppedDatagrams);
            AssertSrtpFlows(c.Outbound, s.Inbound, 1);
        }
    }
}
