using System.Collections.Concurrent;
using Conclave.Media.Transport.Dtls;

namespace Conclave.Media.Transport.Tests.Dtls;

/// <summary>
/// The datagrams of one clean in-memory DTLS-SRTP handshake, per direction, as the seeds of mutation fuzzing:
/// ClientHello, the server's flight (ServerHello … ServerHelloDone), the client's (Certificate … Finished) and the
/// server's ChangeCipherSpec + Finished.
/// </summary>
internal sealed class DtlsCapturedHandshake
{
    public static readonly DtlsCertificate ServerCertificate = DtlsCertificate.Generate("server");
    public static readonly DtlsCertificate ClientCertificate = DtlsCertificate.Generate("client");

    private static readonly Lazy<Task<DtlsCapturedHandshake>> Captured = new(CaptureAsync);

    private DtlsCapturedHandshake(byte[][] clientToServer, byte[][] serverToClient)
    {
        ClientToServer = clientToServer;
        ServerToClient = serverToClient;
        All = [.. clientToServer, .. serverToClient];
    }

    public IReadOnlyList<byte[]> ClientToServer { get; }
    public IReadOnlyList<byte[]> ServerToClient { get; }
    public IReadOnlyList<byte[]> All { get; }

    /// <summary>The capture, made once per test run.</summary>
    public static Task<DtlsCapturedHandshake> GetAsync() => Captured.Value;

    private static async Task<DtlsCapturedHandshake> CaptureAsync()
    {
        var toServer = new ConcurrentQueue<byte[]>();
        var toClient = new ConcurrentQueue<byte[]>();
        DtlsTestLink? link = null;
        link = new DtlsTestLink(interfere: (receiver, datagram) =>
            (ReferenceEquals(receiver, link!.Server) ? toServer : toClient).Enqueue(datagram.ToArray()));
        Task<DtlsSrtpSession> server = DtlsSrtpHandshake.AcceptAsync(link.Server, ServerCertificate, ClientCertificate.Fingerprint);
        Task<DtlsSrtpSession> client = DtlsSrtpHandshake.ConnectAsync(link.Client, ClientCertificate, ServerCertificate.Fingerprint);
        (await client.WaitAsync(DtlsTestLink.Deadline)).Dispose();
        (await server.WaitAsync(DtlsTestLink.Deadline)).Dispose();
        return new DtlsCapturedHandshake([.. toServer], [.. toClient]);
    }
}
