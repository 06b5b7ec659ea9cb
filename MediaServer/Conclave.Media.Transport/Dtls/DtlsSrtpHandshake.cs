using System.Security.Cryptography;
using Conclave.Media.Transport.Srtp;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Conclave.Media.Transport.Dtls;

/// <summary>
/// Runs a blocking BouncyCastle DTLS-SRTP handshake on a dedicated thread and turns the outcome into a
/// <see cref="DtlsSrtpSession"/> or a <see cref="DtlsSrtpHandshakeException"/> (never any other exception type).
/// On failure the transport is closed and no key material leaves this class.
/// </summary>
public static class DtlsSrtpHandshake
{
    /// <summary>Runs the server side (<c>a=setup:passive</c>) with <c>DtlsServerProtocol.Accept</c>.</summary>
    public static Task<DtlsSrtpSession> AcceptAsync(
        QueueDatagramTransport transport, DtlsCertificate localCertificate, DtlsFingerprint remoteFingerprint,
        DtlsSrtpOptions? options = null, CancellationToken cancellationToken = default) =>
        Start(DtlsRole.Server, transport, localCertificate, remoteFingerprint, options ?? DtlsSrtpOptions.Default, cancellationToken);

    /// <summary>Runs the client side (<c>a=setup:active</c>) with <c>DtlsClientProtocol.Connect</c>.</summary>
    public static Task<DtlsSrtpSession> ConnectAsync(
        QueueDatagramTransport transport, DtlsCertificate localCertificate, DtlsFingerprint remoteFingerprint,
        DtlsSrtpOptions? options = null, CancellationToken cancellationToken = default) =>
        Start(DtlsRole.Client, transport, localCertificate, remoteFingerprint, options ?? DtlsSrtpOptions.Default, cancellationToken);

    private static Task<DtlsSrtpSession> Start(
        DtlsRole role, QueueDatagramTransport transport, DtlsCertificate localCertificate, DtlsFingerprint remoteFingerprint,
        DtlsSrtpOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(localCertificate);
        ArgumentNullException.ThrowIfNull(remoteFingerprint);
        options.Validate();
        // BouncyCastle blocks in Receive for the whole handshake: give it its own thread, not a pool thread.
        return Task.Factory.StartNew(
            () => Run(role, transport, localCertificate, remoteFingerprint, options, cancellationToken),
            CancellationToken.None, TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
    }

    private static DtlsSrtpSession Run(
        DtlsRole role, QueueDatagramTransport transport, DtlsCertificate localCertificate, DtlsFingerprint remoteFingerprint,
        DtlsSrtpOptions options, CancellationToken cancellationToken)
    {
        var crypto = new BcTlsCrypto(new SecureRandom());
        DtlsSrtpPeerState state;
        using CancellationTokenRegistration registration = cancellationToken.Register(transport.Close);
        DtlsTransport dtls;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (role == DtlsRole.Server)
            {
                var server = new DtlsSrtpServer(crypto, localCertificate, remoteFingerprint, options);
                state = server.State;
                // ICE connectivity checks (RFC 8445 §7.2.5) already prove the client's address is reachable, so the
                // HelloVerifyRequest cookie exchange (RFC 6347 §4.2.1) would only cost a round trip.
                var protocol = new DtlsServerProtocol { VerifyRequests = false };
                dtls = Accept(protocol, server, transport, state, cancellationToken);
            }
            else
            {
                var client = new DtlsSrtpClient(crypto, localCertificate, remoteFingerprint, options);
                state = client.State;
                dtls = Connect(new DtlsClientProtocol(), client, transport, state, cancellationToken);
            }
        }
        catch (OperationCanceledException e)
        {
            transport.Close();
            throw new DtlsSrtpHandshakeException(DtlsHandshakeFailure.Closed, "cancelled", e);
        }

        byte[] material = state.KeyingMaterial!;
        SrtpProfile profile = state.SelectedProfile!.Value;
        try
        {
            // RFC 5764 §4.2: client_write_SRTP_master_key | server_write_SRTP_master_key |
            //                client_write_SRTP_master_salt | server_write_SRTP_master_salt
            int keyLength = profile.KeyLength(), saltLength = profile.SaltLength();
            ReadOnlySpan<byte> clientKey = material.AsSpan(0, keyLength);
            ReadOnlySpan<byte> serverKey = material.AsSpan(keyLength, keyLength);
            ReadOnlySpan<byte> clientSalt = material.AsSpan(2 * keyLength, saltLength);
            ReadOnlySpan<byte> serverSalt = material.AsSpan(2 * keyLength + saltLength, saltLength);
            var clientWrite = new SrtpContext(profile, clientKey, clientSalt);
            var serverWrite = new SrtpContext(profile, serverKey, serverSalt);
            return role == DtlsRole.Client
                ? new DtlsSrtpSession(role, profile, clientWrite, serverWrite, dtls, remoteFingerprint)
                : new DtlsSrtpSession(role, profile, serverWrite, clientWrite, dtls, remoteFingerprint);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    private static DtlsTransport Accept(DtlsServerProtocol protocol, DtlsSrtpServer server, QueueDatagramTransport transport, DtlsSrtpPeerState state, CancellationToken ct)
    {
        try
        {
            return protocol.Accept(server, transport);
        }
        catch (Exception e)
        {
            throw Classify(e, transport, state, ct);
        }
    }

    private static DtlsTransport Connect(DtlsClientProtocol protocol, DtlsSrtpClient client, QueueDatagramTransport transport, DtlsSrtpPeerState state, CancellationToken ct)
    {
        try
        {
            return protocol.Connect(client, transport);
        }
        catch (Exception e)
        {
            throw Classify(e, transport, state, ct);
        }
    }

    private static DtlsSrtpHandshakeException Classify(Exception e, QueueDatagramTransport transport, DtlsSrtpPeerState state, CancellationToken ct)
    {
        bool externallyClosed = transport.IsClosed && e is IOException && e is not TlsException;
        transport.Close();
        if (state.Failure is DtlsHandshakeFailure local)
            return new DtlsSrtpHandshakeException(local, state.FailureMessage ?? e.Message, e);
        if (ct.IsCancellationRequested)
            return new DtlsSrtpHandshakeException(DtlsHandshakeFailure.Closed, "cancelled", e);
        if (e is TlsTimeoutException)
            return new DtlsSrtpHandshakeException(DtlsHandshakeFailure.Timeout, "no complete handshake within the handshake timeout", e);
        if (state.ReceivedAlert is short alert)
            return new DtlsSrtpHandshakeException(DtlsHandshakeFailure.AlertReceived, $"the peer sent a fatal {AlertDescription.GetText(alert)} alert", e);
        if (externallyClosed)
            return new DtlsSrtpHandshakeException(DtlsHandshakeFailure.Closed, "the transport was closed", e);
        return new DtlsSrtpHandshakeException(DtlsHandshakeFailure.ProtocolError, e.Message, e);
    }
}
